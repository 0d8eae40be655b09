"""Attachments of register entries and sent documents (เอกสารแนบ): check, store, read back.

The view reads each uploaded file into an ``Upload``; ``check`` decides every file's type from its
content (never from its name) and refuses the whole batch before anything is written; ``store``
writes the files under generated names and adds their rows to the caller's session;
``read`` gives the plain content back, verified against its SHA-256.

A file's type, and a packaged document's safety (no zip bomb: a few hundred KB that inflate to
gigabytes in the hands of whoever opens it), are ``app.services.filetypes``'s to decide.

A secret letter's file is encrypted with its own random 256-bit key (AES-256-GCM, the file holds
the 96-bit nonce followed by the ciphertext and its tag); that key is wrapped by the master key
(AES key wrap, RFC 3394) into ``Attachment.wrapped_key``. The master key comes in as an argument
(base64 of 32 bytes: the environment's ``EOFFICE_MASTER_KEY``, else ``instance/master_key``
generated once by ``config.load_master_key``) and is never written into the database or the logs.

Nothing here reads ``flask.request``; the configuration comes in as arguments, which ``settings``
reads from the app's configuration for the services.
"""

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from flask import current_app

from app.services import filetypes
from app.services.errors import ValidationFailed
from app.services.filetypes import megabytes

log = logging.getLogger(__name__)

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit GCM nonce
TAG_BYTES = 16

ACCEPTED_LABEL = "PDF รูปภาพ Word Excel"
MISSING_MASTER_KEY = (
    "ยังไม่ได้ตั้งค่ากุญแจหลัก (EOFFICE_MASTER_KEY) จึงแนบหรือเปิดไฟล์ของหนังสือลับไม่ได้"
)
INVALID_MASTER_KEY = (
    "กุญแจหลัก (EOFFICE_MASTER_KEY) ไม่ถูกต้อง ต้องเป็นข้อมูลสุ่มขนาด 32 ไบต์ที่เข้ารหัสแบบ base64"
)


class AttachmentUnavailable(ValidationFailed):
    """A stored file that cannot be given back: missing, damaged, altered or not decryptable.

    The fault is the server's (its storage or its key), not the user's request: status 500.
    """

    status = 500


@dataclass(frozen=True)
class Upload:
    filename: str  # as the user named it
    data: bytes


@dataclass(frozen=True)
class Checked:
    upload: Upload
    content_type: str  # canonical MIME type, from the content
    extension: str  # canonical extension without the dot, from the content


def settings():
    """The app's attachment configuration: the largest file, files per record, where they are
    stored and the master key of secret files (config.py)."""
    cfg = current_app.config
    return {
        "max_bytes": cfg["ATTACHMENT_MAX_MB"] * 1024 * 1024,
        "max_files": cfg["ATTACHMENTS_PER_ENTRY"],
        "directory": cfg["ATTACHMENTS_DIR"],
        "master_key": cfg.get("MASTER_KEY"),
    }


# ---- names ---------------------------------------------------------------------------------------


def display_name(filename, extension=None):
    """The user's file name made safe to show and store: no folders, no control characters.

    Thai (letters, vowels and tone marks) is kept. Invisible formatting characters are dropped
    too, among them the right-to-left override that makes ``fdp.exe`` look like ``exe.pdf``.
    """
    name = unicodedata.normalize("NFC", str(filename or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    name = " ".join(name.split()).strip(" .")
    if not name:
        name = "ไฟล์แนบ" + (f".{extension}" if extension else "")
    if len(name) > 255:  # the column's length
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: 254 - len(ext)].rstrip() + "." + ext
        else:
            name = name[:255]
    return name


def _quoted(upload):
    return f'"{display_name(upload.filename)}"'


# ---- check -------------------------------------------------------------------------------------




def check(uploads, max_bytes, max_files):
    """Check every upload before anything is written: their number, each one's size and type,
    and a packaged document's members (no zip bomb).

    Returns ``[Checked(upload, content_type, extension)]``; raises ValidationFailed naming the
    first file refused. ``max_files`` is how many more files the entry may have.
    """
    uploads = list(uploads or ())
    if len(uploads) > max_files:
        if max_files <= 0:
            raise ValidationFailed(
                "แนบไฟล์เพิ่มไม่ได้ เนื่องจากรายการนี้มีไฟล์แนบครบจำนวนที่กำหนดแล้ว")
        raise ValidationFailed(
            f"เลือกไฟล์มา {len(uploads)} ไฟล์ แต่แนบได้ไม่เกิน {max_files} ไฟล์ กรุณาเลือกใหม่")
    checked = []
    for upload in uploads:
        data = upload.data or b""
        if not data:
            raise ValidationFailed(f"ไฟล์ {_quoted(upload)} ว่างเปล่า (ขนาด 0 ไบต์)")
        if len(data) > max_bytes:
            raise ValidationFailed(
                f"ไฟล์ {_quoted(upload)} มีขนาด {megabytes(len(data))} MB "
                f"เกินขนาดที่รับได้ ({megabytes(max_bytes)} MB)")
        try:
            kind = filetypes.sniff(data)
        except filetypes.Suspicious as refusal:
            raise ValidationFailed(
                filetypes.ZIP_REFUSED.format(name=_quoted(upload), why=refusal.why)) from None
        except filetypes.Refused as refusal:
            if str(refusal) == "macro":
                raise ValidationFailed(
                    f"ไฟล์ {_quoted(upload)} มีมาโคร (macro) ซึ่งไม่อนุญาตให้แนบ "
                    "กรุณาบันทึกเป็น .docx .xlsx หรือ .pptx แล้วแนบใหม่") from None
            raise ValidationFailed(
                f"ไฟล์ {_quoted(upload)} ถูกตั้งรหัสผ่านไว้ ผู้อื่นจะเปิดอ่านไม่ได้ "
                "กรุณายกเลิกรหัสผ่านแล้วแนบใหม่") from None
        if kind is None:
            raise ValidationFailed(f"ไฟล์ {_quoted(upload)} ไม่ใช่ชนิดที่รับได้ ({ACCEPTED_LABEL})")
        checked.append(Checked(upload, kind[0], kind[1]))
    return checked


# ---- keys and encryption -------------------------------------------------------------------------


def new_master_key():
    """A new master key in its configured form: base64 of 32 random bytes."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def master_key_bytes(value):
    """The 32-byte master key from its configured form (base64 text); ValidationFailed if unset
    or not 32 bytes. Raw 32 bytes are accepted as they are."""
    if value is None or (isinstance(value, (str, bytes)) and not value.strip()):
        raise ValidationFailed(MISSING_MASTER_KEY)
    if isinstance(value, (bytes, bytearray)) and len(value) == KEY_BYTES:
        return bytes(value)
    try:
        text = value.decode("ascii") if isinstance(value, (bytes, bytearray)) else str(value)
        text = "".join(text.split())
        try:
            key = base64.b64decode(text, validate=True)
        except binascii.Error:
            key = base64.urlsafe_b64decode(text)
    except (binascii.Error, ValueError):
        raise ValidationFailed(INVALID_MASTER_KEY) from None
    if len(key) != KEY_BYTES:
        raise ValidationFailed(INVALID_MASTER_KEY)
    return key


def encrypt_content(data, master_key):
    """(file bytes, wrapped key): nonce + AES-256-GCM ciphertext under a new random file key."""
    file_key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(NONCE_BYTES)
    blob = nonce + AESGCM(file_key).encrypt(nonce, data, None)
    return blob, aes_key_wrap(master_key, file_key)


# ---- paths -------------------------------------------------------------------------------------


def resolve(directory, storage_name):
    """The absolute path of ``storage_name`` under ``directory``; refused if it would leave it."""
    name = storage_name or ""
    if not name or "\x00" in name or "\\" in name or os.path.isabs(name):
        raise AttachmentUnavailable(f"ที่เก็บของเอกสารแนบไม่ถูกต้อง ({name!r})")
    root = os.path.realpath(directory)
    path = os.path.realpath(os.path.join(root, name))
    if path == root or os.path.commonpath([root, path]) != root:
        raise AttachmentUnavailable(f"ที่เก็บของเอกสารแนบไม่ถูกต้อง ({name!r})")
    return path


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_atomic(path, blob):
    """Write ``blob`` to a temporary file beside ``path``, then rename it into place: a reader
    sees the whole file or none."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        if os.path.exists(path):  # a uuid4 collision: never overwrite another entry's file
            raise FileExistsError(path)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


# ---- store, discard, read ----------------------------------------------------------------------


def _storage_name(now, extension):
    """A new file's generated name: ``<YYYY>/<MM>/<uuid4 hex>.<ext>``, by the month of ``now``."""
    return f"{now.year:04d}/{now.month:02d}/{uuid.uuid4().hex}.{extension}"


def store(session, entry, checked, actor_id, now, directory, master_key=None, encrypt=False):
    """Write the checked files and add their rows to ``session`` (no commit): ``entry`` is what
    they belong to, a register entry or a sent document (its ``new_file`` makes the row).

    Each file goes to ``<directory>/<YYYY>/<MM>/<uuid4 hex>.<ext>`` (year and month of ``now``),
    encrypted when ``encrypt`` (then ``master_key`` is required: 32 bytes or its base64).
    Returns the absolute paths written, for ``discard`` if the caller's transaction fails; if
    writing fails part way, the files already written are removed before the error is raised.
    """
    key = master_key_bytes(master_key) if encrypt else None
    written = []
    try:
        for item in checked:
            data = item.upload.data
            storage_name = _storage_name(now, item.extension)
            path = resolve(directory, storage_name)
            wrapped = None
            blob = data
            if key is not None:
                blob, wrapped = encrypt_content(data, key)
            _write_atomic(path, blob)
            written.append(path)
            session.add(entry.new_file(
                filename=display_name(item.upload.filename, item.extension),
                content_type=item.content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                storage_name=storage_name,
                wrapped_key=wrapped,
                uploaded_by_id=actor_id,
                uploaded_at=now,
            ))
    except BaseException:
        discard(written)
        raise
    return written


def copy(session, source, entry, now, directory):
    """A copy of attachment ``source`` (a file of another entry) for ``entry``: the stored bytes
    as they are (a secret file stays encrypted, under the same wrapped key) under a new name, and
    its row (no commit). Returns the path written, for ``discard`` if the transaction fails."""
    with open(resolve(directory, source.storage_name), "rb") as f:
        blob = f.read()
    storage_name = _storage_name(now, source.storage_name.rsplit(".", 1)[-1])
    path = resolve(directory, storage_name)
    _write_atomic(path, blob)
    session.add(entry.new_file(
        filename=source.filename, content_type=source.content_type, size=source.size,
        sha256=source.sha256, storage_name=storage_name, wrapped_key=source.wrapped_key,
        uploaded_by_id=source.uploaded_by_id, uploaded_at=source.uploaded_at))
    return path


def discard(paths):
    """Remove files written by ``store`` whose transaction failed; missing ones are fine.

    Never raises: it runs while another error is being handled."""
    for path in paths or ():
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        except OSError:
            log.exception("could not remove attachment file %s", path)


def read(attachment, directory, master_key=None):
    """The plain content of ``attachment``, decrypted if need be and checked against its SHA-256.

    Raises AttachmentUnavailable (Thai) if the file is missing, damaged, altered or cannot be
    decrypted with this master key; ValidationFailed if an encrypted file has no master key.
    """
    label = f'"{attachment.filename}"'
    path = resolve(directory, attachment.storage_name)
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except FileNotFoundError:
        raise AttachmentUnavailable(
            f"ไม่พบไฟล์ {label} ในที่เก็บเอกสารแนบ กรุณาแจ้งผู้ดูแลระบบ") from None
    except OSError as e:
        log.error("cannot read attachment %s: %s", path, e)
        raise AttachmentUnavailable(
            f"อ่านไฟล์ {label} จากที่เก็บเอกสารแนบไม่ได้ กรุณาแจ้งผู้ดูแลระบบ") from None
    damaged = AttachmentUnavailable(
        f"ไฟล์ {label} ไม่ตรงกับที่บันทึกไว้ (ไฟล์อาจเสียหายหรือถูกแก้ไข) กรุณาแจ้งผู้ดูแลระบบ")
    if attachment.wrapped_key is not None:
        key = master_key_bytes(master_key)
        try:
            file_key = aes_key_unwrap(key, bytes(attachment.wrapped_key))
        except (InvalidUnwrap, ValueError):
            raise AttachmentUnavailable(
                f"ถอดรหัสไฟล์ {label} ไม่ได้ เนื่องจากกุญแจหลักไม่ตรงกับที่ใช้เข้ารหัสไฟล์นี้ "
                "กรุณาแจ้งผู้ดูแลระบบ") from None
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise damaged
        try:
            data = AESGCM(file_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], None)
        except InvalidTag:
            raise damaged from None
    else:
        data = blob
    if len(data) != attachment.size or not hmac.compare_digest(
            hashlib.sha256(data).hexdigest(), attachment.sha256 or ""):
        raise damaged
    return data
