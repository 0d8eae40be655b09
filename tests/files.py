"""Files the tests upload."""

import io
import random
import struct
import warnings
import zipfile

from pypdf import PdfWriter


def pdf_bytes(pages=1, size=(595, 842), marker=None):
    """A PDF of blank A4 pages; ``marker`` goes into its metadata (uncompressed), so that a
    test can look for the file's own bytes in a response."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    if marker is not None:
        writer.add_metadata({"/Title": marker})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---- packaged documents (docx, xlsx, odt): a clerk's, and an attacker's --------------------------

MB = 1024 * 1024
OOXML_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/></Types>')
MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "odt": "content.xml"}
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"


def package(kind="docx", extra=(), streamed=(), main=True, zip64=True):
    """A minimal docx, xlsx or odt: its required parts (the main one unless ``main`` is False),
    then ``extra`` (name, bytes) members and ``streamed`` (name, iterable of chunks) members, each
    written chunk by chunk (as ZIP64 unless told), never whole in memory. All deflated."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": a hostile package may want one
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            if kind == "odt":
                z.writestr(zipfile.ZipInfo("mimetype"), ODT_MIMETYPE)  # stored, first
                z.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
            else:
                z.writestr("[Content_Types].xml", OOXML_CONTENT_TYPES)
                z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
            if main:
                z.writestr(MAIN_PART[kind], '<?xml version="1.0"?><document>หนังสือ</document>')
            for name, data in extra:
                z.writestr(name, data)
            for name, chunks in streamed:
                with z.open(name, "w", force_zip64=zip64) as f:
                    for chunk in chunks:
                        f.write(chunk)
    return out.getvalue()


def zeros(size, chunk=MB):
    """``size`` zero bytes a chunk at a time: the most compressible content there is (1,030:1)."""
    while size > 0:
        yield bytes(min(chunk, size))
        size -= chunk


def photos_docx(count=6, size=3 * MB):
    """A clerk's 18 MB report: a Word file with ``count`` photographs of ``size`` bytes each
    (random, so that they do not compress, as JPEG does not)."""
    rng = random.Random(7)
    return package("docx", extra=[(f"word/media/image{i + 1}.jpeg",
                                   b"\xff\xd8\xff" + rng.randbytes(size)) for i in range(count)])


def sheet_rows(rows):
    """A worksheet's XML as Excel writes it, 5,000 rows at a time (it deflates 6 to 18 times)."""
    rng = random.Random(11)
    yield b'<?xml version="1.0"?><worksheet><sheetData>'
    for first in range(1, rows + 1, 5000):
        yield "".join(
            f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="B{i}" t="inlineStr"><is><t>'
            f"ที่ มท 0212.{i % 7}/ว {i} เรื่อง การประชุมประจำเดือน</t></is></c>"
            f'<c r="C{i}"><v>{rng.random()}</v></c></row>'
            for i in range(first, min(first + 5000, rows + 1))).encode()
    yield b"</sheetData></worksheet>"


def big_xlsx(rows=100_000):
    """A big workbook: one sheet of ``rows`` rows (100,000: 2 MB inflating to about 20 MB)."""
    return package("xlsx", streamed=[("xl/worksheets/sheet1.xml", sheet_rows(rows))])


def zip_bomb(size=200 * MB, kind="docx"):
    """The attacker's file: the main part inflates to ``size`` bytes of zeros (200 MiB from about
    200 KB), its sizes declared honestly in both headers."""
    return package(kind, main=False, streamed=[(MAIN_PART[kind], zeros(size))])


def central_entry(data, name):
    """Where ``name``'s entry starts in the central directory of ``data``."""
    raw = name.encode()
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(raw))
    assert at >= 0 and data[at + 46:at + 46 + len(raw)] == raw, name
    return at


def local_header(data, name):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.getinfo(name).header_offset


def patched(data, *changes):
    """``data`` with (offset, struct format, value) written over it."""
    out = bytearray(data)
    for offset, fmt, value in changes:
        struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def lying_local_header(kind="docx", size=200 * MB):
    """A real document whose main part's local header says it inflates to ``size`` while the
    central directory (which zipfile reads) and the data agree on its true size."""
    data = package(kind)
    return patched(data, (local_header(data, MAIN_PART[kind]) + 22, "<I", size))


def lying_bomb(kind="docx", size=64 * MB, declared=1000):
    """A bomb that hides: both its headers declare ``declared`` bytes, its data inflates to
    ``size``."""
    part = MAIN_PART[kind]
    data = package(kind, main=False, streamed=[(part, zeros(size))], zip64=False)
    return patched(data, (local_header(data, part) + 22, "<I", declared),
                   (central_entry(data, part) + 24, "<I", declared))


def extreme_ratio(kind="xlsx", size=4 * MB):
    """A small package with one part of ``size`` zeros: about 1,000 times, nothing big."""
    part = "xl/worksheets/sheet1.xml" if kind == "xlsx" else (
        "word/media/image1.emf" if kind == "docx" else "Pictures/big.svg")
    return package(kind, streamed=[(part, zeros(size))])


def many_members(count=10_001, kind="docx"):
    """A document with ``count`` tiny members beside its own parts."""
    return package(kind, extra=[(f"word/media/p{i}.xml", b"") for i in range(count)])


PACKAGES = {
    "bomb": zip_bomb,
    "lying_local_header": lying_local_header,
    "lying_bomb": lying_bomb,
    "extreme_ratio": extreme_ratio,
    "many_members": many_members,
    "photos_docx": photos_docx,
    "big_xlsx": big_xlsx,
}


class Packages:
    """The packages above by name, each built once into ``folder`` and read back from there."""

    def __init__(self, folder):
        self.folder = folder

    def __getitem__(self, name):
        path = self.folder / f"{name}.zip"
        if not path.exists():
            path.write_bytes(PACKAGES[name]())
        return path.read_bytes()
