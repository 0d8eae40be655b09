"""What a file is, from its content (never its name), and whether a packaged one is safe.

``sniff`` names an upload's type from its bytes: PDF, the images, Word, Excel and PowerPoint of
today (OOXML) and of old (OLE2), OpenDocument. A zip of ours is opened only after every member has
been streamed through the decompressor in chunks and counted, so that a zip bomb is refused
without ever being inflated into memory ("packaged documents" below). ``Refused`` says why a
document of an accepted kind is refused (a macro, a password, ``Suspicious`` shape).
"""

import io
import struct
import zipfile
import zlib

MB = 1024 * 1024

def megabytes(n):
    """Megabytes as a clerk reads them: 20, 2.5, 0.05."""
    for digits in (1, 2, 3):
        text = f"{n / MB:.{digits}f}".rstrip("0").rstrip(".")
        if text != "0":
            return text
    return text


# ---- type from content ---------------------------------------------------------------------------

PDF = ("application/pdf", "pdf")
PNG = ("image/png", "png")
JPEG = ("image/jpeg", "jpg")
GIF = ("image/gif", "gif")
TIFF = ("image/tiff", "tif")
WEBP = ("image/webp", "webp")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
PPTX = ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx")
DOC = ("application/msword", "doc")
XLS = ("application/vnd.ms-excel", "xls")
ODT = ("application/vnd.oasis.opendocument.text", "odt")
ODS = ("application/vnd.oasis.opendocument.spreadsheet", "ods")

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# OOXML: the main part of each kind; a zip that has [Content_Types].xml and one of these.
OOXML_MAIN_PARTS = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("ppt/presentation.xml", PPTX),
)
ODF_TYPES = {ODT[0]: ODT, ODS[0]: ODS}


class Refused(Exception):
    """A type refused with a message of its own (rather than the general one)."""


class Suspicious(Refused):
    """A packaged document refused for its shape: a zip bomb, or a zip built to mislead whoever
    reads it. ``why`` says what, in Thai, to follow the file's name."""

    def __init__(self, why):
        super().__init__("zip")
        self.why = why


def sniff(data):
    """(content_type, extension) of ``data`` decided from its bytes, or None if not accepted."""
    head = data[:16]
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):  # TIFF, BigTIFF
        return TIFF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if data.startswith(ZIP_MAGIC):
        return _sniff_zip(data)
    if data.startswith(OLE2_MAGIC):
        return _sniff_ole2(data)
    return None


def _sniff_zip(data):
    """OOXML or ODF from the zip's list of names; then, for a document of ours, every member
    checked by ``_inspect_package`` before any is read (ODF's tiny ``mimetype`` is read last).

    Members are counted from their signatures before ``zipfile`` builds an object for each."""
    if data.count(ZIP_CENTRAL_SIGNATURE) > ZIP_MAX_MEMBERS:
        raise Suspicious(WHY_MEMBERS.format(limit=ZIP_MAX_MEMBERS))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
            infos = {i.filename: i for i in members}
            if "[Content_Types].xml" in infos:
                if any(n.lower().endswith("vbaproject.bin") for n in infos):
                    raise Refused("macro")
                for part, kind in OOXML_MAIN_PARTS:
                    if part in infos:
                        _inspect_package(data, members)
                        return kind
                return None
            info = infos.get("mimetype")
            if info is not None and info.file_size <= 100 and "content.xml" in infos:
                _inspect_package(data, members)
                with zf.open(info) as f:
                    mimetype = f.read(101).decode("ascii", "replace").strip()
                return ODF_TYPES.get(mimetype)
    except Refused:
        raise
    except Exception:  # noqa: BLE001 - a damaged or odd zip is simply not a document of ours
        return None
    return None


# ---- packaged documents (OOXML, ODF): zip bombs --------------------------------------------------
#
# Nothing here opens a document, but the clerk who downloads one does, and so would any preview or
# search added later: a bomb of a few hundred KB that inflates to gigabytes stalls the one and
# crashes the other. So a package is refused, before anything is written, at the first of these
# limits it crosses: its member count (from the signatures, before zipfile parses a thing), its
# members' names, its declared sizes (nothing inflated yet), then each member streamed through
# zlib in chunks of ZIP_CHUNK, counted, and held to its declared size, its CRC and the sizes its
# local header repeats. A member may not inflate one byte beyond what it declared, so the limits
# on the declared sizes bound the actual ones too; a lie is refused as a lie.
#
# What real files measure, on this machine: a Word file of photographs inflates about 1:1
# (JPEG does not compress again), so tens of MB of pictures in a 20 MB docx pass whole; a sheet's
# XML inflates 12 to 18 times (openpyxl, 100,000 rows x 8 Thai columns: 5.2 MB -> 63 MB; 200,000
# formatted empty rows: 0.5 MB -> 9.3 MB); deflate itself cannot exceed 1,032 times, which is
# where a bomb sits (200 MiB of zeros: 200 KB).

ZIP_MAX_MEMBERS = 10_000
"""Members in one package. A letter in Word has 15 to 40, a 500-slide presentation with notes
and pictures about 2,500. ``zipfile`` builds an object per member before any can be counted
(200,000 empty members in 17 MB took 1.4 s and 100 MB), hence the count from signatures first."""

ZIP_MAX_INFLATED = 1024 * MB
"""The whole package inflated (the sum of its members' sizes). The largest upload (20 MB) of a
plain workbook inflates to 250 to 350 MB; three times that still streams in about two seconds
(sheet XML inflates here at about 500 MB/s)."""

ZIP_MAX_MEMBER_RATIO = 200
"""How many times one member may inflate, once past ZIP_RATIO_GRACE. Real parts stay under 20;
a few odd but genuine ones (a drawing, the styles of a sheet formatted down to its last row)
reach 100 to 200 at a few hundred KB: Apache POI's limit of 100 refuses such workbooks. A bomb
is near 1,000."""

ZIP_RATIO_GRACE = 1 * MB
"""A member smaller than this inflated harms no one whatever its ratio: not checked."""

ZIP_MAX_RATIO = 100
"""How many times the whole package may inflate over the upload's size, once past
ZIP_TOTAL_RATIO_GRACE: many small members, each under the member grace, add up to no bomb."""

ZIP_TOTAL_RATIO_GRACE = 10 * MB

ZIP_CHUNK = 64 * 1024
"""Bytes fed to, and taken from, the decompressor at a time: all a member ever holds in memory."""

ZIP_CENTRAL_SIGNATURE = b"PK\x01\x02"
ZIP_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")  # signature ... name length, extra length
ZIP_UTF8_NAMES = 0x800
ZIP_ENCRYPTED = 0x1
ZIP_DATA_DESCRIPTOR = 0x8  # sizes and CRC follow the data; the local header holds zeros
ZIP64_MARK = 0xFFFFFFFF

ZIP_REFUSED = ("ไฟล์ {name} {why} ระบบจึงไม่รับไฟล์นี้ เพราะอาจเป็นไฟล์อันตราย (zip bomb "
               "หรือไฟล์ที่ถูกดัดแปลง) หากเป็นเอกสารจริง กรุณาเปิดแล้วบันทึกเป็นไฟล์ใหม่ "
               "หรือบันทึกเป็น PDF แล้วแนบอีกครั้ง")
WHY_MEMBERS = "มีส่วนประกอบภายในมากกว่า {limit:,} ส่วน"
WHY_TOO_BIG = "เมื่อคลายการบีบอัดแล้วจะมีขนาดเกิน {limit} MB"
WHY_RATIO = ("ถูกบีบอัดไว้มากผิดปกติ ข้อมูลภายในขยายตัวได้ถึง {ratio:,} เท่า "
             "(รับได้ไม่เกิน {limit:,} เท่า)")
WHY_SIZE = "ระบุขนาดของข้อมูลภายในไว้ไม่ตรงกับข้อมูลจริง"
WHY_NAMES = "มีชื่อส่วนประกอบภายในซ้ำกัน ซ้อนกัน หรือชี้ออกนอกไฟล์"
WHY_DAMAGED = "มีโครงสร้างภายในเสียหายหรือไม่ถูกต้อง"


def _inspect_package(data, members):
    """Refuse (``Suspicious``) a package that crosses a limit above, at the first one crossed."""
    if len(members) > ZIP_MAX_MEMBERS:
        raise Suspicious(WHY_MEMBERS.format(limit=ZIP_MAX_MEMBERS))
    _check_names(members)
    _check_declared(data, members)
    view = memoryview(data)
    end_of_previous = 0
    try:
        for info in sorted(members, key=lambda i: i.header_offset):
            if info.header_offset < end_of_previous:  # members sharing bytes: Fifield's bomb
                raise Suspicious(WHY_DAMAGED)
            start = _data_start(view, info)
            end_of_previous = start + info.compress_size
            if end_of_previous > len(data):
                raise Suspicious(WHY_DAMAGED)
            _stream(view, info, start, end_of_previous)
    except (struct.error, zlib.error, UnicodeDecodeError, ValueError):
        raise Suspicious(WHY_DAMAGED) from None


def _check_names(members):
    """No two members by one name (part names are case-blind in OOXML: one reader would take
    the first, another the last), none both a file and a folder, none absolute or climbing out."""
    seen, files = set(), set()
    for info in members:
        name = info.filename
        key = name.casefold()
        parts = name.rstrip("/").split("/")
        if (key in seen or not name or name.startswith("/") or "\\" in name or "\x00" in name
                or ":" in parts[0] or any(p in ("", ".", "..") for p in parts)):
            raise Suspicious(WHY_NAMES)
        seen.add(key)
        if not name.endswith("/"):
            files.add(key)
    for key in seen:
        parts = key.rstrip("/").split("/")
        if any("/".join(parts[:n]) in files for n in range(1, len(parts))):
            raise Suspicious(WHY_NAMES)


def _check_declared(data, members):
    """The sizes the central directory declares, before anything is inflated."""
    declared = 0
    for info in members:
        if info.flag_bits & ZIP_ENCRYPTED or info.compress_type not in (
                zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):  # the only methods of OOXML and ODF
            raise Suspicious(WHY_DAMAGED)
        if info.compress_size > len(data) or not 0 <= info.header_offset < len(data):
            raise Suspicious(WHY_DAMAGED)
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise Suspicious(WHY_SIZE)
        declared += info.file_size
        if declared > ZIP_MAX_INFLATED:
            raise Suspicious(WHY_TOO_BIG.format(limit=megabytes(ZIP_MAX_INFLATED)))
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > ZIP_RATIO_GRACE and ratio > ZIP_MAX_MEMBER_RATIO:
            raise Suspicious(WHY_RATIO.format(ratio=int(ratio), limit=ZIP_MAX_MEMBER_RATIO))
    ratio = declared / len(data)
    if declared > ZIP_TOTAL_RATIO_GRACE and ratio > ZIP_MAX_RATIO:
        raise Suspicious(WHY_RATIO.format(ratio=int(ratio), limit=ZIP_MAX_RATIO))


def _data_start(view, info):
    """Where ``info``'s data begins, after its local header; the header must name the same
    member, method, CRC and sizes as the central directory (unless they follow the data)."""
    offset = info.header_offset
    (signature, _version, flags, method, _time, _date, crc, compressed, size, name_length,
     extra_length) = ZIP_LOCAL_HEADER.unpack_from(view, offset)
    start = offset + ZIP_LOCAL_HEADER.size + name_length + extra_length
    if signature != ZIP_MAGIC or method != info.compress_type or start > len(view):
        raise Suspicious(WHY_DAMAGED)
    raw_name = bytes(view[offset + ZIP_LOCAL_HEADER.size:][:name_length])
    if raw_name.decode("utf-8" if flags & ZIP_UTF8_NAMES else "cp437") != info.orig_filename:
        raise Suspicious(WHY_NAMES)
    if not flags & ZIP_DATA_DESCRIPTOR:
        if ZIP64_MARK in (compressed, size):
            size, compressed = _zip64_sizes(view[start - extra_length:start], size, compressed)
        if (crc, compressed, size) != (info.CRC, info.compress_size, info.file_size):
            raise Suspicious(WHY_SIZE)
    return start


def _zip64_sizes(extra, size, compressed):
    """(size, compressed) from a local header's ZIP64 extra field, for those marked 0xFFFFFFFF."""
    extra = bytes(extra)
    pos = 0
    while pos + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, pos)
        if kind == 0x0001:
            values = list(struct.unpack_from(f"<{length // 8}Q", extra, pos + 4))
            if size == ZIP64_MARK:
                size = values.pop(0)
            if compressed == ZIP64_MARK:
                compressed = values.pop(0)
            return size, compressed
        pos += 4 + length
    raise Suspicious(WHY_SIZE)


def _stream(view, info, start, end):
    """Inflate one member ZIP_CHUNK at a time, counting: refused the moment it passes its
    declared size, and at its end unless it matched that size and its CRC exactly."""
    # An empty member some writers store as deflated with no data at all: nothing to inflate.
    deflated = info.compress_type == zipfile.ZIP_DEFLATED and start < end
    inflate = zlib.decompressobj(-zlib.MAX_WBITS) if deflated else None
    size = crc = 0
    pos = start
    while True:
        if inflate is None:
            piece = view[pos:min(pos + ZIP_CHUNK, end)]
            pos += len(piece)
            if not piece:
                break
        else:
            source = inflate.unconsumed_tail
            if not source and pos < end:
                source = view[pos:min(pos + ZIP_CHUNK, end)]
                pos += len(source)
            piece = inflate.decompress(source, ZIP_CHUNK)
            if not piece and not source:
                break  # all fed in, nothing held back
        size += len(piece)
        if size > info.file_size:
            raise Suspicious(WHY_SIZE)
        crc = zlib.crc32(piece, crc)
        if inflate is not None and inflate.eof:
            break
    if (inflate is not None and not inflate.eof) or size != info.file_size:
        raise Suspicious(WHY_SIZE if size != info.file_size else WHY_DAMAGED)
    if crc != info.CRC:
        raise Suspicious(WHY_DAMAGED)


def _ole2_stream_names(data):
    """Names of the streams in an OLE2 compound file (legacy Office), read from its directory.

    Every offset is checked against the data and every sector chain against loops, so that a
    crafted file cannot make it run away. Returns None if the structure is not sound.
    """
    if len(data) < 512:
        return None
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        return None
    size = 1 << shift
    max_sectors = len(data) // size + 1
    first_dir, = struct.unpack_from("<I", data, 0x30)
    first_difat, num_difat = struct.unpack_from("<II", data, 0x44)

    def sector(sid):
        start = (sid + 1) * size
        if sid >= 0xFFFFFFFA or start + size > len(data):
            return None
        return data[start:start + size]

    # The FAT's own sectors: 109 listed in the header, the rest in the DIFAT chain.
    fat_sids = [s for s in struct.unpack_from("<109I", data, 0x4C) if s < 0xFFFFFFFA]
    sid, seen = first_difat, set()
    while sid < 0xFFFFFFFA and len(seen) < min(num_difat, max_sectors):
        if sid in seen:
            return None
        seen.add(sid)
        block = sector(sid)
        if block is None:
            return None
        entries = struct.unpack_from(f"<{size // 4}I", block)
        fat_sids.extend(s for s in entries[:-1] if s < 0xFFFFFFFA)
        sid = entries[-1]
    fat = []
    for fs in fat_sids[:max_sectors]:
        block = sector(fs)
        if block is None:
            return None
        fat.extend(struct.unpack_from(f"<{size // 4}I", block))

    names, sid, seen = set(), first_dir, set()
    while sid < 0xFFFFFFFA:
        if sid in seen or sid >= len(fat):
            return None
        seen.add(sid)
        block = sector(sid)
        if block is None:
            return None
        for off in range(0, size, 128):
            entry = block[off:off + 128]
            name_len, kind = struct.unpack_from("<HB", entry, 0x40)
            if kind == 2 and 2 <= name_len <= 64:  # a stream
                names.add(entry[:name_len - 2].decode("utf-16-le", "replace"))
        sid = fat[sid]
    return names


def _sniff_ole2(data):
    try:
        names = _ole2_stream_names(data)
    except struct.error:
        return None
    if not names:
        return None
    if "EncryptedPackage" in names:  # a Word/Excel file of today saved with a password
        raise Refused("password")
    if "WordDocument" in names:
        return DOC
    if "Workbook" in names or "Book" in names:
        return XLS
    return None
