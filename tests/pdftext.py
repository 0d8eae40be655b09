"""Read a PDF's text back with poppler's pdftotext, as a clerk's viewer (search, copy) gets it.

Nothing is folded back: every PDF we make is printed by Chromium (app/services/pdf.py), whose
text layer is the Thai that was printed, character for character. (wkhtmltopdf's was not: its
pages read ``ผูรับจาง``, ``สําหรับ`` and private-use code points, which an earlier version of
this helper mapped back, hiding the fault from every test.) ``broken_thai`` finds what such a
layer would hold.
"""

import os
import re
import shutil
import subprocess

import pytest

from app.services import pdf

IN_CI = os.environ.get("CI", "").lower() == "true"
# Private-use code points (Windows' shifted Thai marks) and สระอำ split into นิคหิต + สระอา.
_BROKEN_RE = re.compile("[\ue000-\uf8ff]|\u0e4d\u0e32")
MM = 72 / 25.4  # PDF points in a millimetre


def require_pdf_tools():
    """Chromium (to print) and pdftotext (to read back): a test without them fails under CI
    and is skipped elsewhere, saying what is missing."""
    missing = [name for name, ok in ((pdf.chromium_path(), os.access(pdf.chromium_path(), os.X_OK)),
                                     ("pdftotext (poppler-utils)", shutil.which("pdftotext")))
               if not ok]
    if missing:
        message = "needed to print and read PDFs: " + ", ".join(missing)
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def pdf_text(data, first=None, last=None):
    """The text in content-stream order (-raw), pages separated by a form feed; ``first`` and
    ``last`` (from 1) read only those pages."""
    args = ["pdftotext", "-raw"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    out = subprocess.run(args + ["-", "-"], input=data, capture_output=True, check=True,
                         timeout=60).stdout
    return out.decode("utf-8")


def pages_of(data):
    """The text of each page (-raw)."""
    pages = pdf_text(data).split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def broken_thai(text):
    """The code points of a broken Thai text layer found in ``text`` (none, when it is whole)."""
    return _BROKEN_RE.findall(text)


def words_with_boxes(data):
    """[(page number, xMin, yMin, xMax, yMax, word)] in points, from ``pdftotext -bbox``."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True,
                          check=True, timeout=60).stdout.decode("utf-8")
    found = []
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                             r'yMax="([\d.]+)">(.*?)</word>', page):
            found.append((number, *map(float, m.groups()[:4]), m.group(5)))
    return found


def left_margin_mm(data):
    """The smallest distance, in millimetres, from a page's left edge to any word on it."""
    return min(x for _page, x, _y, _x2, _y2, _word in words_with_boxes(data)) / MM
