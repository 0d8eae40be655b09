"""Attachments of register entries: type from content, limits, storage, encryption, watermark.

Most of it needs no database: ``Attachment`` rows are built unattached and the session is a list.
One test stores and reads back through the real (migrated) database of ``conftest``.
"""

import base64
import datetime as dt
import hashlib
import io
import os
import struct
import zipfile
import zlib

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream

from app.models import Attachment, RegisterEntry
from app.services import attachments as att
from app.services import filetypes
from app.services import watermark
from app.services.errors import ValidationFailed
from tests.files import pdf_bytes
from tests.pdftext import broken_thai, pages_of, require_pdf_tools

NOW = dt.datetime(2026, 11, 12, 3, 15)
MB = 1024 * 1024


# ---- sample files, made here -------------------------------------------------------------------


def png_bytes():
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_bytes():
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""


def docx_bytes(extra=()):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>หนังสือ</w:t></w:r></w:p>'
                   "</w:body></w:document>")
        for name, data in extra:
            z.writestr(name, data)
    return out.getvalue()


def xlsx_bytes():
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "ทะเบียนหนังสือรับ"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def odt_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


def ole2_bytes(stream_names):
    """A minimal OLE2 compound file (legacy Office): header, a FAT sector, a directory sector."""
    free, end, fatsect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = filetypes.OLE2_MAGIC + b"\x00" * 16 + struct.pack(
        "<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", 0, *([free] * 108))
    assert len(header) == 512
    fat = struct.pack("<128I", fatsect, end, *([free] * 126))

    def entry(name, kind):
        raw = (name + "\x00").encode("utf-16-le")
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", free, free, free)).ljust(128, b"\x00")

    directory = entry("Root Entry", 5) + b"".join(entry(n, 2) for n in stream_names)
    return header + fat + directory.ljust(512, b"\x00")


def up(name, data):
    return att.Upload(name, data)


def check_one(upload, max_bytes=20 * MB):
    return att.check([upload], max_bytes, 10)[0]


# ---- type from content ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, data, content_type, ext", [
    ("หนังสือ.pdf", pdf_bytes(), "application/pdf", "pdf"),
    ("scan.png", png_bytes(), "image/png", "png"),
    ("photo.jpeg", jpeg_bytes(), "image/jpeg", "jpg"),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif", "gif"),
    ("scan.tiff", b"II*\x00\x08\x00\x00\x00" + b"\x00" * 16, "image/tiff", "tif"),
    ("scan2.tif", b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 16, "image/tiff", "tif"),
    ("pic.webp", b"RIFF\x1a\x00\x00\x00WEBPVP8 " + b"\x00" * 16, "image/webp", "webp"),
    ("บันทึก.docx", docx_bytes(),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    ("old.doc", ole2_bytes(["WordDocument", "1Table"]), "application/msword", "doc"),
    ("old.xls", ole2_bytes(["Workbook"]), "application/vnd.ms-excel", "xls"),
    ("text.odt", odt_bytes(), "application/vnd.oasis.opendocument.text", "odt"),
])
def test_type_is_decided_by_content(name, data, content_type, ext):
    checked = check_one(up(name, data))
    assert (checked.content_type, checked.extension) == (content_type, ext)
    assert checked.upload.data == data


def test_xlsx_from_openpyxl_is_excel():
    checked = check_one(up("สรุป.xlsx", xlsx_bytes()))
    assert checked.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert checked.extension == "xlsx"


def test_the_name_does_not_decide_the_type():
    # A PDF named .docx is a PDF; a PNG without an extension is a PNG.
    assert check_one(up("letter.docx", pdf_bytes())).extension == "pdf"
    assert check_one(up("scan", png_bytes())).content_type == "image/png"


@pytest.mark.parametrize("name, data", [
    ("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64),  # an .exe
    ("letter.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("notes.pdf", "สวัสดี ข้อความธรรมดา".encode()),
    ("bundle.docx", None),  # a plain zip, set below
    ("other.doc", ole2_bytes(["SomethingElse"])),  # OLE2, neither Word nor Excel
    ("broken.doc", filetypes.OLE2_MAGIC + b"\x00" * 100),
    ("broken.docx", b"PK\x03\x04" + b"\x00" * 100),
    ("elf.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 40),
])
def test_other_types_are_refused(name, data):
    if data is None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("readme.txt", "hello")
            z.writestr("run.exe", b"MZ")
        data = out.getvalue()
    with pytest.raises(ValidationFailed) as e:
        check_one(up(name, data))
    assert str(e.value) == f'ไฟล์ "{name}" ไม่ใช่ชนิดที่รับได้ (PDF รูปภาพ Word Excel)'


def test_macro_documents_are_refused_with_their_own_message():
    docm = docx_bytes(extra=[("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")])
    with pytest.raises(ValidationFailed) as e:
        check_one(up("แบบฟอร์ม.docm", docm))
    assert '"แบบฟอร์ม.docm"' in str(e.value) and "มาโคร" in str(e.value)


def test_password_protected_office_file_is_refused():
    with pytest.raises(ValidationFailed) as e:
        check_one(up("ลับ.docx", ole2_bytes(["EncryptionInfo", "EncryptedPackage"])))
    assert '"ลับ.docx"' in str(e.value) and "รหัสผ่าน" in str(e.value)


# ---- packaged documents: zip bombs ---------------------------------------------------------------

ZIP_TAIL = "ระบบจึงไม่รับไฟล์นี้ เพราะอาจเป็นไฟล์อันตราย (zip bomb"


def refusal(name, data):
    """The Thai message ``check`` refuses ``data`` with, named ``name``."""
    with pytest.raises(ValidationFailed) as e:
        check_one(up(name, data))
    message = str(e.value)
    assert message.startswith(f'ไฟล์ "{name}" ') and ZIP_TAIL in message, message
    assert e.value.status == 422
    return message


class Inflation:
    """Counts what the check asks of zlib: decompressors made, the largest piece taken out at
    once, and everything taken out."""

    def __init__(self, monkeypatch):
        self.made, self.largest, self.total = 0, 0, 0
        real = zlib.decompressobj

        def counting(*args):
            self.made += 1
            inner = real(*args)
            counter = self

            class Counted:
                def decompress(self, data, max_length=0):
                    out = inner.decompress(data, max_length)
                    counter.largest = max(counter.largest, len(out))
                    counter.total += len(out)
                    return out

                def __getattr__(self, name):
                    return getattr(inner, name)

            return Counted()

        monkeypatch.setattr(filetypes.zlib, "decompressobj", counting)


def test_a_zip_bomb_is_refused_on_its_declared_size_without_inflating_a_byte(
        packages, monkeypatch):
    bomb = packages["bomb"]
    assert len(bomb) < 300 * 1024
    with zipfile.ZipFile(io.BytesIO(bomb)) as z:
        assert z.getinfo("word/document.xml").file_size == 200 * MB
    inflation = Inflation(monkeypatch)
    message = refusal("บันทึกข้อความ.docx", bomb)
    assert "ถูกบีบอัดไว้มากผิดปกติ" in message and "(รับได้ไม่เกิน 200 เท่า)" in message
    assert inflation.made == 0


def test_a_bomb_that_hides_its_size_is_stopped_at_its_first_chunk(packages, monkeypatch):
    """Both headers say 1,000 bytes; the data inflates to 64 MiB. Streamed, counted, stopped."""
    import tracemalloc

    hidden = packages["lying_bomb"]
    inflation = Inflation(monkeypatch)
    tracemalloc.start()
    try:
        message = refusal("รายงาน.docx", hidden)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "ระบุขนาดของข้อมูลภายในไว้ไม่ตรงกับข้อมูลจริง" in message
    # One chunk of the 64 MiB (and the few bytes of the small parts before it), never more.
    assert inflation.largest <= filetypes.ZIP_CHUNK and inflation.total < filetypes.ZIP_CHUNK + 4096
    assert peak < 2 * MB


def test_a_local_header_that_lies_about_its_size_is_refused(packages):
    liar = packages["lying_local_header"]
    # zipfile reads the central directory only: to it, the file is sound.
    with zipfile.ZipFile(io.BytesIO(liar)) as z:
        assert z.read("word/document.xml").startswith(b"<?xml")
    message = refusal("คำสั่ง.docx", liar)
    assert "ระบุขนาดของข้อมูลภายในไว้ไม่ตรงกับข้อมูลจริง" in message


@pytest.mark.parametrize("kind", ["docx", "xlsx", "odt"])
def test_an_extreme_ratio_is_refused_whatever_the_kind(kind):
    from tests.files import extreme_ratio

    data = extreme_ratio(kind)  # 4 MiB of zeros in about 4 KB
    assert len(data) < 10 * 1024
    message = refusal(f"ตาราง.{kind}", data)
    assert "ถูกบีบอัดไว้มากผิดปกติ" in message and "1,0" in message  # about 1,000 times


def test_too_many_members_are_refused_before_zipfile_reads_them(packages, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("zipfile parsed a package with too many members")

    data = packages["many_members"]
    monkeypatch.setattr(filetypes.zipfile, "ZipFile", never)
    message = refusal("สไลด์.docx", data)
    assert "มีส่วนประกอบภายในมากกว่า 10,000 ส่วน" in message


def test_members_up_to_the_limit_pass():
    from tests.files import many_members

    data = many_members(filetypes.ZIP_MAX_MEMBERS - 3)  # with its own three parts: exactly the limit
    assert check_one(up("ครบ.docx", data)).extension == "docx"


def test_the_whole_package_inflated_has_a_ceiling(packages, monkeypatch):
    monkeypatch.setattr(filetypes, "ZIP_MAX_INFLATED", 8 * MB)
    message = refusal("ทะเบียน.xlsx", packages["big_xlsx"])  # about 20 MB of sheet XML
    assert "เมื่อคลายการบีบอัดแล้วจะมีขนาดเกิน 8 MB" in message


def test_small_members_that_add_up_to_a_bomb_are_refused_by_the_overall_ratio():
    from tests.files import package, zeros

    # Each member is under the member grace (1 MiB): only the whole package's ratio sees them.
    data = package("docx", streamed=[(f"word/media/image{i}.emf", zeros(900 * 1024))
                                     for i in range(16)])
    message = refusal("ภาพ.docx", data)
    assert "(รับได้ไม่เกิน 100 เท่า)" in message


def _hostile(change):
    """A docx with one extra member, changed by ``change(data)``."""
    from tests.files import package

    return change(package("docx", extra=[("word/styles.xml", b"<styles/>" * 50)]))


def _set_central(name, offset, fmt, value):
    from tests.files import central_entry, patched

    return lambda data: patched(data, (central_entry(data, name) + offset, fmt, value))


def _set_both(name, local_offset, central_offset, fmt, value):
    from tests.files import central_entry, local_header, patched

    return lambda data: patched(data, (local_header(data, name) + local_offset, fmt, value),
                                (central_entry(data, name) + central_offset, fmt, value))


def _same_bytes_twice(data):
    """Fifield's overlapping bomb: a second member pointing at the first one's bytes."""
    from tests.files import central_entry, local_header, patched

    return patched(data, (central_entry(data, "word/styles.xml") + 42, "<I",
                          local_header(data, "word/document.xml")))


def _extra_members(*members):
    from tests.files import package

    return lambda _data: package("docx", extra=members)


def _bzip2(_data):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("word/document.xml", "<w:document/>", zipfile.ZIP_BZIP2)
    return out.getvalue()


WHY_SIZE = "ระบุขนาดของข้อมูลภายในไว้ไม่ตรงกับข้อมูลจริง"
WHY_NAMES = "มีชื่อส่วนประกอบภายในซ้ำกัน ซ้อนกัน หรือชี้ออกนอกไฟล์"
WHY_DAMAGED = "มีโครงสร้างภายในเสียหายหรือไม่ถูกต้อง"


@pytest.mark.parametrize("change, why", [
    # Absurd header values.
    (_set_central("word/styles.xml", 24, "<I", 0xFFFFFFF0), "จะมีขนาดเกิน 1024 MB"),
    (_set_both("word/styles.xml", 22, 24, "<I", 4096), WHY_SIZE),  # both lie alike
    (_set_central("word/styles.xml", 20, "<I", 0xFFFFFFF0), WHY_DAMAGED),  # compressed size
    (_set_central("word/styles.xml", 42, "<I", 0x7FFFFFF0), WHY_DAMAGED),  # header offset
    (_set_both("word/styles.xml", 14, 16, "<I", 0x12345678), WHY_DAMAGED),  # CRC
    (_set_central("word/styles.xml", 8, "<H", 0x1), WHY_DAMAGED),  # "encrypted"
    (_bzip2, WHY_DAMAGED),  # a method neither OOXML nor ODF uses
    (_same_bytes_twice, WHY_DAMAGED),
    # Names: duplicate, duplicate but for case, a file that is also a folder, out of the package.
    (_extra_members(("word/document.xml", b"<other/>")), WHY_NAMES),
    (_extra_members(("Word/Document.XML", b"<other/>")), WHY_NAMES),
    (_extra_members(("word/media", b"x"), ("word/media/image1.png", b"x")), WHY_NAMES),
    (_extra_members(("../../evil.xml", b"x")), WHY_NAMES),
    (_extra_members(("/etc/evil.xml", b"x")), WHY_NAMES),
    (_extra_members(("C:/evil.xml", b"x")), WHY_NAMES),
], ids=["declared-4GiB", "both-headers-lie", "compressed-size", "header-offset", "crc",
        "encrypted", "bzip2", "overlapping", "duplicate", "duplicate-case", "file-and-folder",
        "climbs-out", "absolute", "drive"])
def test_packages_built_to_mislead_are_refused(change, why):
    message = refusal("หนังสือ.docx", _hostile(change))
    assert why in message


def test_a_clerks_real_documents_pass(packages):
    photos = packages["photos_docx"]  # 18 MB of photographs: inflates about 1:1
    assert 17 * MB < len(photos) < 20 * MB
    assert check_one(up("รายงานพร้อมภาพ.docx", photos)).extension == "docx"
    sheet = packages["big_xlsx"]  # 100,000 rows: about 2 MB inflating to about 20 MB
    with zipfile.ZipFile(io.BytesIO(sheet)) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 15 * MB
    assert check_one(up("ทะเบียนทั้งปี.xlsx", sheet)).extension == "xlsx"
    from tests.files import package, zeros

    # A small part however compressible (under the 1 MiB grace), and data descriptors (the
    # sizes after the data, as Java and LibreOffice write them).
    styled = package("docx", streamed=[("word/media/image1.emf", zeros(900 * 1024))])
    assert check_one(up("ภาพ.docx", styled)).extension == "docx"
    assert check_one(up("ข้อความ.odt", package("odt"))).extension == "odt"


class Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes data descriptors."""

    def __init__(self):
        self.out = io.BytesIO()

    def writable(self):
        return True

    def write(self, b):
        return self.out.write(b)


def test_data_descriptors_as_streaming_writers_make_them_pass():
    stream = Unseekable()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        with z.open("word/document.xml", "w") as f:
            f.write(b"<w:document>" + "หนังสือ".encode() * 1000 + b"</w:document>")
    data = stream.out.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.getinfo("word/document.xml").flag_bits & 0x8
    assert check_one(up("สตรีม.docx", data)).extension == "docx"


def handmade_zip(members):
    """A zip written byte by byte: ``members`` are (name, method, stored bytes, size, crc)."""
    body, directory = b"", b""
    for name, method, stored, size, crc in members:
        raw = name.encode()
        fields = struct.pack("<HHHHHIIIH", 20, 0, method, 0, 0x21, crc, len(stored), size,
                             len(raw))
        directory += (b"PK\x01\x02" + struct.pack("<H", 20) + fields
                      + struct.pack("<HHHHII", 0, 0, 0, 0, 0, len(body)) + raw)
        body += b"PK\x03\x04" + fields + struct.pack("<H", 0) + raw + stored
    return body + directory + b"PK\x05\x06" + struct.pack(
        "<HHHHIIH", 0, 0, len(members), len(members), len(directory), len(body), 0)


def test_an_empty_member_deflated_to_nothing_passes():
    """Some writers mark an empty part deflated and store no byte of it at all."""
    def deflated(text):
        raw = text.encode()
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        return (raw, packer.compress(raw) + packer.flush())

    members = [(name, 8, stored, len(raw), zlib.crc32(raw)) for name, (raw, stored) in (
        ("[Content_Types].xml", deflated(CONTENT_TYPES)),
        ("word/document.xml", deflated("<w:document/>")))]
    data = handmade_zip(members + [("customXml/item1.xml", 8, b"", 0, 0)])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.read("customXml/item1.xml") == b""  # zipfile reads it so too
    assert check_one(up("ว่างบางส่วน.docx", data)).extension == "docx"
    # The same member claiming a byte it does not hold is refused.
    bad = handmade_zip(members + [("customXml/item1.xml", 8, b"", 1, 0)])
    assert "ระบุขนาดของข้อมูลภายในไว้ไม่ตรงกับข้อมูลจริง" in refusal("ว่าง.docx", bad)


def test_empty_file_is_refused():
    with pytest.raises(ValidationFailed) as e:
        att.check([up("ว่าง.pdf", b"")], 20 * MB, 10)
    assert str(e.value).startswith('ไฟล์ "ว่าง.pdf" ว่างเปล่า')


def test_oversize_file_is_refused_with_sizes_in_mb():
    data = b"%PDF-1.7\n" + b"0" * (2 * MB)
    with pytest.raises(ValidationFailed) as e:
        att.check([up("ใหญ่.pdf", data)], 1 * MB, 10)
    message = str(e.value)
    assert '"ใหญ่.pdf"' in message and "2 MB" in message and "(1 MB)" in message


def test_too_many_files_are_refused_before_anything_else():
    uploads = [up(f"{i}.pdf", pdf_bytes()) for i in range(3)]
    with pytest.raises(ValidationFailed) as e:
        att.check(uploads, 20 * MB, 2)
    assert "3 ไฟล์" in str(e.value) and "ไม่เกิน 2 ไฟล์" in str(e.value)
    with pytest.raises(ValidationFailed) as e:
        att.check(uploads[:1], 20 * MB, 0)
    assert "ครบจำนวน" in str(e.value)
    assert len(att.check(uploads[:2], 20 * MB, 2)) == 2


def test_a_bad_file_anywhere_refuses_the_whole_batch():
    with pytest.raises(ValidationFailed) as e:
        att.check([up("a.pdf", pdf_bytes()), up("b.pdf", b"MZ...")], 20 * MB, 10)
    assert '"b.pdf"' in str(e.value)


@pytest.mark.parametrize("given, shown", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\สมชาย\\Desktop\\หนังสือราชการ.pdf", "หนังสือราชการ.pdf"),
    ("รายงาน\u202egpj.exe", "รายงานgpj.exe"),  # right-to-left override dropped
    ("bad\x00na\x1bme\r\n.pdf", "badname.pdf"),
    ("คำสั่งจังหวัด ที่ 1/2569 .pdf", "2569 .pdf"),  # a slash is a folder separator
    ("ผู้ว่าราชการจังหวัด.pdf", "ผู้ว่าราชการจังหวัด.pdf"),  # Thai marks kept
    ("", "ไฟล์แนบ"),
    ("...", "ไฟล์แนบ"),
])
def test_display_name(given, shown):
    assert att.display_name(given) == shown


def test_display_name_is_limited_to_the_column_keeping_the_extension():
    name = att.display_name("ก" * 400 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")
    assert att.display_name("", "pdf") == "ไฟล์แนบ.pdf"


# ---- master key --------------------------------------------------------------------------------


def new_key_text():
    return base64.b64encode(os.urandom(32)).decode()


def test_master_key_bytes():
    text = new_key_text()
    assert att.master_key_bytes(text) == base64.b64decode(text)
    assert att.master_key_bytes(" " + text + "\n") == base64.b64decode(text)
    raw = os.urandom(32)
    assert att.master_key_bytes(raw) == raw
    for missing in (None, "", "   "):
        with pytest.raises(ValidationFailed) as e:
            att.master_key_bytes(missing)
        assert "ยังไม่ได้ตั้งค่ากุญแจหลัก (EOFFICE_MASTER_KEY)" in str(e.value)
    for wrong in (base64.b64encode(os.urandom(16)).decode(), "not base64 at all!!", "QUJD"):
        with pytest.raises(ValidationFailed) as e:
            att.master_key_bytes(wrong)
        assert "ไม่ถูกต้อง" in str(e.value) and "32" in str(e.value)


# ---- store, read, discard ----------------------------------------------------------------------


class FakeSession(list):
    def add(self, obj):
        self.append(obj)


def stored(tmp_path, uploads, **kwargs):
    session, entry = FakeSession(), RegisterEntry(secrecy="normal")
    checked = att.check(uploads, 20 * MB, 10)
    paths = att.store(session, entry, checked, 7, NOW, str(tmp_path), **kwargs)
    return session, entry, paths


def test_store_writes_files_under_generated_names_and_adds_rows(tmp_path):
    pdf, png = pdf_bytes(), png_bytes()
    session, entry, paths = stored(
        tmp_path, [up("../../หนังสือ\x07ลับ.pdf", pdf), up("scan.PNG", png)])
    assert len(paths) == 2 and len(session) == 2
    assert entry.attachments == list(session)
    first, second = session
    assert isinstance(first, Attachment)
    assert first.filename == "หนังสือลับ.pdf" and second.filename == "scan.PNG"
    assert first.content_type == "application/pdf" and second.content_type == "image/png"
    assert first.size == len(pdf)
    assert first.sha256 == hashlib.sha256(pdf).hexdigest()
    assert first.uploaded_by_id == 7 and first.uploaded_at == NOW
    assert first.wrapped_key is None and not first.encrypted
    assert first.storage_name.startswith("2026/11/") and first.storage_name.endswith(".pdf")
    assert first.storage_name != second.storage_name
    assert "หนังสือ" not in first.storage_name
    for a, path in zip(session, paths):
        assert os.path.isabs(path)
        assert path == os.path.realpath(tmp_path / a.storage_name)
    with open(paths[0], "rb") as f:
        assert f.read() == pdf
    # No temporary file left beside them.
    assert sorted(os.listdir(tmp_path / "2026" / "11")) == sorted(
        os.path.basename(p) for p in paths)
    assert att.read(first, str(tmp_path)) == pdf
    assert att.read(second, str(tmp_path)) == png


def test_encryption_round_trip_and_nothing_plain_on_disk(tmp_path):
    key_text = new_key_text()
    secret = b"%PDF-1.4\n" + "ลับมาก: แผนการตรวจราชการจังหวัดพังงา".encode() * 50
    session, _, paths = stored(
        tmp_path, [up("ลับ.pdf", secret)],
        master_key=att.master_key_bytes(key_text), encrypt=True)
    (a,) = session
    assert a.encrypted and len(a.wrapped_key) == 40  # a 32-byte key wrapped (RFC 3394)
    assert a.size == len(secret)
    with open(paths[0], "rb") as f:
        on_disk = f.read()
    assert len(on_disk) == len(secret) + att.NONCE_BYTES + att.TAG_BYTES
    assert "ลับมาก".encode() not in on_disk and b"%PDF" not in on_disk
    # The master key itself is nowhere: neither on disk nor in the row.
    master = att.master_key_bytes(key_text)
    assert master not in on_disk and master not in a.wrapped_key
    assert att.read(a, str(tmp_path), master_key=key_text) == secret
    assert att.read(a, str(tmp_path), master_key=master) == secret
    # Two files never share a key or a nonce.
    session2, _, paths2 = stored(tmp_path, [up("ลับ.pdf", secret)], master_key=master, encrypt=True)
    with open(paths2[0], "rb") as f:
        assert f.read()[:12] != on_disk[:12]
    assert session2[0].wrapped_key != a.wrapped_key


def test_encrypting_without_a_master_key_writes_nothing(tmp_path):
    with pytest.raises(ValidationFailed) as e:
        stored(tmp_path, [up("ลับ.pdf", pdf_bytes())], master_key=None, encrypt=True)
    assert "ยังไม่ได้ตั้งค่ากุญแจหลัก" in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_wrong_or_missing_master_key_fails_cleanly(tmp_path):
    session, _, _ = stored(tmp_path, [up("ลับ.pdf", pdf_bytes())],
                           master_key=new_key_text(), encrypt=True)
    (a,) = session
    with pytest.raises(att.AttachmentUnavailable) as e:
        att.read(a, str(tmp_path), master_key=new_key_text())
    assert isinstance(e.value, ValidationFailed) and e.value.status == 500
    assert '"ลับ.pdf"' in str(e.value) and "กุญแจหลักไม่ตรง" in str(e.value)
    with pytest.raises(ValidationFailed) as e:
        att.read(a, str(tmp_path))
    assert "ยังไม่ได้ตั้งค่ากุญแจหลัก" in str(e.value)


@pytest.mark.parametrize("encrypt", [False, True])
def test_a_tampered_file_fails_the_integrity_check(tmp_path, encrypt):
    key = new_key_text()
    session, _, paths = stored(tmp_path, [up("หนังสือ.pdf", pdf_bytes())],
                               master_key=key, encrypt=encrypt)
    (a,) = session
    with open(paths[0], "r+b") as f:
        f.seek(40)
        byte = f.read(1)
        f.seek(40)
        f.write(bytes([byte[0] ^ 0x01]))
    with pytest.raises(att.AttachmentUnavailable) as e:
        att.read(a, str(tmp_path), master_key=key)
    assert '"หนังสือ.pdf"' in str(e.value) and "ไม่ตรงกับที่บันทึกไว้" in str(e.value)


def test_a_truncated_encrypted_file_fails_the_integrity_check(tmp_path):
    key = new_key_text()
    session, _, paths = stored(tmp_path, [up("a.pdf", pdf_bytes())], master_key=key, encrypt=True)
    with open(paths[0], "wb") as f:
        f.write(b"short")
    with pytest.raises(att.AttachmentUnavailable):
        att.read(session[0], str(tmp_path), master_key=key)


def test_a_missing_file_is_a_thai_error(tmp_path):
    session, _, paths = stored(tmp_path, [up("หาย.pdf", pdf_bytes())])
    att.discard(paths)
    with pytest.raises(att.AttachmentUnavailable) as e:
        att.read(session[0], str(tmp_path))
    assert str(e.value).startswith('ไม่พบไฟล์ "หาย.pdf"')


@pytest.mark.parametrize("storage_name", [
    "../outside.pdf", "2026/../../outside.pdf", "/etc/passwd", "", "..", ".", "2026\\x.pdf",
])
def test_storage_names_must_stay_inside_the_directory(tmp_path, storage_name):
    (tmp_path / "outside.pdf").write_bytes(pdf_bytes())
    inside = tmp_path / "files"
    inside.mkdir()
    a = Attachment(filename="x.pdf", content_type="application/pdf", size=1, sha256="0" * 64,
                   storage_name=storage_name)
    with pytest.raises(att.AttachmentUnavailable):
        att.read(a, str(inside))


def test_a_symlink_out_of_the_directory_is_refused(tmp_path):
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-1.4")
    inside = tmp_path / "files"
    inside.mkdir()
    os.symlink(tmp_path / "outside.pdf", inside / "link.pdf")
    with pytest.raises(att.AttachmentUnavailable):
        att.resolve(str(inside), "link.pdf")


def test_discard_removes_files_and_ignores_missing_ones(tmp_path):
    _, _, paths = stored(tmp_path, [up("a.pdf", pdf_bytes()), up("b.png", png_bytes())])
    att.discard(paths + [str(tmp_path / "never-written.pdf")])
    assert not any(os.path.exists(p) for p in paths)
    att.discard(paths)  # again: nothing to do, no error
    att.discard([])


def test_a_failure_part_way_removes_what_store_had_written(tmp_path, monkeypatch):
    real_write = att._write_atomic
    calls = []

    def failing_write(path, blob):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real_write(path, blob)

    monkeypatch.setattr(att, "_write_atomic", failing_write)
    with pytest.raises(OSError):
        stored(tmp_path, [up("a.pdf", pdf_bytes()), up("b.pdf", pdf_bytes())])
    assert not os.path.exists(calls[0])
    assert os.listdir(tmp_path / "2026" / "11") == []


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(att.os, "replace", broken_replace)
    with pytest.raises(OSError):
        stored(tmp_path, [up("a.pdf", pdf_bytes())])
    assert os.listdir(tmp_path / "2026" / "11") == []


def test_store_and_read_through_the_database(app, tmp_path):
    """The rows ``store`` adds satisfy the real schema (and its audit) and read back."""
    from app.extensions import db
    from app.models import Agency, EOfficeUser
    from app.models.correspondence import NumberSeries

    key = new_key_text()
    pdf, docx = pdf_bytes(2), docx_bytes()
    with app.app_context():
        s = db.session
        user = s.query(EOfficeUser).order_by(EOfficeUser.id).first()
        agency = s.query(Agency).order_by(Agency.id).first()
        series = NumberSeries(key="test-attachments:secret", kind="agency_in",
                              agency_id=agency.id, secret=True)
        s.add(series)
        s.flush()
        entry = RegisterEntry(register="agency_in", series_id=series.id, year=2569, number=1,
                              agency_id=agency.id, secrecy="secret", subject="ทดสอบ",
                              registered_by_id=user.id, registered_at=NOW)
        s.add(entry)
        s.flush()
        checked = att.check([up("ลับ.pdf", pdf), up("บันทึก.docx", docx)], 20 * MB, 10)
        paths = att.store(s, entry, checked, user.id, NOW, str(tmp_path),
                          master_key=att.master_key_bytes(key), encrypt=True)
        s.commit()
        entry_id = entry.id
        db.session.remove()
    with app.app_context():
        entry = db.session.get(RegisterEntry, entry_id)
        files = entry.attachments
        assert [a.filename for a in files] == ["ลับ.pdf", "บันทึก.docx"]
        assert all(a.encrypted for a in files)
        assert att.read(files[0], str(tmp_path), master_key=key) == pdf
        assert att.read(files[1], str(tmp_path), master_key=key) == docx
        db.session.remove()
    att.discard(paths)


# ---- watermark ---------------------------------------------------------------------------------

VIEWER = "นายสมชาย ใจดี"
LINES = [f"{VIEWER} (clerk.dopa)", "12 พฤศจิกายน 2569 เวลา 10:15 น.", "IP 203.0.113.7"]
# The straight line along the foot of every page, as pdftotext must read it back: exactly.
FOOT = " · ".join(LINES)


@pytest.fixture
def needs_tools():
    require_pdf_tools()


def test_stamp_html_escapes_the_text():
    html = watermark.stamp_html(595, 842, ['<script>alert("x")</script> & นาย'])
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; นาย" in html


def test_stamp_pdf_marks_every_page(needs_tools, monkeypatch):
    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.add_blank_page(842, 595)  # landscape
    w.add_blank_page(595, 842)
    w.pages[2].rotate(90)
    src = io.BytesIO()
    w.write(src)

    calls = []
    real = watermark.pdf.html_to_pdf

    def counting(html, **kwargs):
        calls.append(kwargs)
        return real(html, **kwargs)

    monkeypatch.setattr(watermark.pdf, "html_to_pdf", counting)
    out = watermark.stamp_pdf(src.getvalue(), LINES)
    reader = PdfReader(io.BytesIO(out))
    assert len(reader.pages) == 3
    # One stamp printed per page shape: portrait, and landscape (the rotated page is one too),
    # on no background.
    assert len(calls) == 2 and all(c["background"] is False for c in calls)
    texts = pages_of(out)
    assert len(texts) == 3
    for text in texts:
        assert FOOT in text.splitlines() and not broken_thai(text)
    # The page boxes are unchanged.
    assert [(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
            for p in reader.pages[:2]] == [(595, 842), (842, 595)]


def test_stamp_keeps_the_content_visible(needs_tools):
    html = ('<html><head><meta charset="utf-8"></head><body style="font-family:Laksaman">'
            + "".join(f'<p style="page-break-after:always">PAGE-{i} ทดสอบ</p>' for i in range(3))
            + "</body></html>")
    src = watermark.pdf.html_to_pdf(html)
    out = watermark.stamp_pdf(src, LINES)
    texts = pages_of(out)
    assert len(texts) == len(PdfReader(io.BytesIO(src)).pages)
    for i, text in enumerate(texts[:3]):
        assert f"PAGE-{i} ทดสอบ" in text and FOOT in text


def test_the_stamp_has_no_background_to_hide_the_page(needs_tools):
    page = watermark.render_stamp(595, 842, LINES)
    ops = [op for _, op in ContentStream(page.get_contents(), None).operations]
    assert b"Tj" in ops or b"TJ" in ops  # the text is there
    assert not {b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"} & set(ops)  # no filled area


def test_a_stamp_that_cannot_be_printed_is_refused_in_thai(monkeypatch, tmp_path):
    monkeypatch.setenv("EOFFICE_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(watermark.WatermarkFailed) as e:
        watermark.stamp_pdf(pdf_bytes(), LINES)
    assert "ไม่พบโปรแกรม Chromium" in str(e.value) and "ลายน้ำ" in str(e.value)


def test_stamp_pdf_without_lines_returns_the_pdf_as_is():
    pdf = pdf_bytes()
    assert watermark.stamp_pdf(pdf, []) is pdf


def test_a_pdf_that_cannot_be_read_is_not_served_unstamped():
    with pytest.raises(watermark.WatermarkFailed) as e:
        watermark.stamp_pdf(b"%PDF-1.4 garbage", LINES, filename="ลับ.pdf")
    assert '"ลับ.pdf"' in str(e.value) and isinstance(e.value, ValidationFailed)
    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.encrypt(user_password="open-me", owner_password="owner")
    locked = io.BytesIO()
    w.write(locked)
    with pytest.raises(watermark.WatermarkFailed) as e:
        watermark.stamp_pdf(locked.getvalue(), LINES)
    assert "รหัสผ่าน" in str(e.value)
