"""Read a PDF's text back with poppler's pdftotext, as a clerk's viewer would show it.

Laksaman shapes Thai with the glyph variants of Unicode's private use area (tone marks shifted
left or down, ฐ and ญ without their tails) and writes สระอำ as นิคหิต + สระอา; pdftotext returns
those code points as they are. They are folded back here, so that tests compare plain Thai.
"""

import subprocess
import unicodedata

_PUA = dict(zip(
    range(0xF700, 0xF71B),
    "ฐิีึื่้๊๋์่้๊๋์ญัํ็่้๊๋์ฺุู",
))


def normalise(text):
    """PUA variants folded, marks in canonical order (ผู้ may come out as ผ ้ ู), สระอำ whole."""
    text = unicodedata.normalize("NFC", text.translate(_PUA))
    return text.replace("\u0e4d\u0e32", "\u0e33")


def pdf_text(data):
    """The text in content-stream order (-raw): the layout mode splits a tone mark that sits
    left of its consonant (ที่ as ทีห ่) onto another line."""
    args = ["pdftotext", "-raw", "-", "-"]
    out = subprocess.run(args, input=data, capture_output=True, check=True).stdout
    return normalise(out.decode("utf-8"))
