"""Thai words in Chromium's PDFs read back whole, where a mark sits left of its consonant's end.

Chromium (Skia) writes each Thai cluster with marks (``ฝ่``, ``ปั่``) in an ``ActualText`` span
that holds its characters, and places its glyphs by explicit ``Td`` moves. pdftotext (poppler)
takes a span to end where its last glyph ends; the last glyph is a mark, which has no width and,
over a tall consonant (ป ฝ ฟ), is drawn well left of the consonant's end. The gap from there to
the next glyph reads as a space: ``ฝ่ าย``, ``ป่ า`` (Laksaman), ``ปั่ น``, ``ฟื้ น`` (Sarabun).

``close_mark_gaps`` ends such a span with the cluster's widest glyph drawn once more, in the
invisible text mode (``3 Tr``), where it already is: nothing is painted, the span's text is
still its ActualText, and the span now ends where the cluster does. The moves that follow are
corrected by as much, so that every glyph stays where Chromium put it. A content stream that
places text in a way not followed here (``TJ``, ``'``, ``"``, ``T*``, ``TD``, character or word
spacing, horizontal scaling, a string not in hexadecimal) is left as printed.
tests/test_reports_service.py compares the rendering before and after.
"""

import io
import logging
import re

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject

log = logging.getLogger(__name__)

GAP_EM = 0.01  # a span ending closer than this to its cluster's end is left as it is

_TOKEN = re.compile(
    rb"<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)|/[^\s/<>\[\]()]+|[-+]?(?:\d+\.?\d*|\.\d+)"
    rb"|[A-Za-z'\"*]+|<<|>>|\[|\]")
_BY_WIDTHS = {b"TJ", b"'", b'"', b"T*", b"TD", b"Tc", b"Tw", b"Tz"}


class Unexpected(Exception):
    """The content stream places text in a way this module does not follow."""


def close_mark_gaps(data):
    """``data`` (a PDF printed by Chromium) with its Thai clusters' spans ending where the
    clusters do; the same bytes when nothing needs it or the PDF is not as expected."""
    try:
        reader = PdfReader(io.BytesIO(data))
        metrics, rewritten = {}, []
        for page in reader.pages:
            resources = page.get("/Resources") or {}
            names = _fonts_of(resources, metrics)
            contents = page.get_contents()
            content = contents.get_data() if contents is not None else b""
            new = _walk(content, names, metrics)
            rewritten.append(new if new != content else None)
        if not any(rewritten):
            return data
        writer = PdfWriter(clone_from=reader)
        for page, new in zip(writer.pages, rewritten):
            if new is not None:
                stream = DecodedStreamObject()
                stream.set_data(new)
                page.replace_contents(stream.flate_encode())
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except Unexpected as e:
        log.info("left a PDF's Thai spans as printed: %s", e)
        return data
    except Exception as e:  # noqa: BLE001 - a PDF we cannot read this way is served as printed
        log.warning("could not close the Thai marks' gaps of a PDF: %s", e)
        return data


def _fonts_of(resources, metrics):
    """{resource name: font object number} of the Type0 (CID) fonts in ``resources``, their
    widths into ``metrics`` ({number: ({cid: width}, default width)})."""
    names = {}
    for name, ref in (resources.get("/Font") or {}).items():
        font = ref.get_object()
        if font.get("/Subtype") == "/Type0" and hasattr(ref, "idnum"):
            names[name.lstrip("/")] = ref.idnum
            if ref.idnum not in metrics:
                cid_font = font["/DescendantFonts"][0].get_object()
                metrics[ref.idnum] = (_widths(cid_font.get("/W")),
                                      float(cid_font.get("/DW", 1000)))
    return names


class _Line:
    """Where text is along the current line, as printed (``o``) and as rewritten (``n``): the
    line matrix's x (``tlm``) and the current point (``pt``), in text space units."""

    def __init__(self):
        self.tlm_o = self.tlm_n = self.pt_o = self.pt_n = 0.0


def _walk(content, names, metrics):
    """``content`` with every ActualText span whose last glyph ends short of its cluster's end
    closed by an invisible copy of the cluster's widest glyph (the same bytes when none is)."""
    out, last, operands, stack = [], 0, [], []
    font, size, mode = None, 0.0, b"0"
    line, span = _Line(), None  # span: [(x, end, cid)] of the open ActualText span's glyphs
    for m in _TOKEN.finditer(content):
        token = m.group(0)
        if not (token[:1].isalpha() or token[:1] in (b"'", b'"')):
            operands.append(m)
            continue
        op = token
        if op in _BY_WIDTHS and not _neutral(op, operands):
            raise Unexpected(op.decode("latin-1"))
        if op == b"q":
            stack.append((font, size, mode))
        elif op == b"Q":
            font, size, mode = stack.pop() if stack else (None, 0.0, b"0")
        elif op == b"Tf" and len(operands) >= 2:
            font = names.get(operands[-2].group(0).lstrip(b"/").decode("latin-1"))
            size = abs(float(operands[-1].group(0)))
        elif op == b"Tr" and operands:
            mode = operands[-1].group(0)
        elif op in (b"BT", b"Tm"):
            line = _Line()
            if span:  # glyphs placed on another line matrix: not comparable with the rest
                span = None
        elif op == b"BDC":
            span = [] if any(o.group(0) == b"/ActualText" for o in operands) else span
        elif op == b"EMC" and span:
            widest = max(span, key=lambda g: g[1])
            if widest[1] - span[-1][1] > GAP_EM * size and font is not None:
                x, end, cid = widest
                insert = b"%s 0 Td 3 Tr <%04X> Tj %s Tr\n" % (_number(x - line.tlm_n), cid, mode)
                out += [content[last:m.start()], insert]
                last = m.start()
                line.tlm_n, line.pt_n = x, end
            span = None
        elif op == b"EMC":
            span = None
        elif op == b"Td" and len(operands) >= 2:
            target = line.tlm_o + float(operands[-2].group(0))
            if abs(line.tlm_n - line.tlm_o) > 1e-9:
                out += [content[last:operands[-2].start()], _number(target - line.tlm_n)]
                last = operands[-2].end()
            line.tlm_o = line.tlm_n = line.pt_o = line.pt_n = target
        elif op == b"Tj" and operands:
            string = operands[-1].group(0)
            if string[:1] != b"<" or font is None:
                if abs(line.pt_n - line.pt_o) > 1e-9:
                    raise Unexpected("a string not in hexadecimal after a closed span")
                span = None
                operands = []
                continue
            if abs(line.pt_n - line.pt_o) > 1e-9:  # drawn at the current point: put it back
                out += [content[last:operands[-1].start()],
                        b"%s 0 Td " % _number(line.pt_o - line.tlm_n)]
                last = operands[-1].start()
                line.tlm_n = line.pt_n = line.pt_o
            hexes = re.sub(rb"\s", b"", string[1:-1])
            widths, default = metrics[font]
            for i in range(0, len(hexes) - 3, 4):
                cid = int(hexes[i:i + 4], 16)
                step = widths.get(cid, default) * size / 1000
                if span is not None:
                    span.append((line.pt_o, line.pt_o + step, cid))
                line.pt_o += step
            line.pt_n = line.pt_o
        operands = []
    if not out:
        return content
    out.append(content[last:])
    return b"".join(out)


def _neutral(op, operands):
    """Character or word spacing of 0, or horizontal scaling of 100: as if not set."""
    if op in (b"Tc", b"Tw", b"Tz") and operands:
        return float(operands[-1].group(0)) == (100.0 if op == b"Tz" else 0.0)
    return False


def _number(value):
    return (b"%.5f" % value).rstrip(b"0").rstrip(b".") or b"0"


def _widths(w):
    """{cid: width} of a CID font's /W array (both of its forms)."""
    items = [x.get_object() for x in (w.get_object() if w is not None else [])]
    known, i = {}, 0
    while i < len(items):
        first = int(items[i])
        if i + 1 < len(items) and isinstance(items[i + 1], list):
            for k, value in enumerate(items[i + 1]):
                known[first + k] = float(value)
            i += 2
        elif i + 2 < len(items):
            for cid in range(first, int(items[i + 1]) + 1):
                known[cid] = float(items[i + 2])
            i += 3
        else:
            break
    return known
