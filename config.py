"""Configuration of the e-office, read from the environment.

Everything a deployment changes comes from an environment variable; nothing secret lives here.
    DATABASE_URL   SQLAlchemy URL; default: SQLite file instance/eoffice.db
    REDIS_URL      where the login throttle and the guest message limit count (shared by every
                   worker and host); default: the app's database (table throttle_counter)
    AUTH_RATE_LIMIT         failed logins per client address and per account name (default
                            "10 per minute"; the form and the API together)
    HELP_GUEST_RATE_LIMIT   messages left from the login page per address (default "3 per hour")
    TRUSTED_PROXIES         reverse proxies in front of the app whose X-Forwarded-For and
                            X-Forwarded-Proto are believed (default 0: none, the client address
                            is the connection's; set it only behind a proxy that overwrites them)
    SECRET_KEY     session signing key; default: generated once into instance/secret_key
    SESSION_IDLE_MINUTES   inactivity before a session ends (default 60)
    PORT           used by run.py and `make run` (default 8080)
    EOFFICE_MASTER_KEY      base64 of 32 random bytes: wraps the keys of secret letters' files;
                            default: generated once into instance/master_key (back it up)
    EOFFICE_ATTACHMENTS_DIR where attachments are stored (default instance/attachments); a shared
                            volume when several hosts serve the province
    ATTACHMENT_MAX_MB       largest file accepted (default 20)
    RESERVATION_DAYS        days to fill a reserved number before it is cancelled (default 3)
    PUBLIC_URL              the address users reach the e-office at (https://eoffice.example.go.th),
                            printed in the QR code of a file's cover sheet; default: the request's
    FILE_OVERDUE_DAYS       days a file may wait at one stage before the secretaries' queue flags
                            it (default 3)
    EOFFICE_CALENDAR_DOMAIN the domain of the calendar feeds' event UIDs (booking-12@<domain>),
                            by which calendar applications know an event again: the e-office's
                            own domain, set once; default: a name made from SECRET_KEY (the same
                            on every worker and host; it changes only with the key, as the feeds'
                            addresses do). Never the address a feed happened to be fetched at.
    EOFFICE_CHROMIUM        the Chromium that prints every PDF, headless through Playwright
                            (default /usr/bin/chromium, Debian's package; app/services/pdf.py)
"""

import os
import secrets
import time
from datetime import timedelta

from flask_appbuilder.const import AUTH_DB

from app.passwords import password_complexity
from app.services.attachments import master_key_bytes, new_master_key
from app.services.errors import ValidationFailed
from app.services.throttle import parse_rate

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.environ.get("EOFFICE_INSTANCE_DIR", os.path.join(BASE_DIR, "instance"))


def normalise_database_url(url):
    """Plain postgresql:// means psycopg2 to SQLAlchemy 2.0; we ship psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_secret_key(instance_dir):
    """SECRET_KEY from the environment, else from a file generated once under instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    os.makedirs(instance_dir, exist_ok=True)
    path = os.path.join(instance_dir, "secret_key")
    try:
        # O_EXCL: two workers starting at once must not write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Empty, it is another worker's file between its creation and its write: wait a little.
        deadline = time.monotonic() + MASTER_KEY_WAIT_SECONDS
        while True:
            with open(path, encoding="ascii") as f:
                key = f.read().strip()
            if key:
                return key
            if time.monotonic() >= deadline:
                raise RuntimeError(f"{path} is empty: delete it to generate a new secret key")
            time.sleep(0.01)
    key = secrets.token_urlsafe(48)
    os.write(fd, key.encode("ascii"))  # one write, as the master key's
    os.close(fd)
    return key


MASTER_KEY_FILE = "master_key"


class MasterKeyFileError(RuntimeError):
    """instance/master_key exists but holds no valid key: it is never replaced."""


def load_master_key(instance_dir):
    """(key, where): EOFFICE_MASTER_KEY from the environment (where is None), else the key of
    instance/master_key (where is its path), generated there once: base64 of 32 random bytes,
    mode 0600.

    Created with O_EXCL and written in one write, so that two workers starting at once agree on
    one key; never overwritten, since every secret letter's file is encrypted under it and a new
    key would leave them all unreadable. A file that holds no valid key is MasterKeyFileError,
    never replaced. The key itself is never printed, logged or put into an error.
    """
    key = os.environ.get("EOFFICE_MASTER_KEY")
    if key and key.strip():
        return key, None
    os.makedirs(instance_dir, exist_ok=True)
    path = os.path.join(instance_dir, MASTER_KEY_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_master_key(path), path
    key = new_master_key()
    try:
        os.write(fd, (key + "\n").encode("ascii"))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.remove(path)  # nothing was encrypted under a key never written
        raise
    os.close(fd)
    return key, path


MASTER_KEY_WAIT_SECONDS = 2.0  # how long an empty key file may be another worker's, being written


def _read_master_key(path):
    """The key in ``path``. Empty, it is another worker's file between its creation and its one
    write: wait for it, a little."""
    deadline = time.monotonic() + MASTER_KEY_WAIT_SECONDS
    while True:
        with open(path, "rb") as f:
            raw = f.read(4096)
        if raw.strip() or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    try:
        key = raw.decode("ascii").strip()
        master_key_bytes(key)
    except (UnicodeDecodeError, ValidationFailed):
        raise MasterKeyFileError(
            f"ไฟล์กุญแจหลัก {path} ไม่ถูกต้อง (ต้องเป็นข้อมูลสุ่ม 32 ไบต์ที่เข้ารหัสแบบ base64) "
            "ระบบจะไม่สร้างกุญแจใหม่ทับไฟล์นี้ "
            "เพราะไฟล์ของหนังสือลับที่เข้ารหัสไว้แล้วจะเปิดไม่ได้อีก "
            "กรุณานำไฟล์ที่สำรองไว้กลับมาวาง หรือตั้งค่า EOFFICE_MASTER_KEY "
            "หากยังไม่เคยแนบไฟล์ให้หนังสือลับเลย ลบไฟล์นี้แล้วเริ่มระบบใหม่เพื่อสร้างกุญแจใหม่ "
            f"(invalid master key file {path}: restore it from the backup or set "
            "EOFFICE_MASTER_KEY; it is never replaced)") from None
    return key


class Config:
    APP_NAME = "ระบบสำนักงานอัตโนมัติจังหวัดพังงา"
    APP_THEME = ""
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL")
        or "sqlite:///" + os.path.join(INSTANCE_DIR, "eoffice.db")
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Tables come from Alembic migrations only; permissions and roles are written by
    # `flask eoffice sync-roles`, never at start-up, so that many workers can start at once.
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False

    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "ผู้ดูแลระบบ"
    AUTH_ROLE_PUBLIC = "ผู้เยี่ยมชม"
    AUTH_USER_REGISTRATION = False
    FAB_SECURITY_MANAGER_CLASS = "app.security.EOfficeSecurityManager"
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = staticmethod(password_complexity)

    # Login throttle (app/services/throttle.py): failed attempts through the form and the API
    # alike, per client address and per account name, counted in Redis (REDIS_URL) or else in
    # the app's database, so that every worker and host shares them. FAB's own limiter
    # (Flask-Limiter) counted per worker process: both of its switches stay off.
    AUTH_RATE_LIMITED = False
    RATELIMIT_ENABLED = False
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute")
    REDIS_URL = os.environ.get("REDIS_URL") or None
    THROTTLE_REDIS_PREFIX = "eoffice:throttle"
    # The client address is the connection's unless this many reverse proxies stand in front
    # and are trusted to set X-Forwarded-For (werkzeug's ProxyFix): trusted blindly, the header
    # would let an attacker pick the address he is counted under.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Lock-out after repeated failures: 5 failures lock for 1 minute, then 2, 4, ... up to a day.
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_BASE_SECONDS = 60
    LOCKOUT_MAX_SECONDS = 24 * 3600

    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "60"))
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=SESSION_IDLE_MINUTES)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which expires on its own

    # Thai first, English as the alternative.
    BABEL_DEFAULT_LOCALE = "th"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bangkok"
    # FAB resolves a relative path against app/: give it an absolute one.
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
    # Each language named in itself (the menu offers it to whoever reads it).
    LANGUAGES = {
        "th": {"flag": "th", "name": "ภาษาไทย"},
        "en": {"flag": "gb", "name": "English"},
    }
    DISPLAY_TIMEZONE = "Asia/Bangkok"

    # REST API: JWT login at /api/v1/security/login, OpenAPI at /api/v1/_openapi.
    FAB_API_SWAGGER_UI = True
    # FAB's security API in part: roles, groups, permissions read-only; users through our own
    # /api/v1/users/ (app/views/security_api.py, registered by the security manager).
    FAB_ADD_SECURITY_API = False
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=SESSION_IDLE_MINUTES)

    INSTANCE_DIR = INSTANCE_DIR

    # Correspondence registers.
    ATTACHMENTS_DIR = os.environ.get(
        "EOFFICE_ATTACHMENTS_DIR", os.path.join(INSTANCE_DIR, "attachments"))
    ATTACHMENT_MAX_MB = int(os.environ.get("ATTACHMENT_MAX_MB", "20"))
    ATTACHMENTS_PER_ENTRY = 10
    MASTER_KEY = os.environ.get("EOFFICE_MASTER_KEY")
    RESERVATION_DAYS = int(os.environ.get("RESERVATION_DAYS", "3"))
    RESERVATION_MAX_BLOCK = 50
    # Year basis of new series, by register code: "calendar" (1 January, the rule for
    # correspondence) unless named here as "fiscal" (1 October).
    REGISTER_YEAR_BASIS = {}
    # The same for the contract registers (hire, purchase, bid): "fiscal" unless named here as
    # "calendar".
    CONTRACT_YEAR_BASIS = {}
    PUBLIC_URL = os.environ.get("PUBLIC_URL")
    # The help chat: messages left on the login page by people who cannot log in, per address
    # (counted where the login throttle counts: Redis or the app's database).
    HELP_GUEST_RATE_LIMIT = os.environ.get("HELP_GUEST_RATE_LIMIT", "3 per hour")
    FILE_OVERDUE_DAYS = int(os.environ.get("FILE_OVERDUE_DAYS", "3"))
    # Every PDF (reports, sheets, the watermark of secret PDFs) is printed by this Chromium;
    # Debian's wkhtmltopdf wrote a broken Thai text layer (app/services/pdf.py).
    PDF_CHROMIUM = os.environ.get("EOFFICE_CHROMIUM", "/usr/bin/chromium")
    CALENDAR_DOMAIN = os.environ.get("EOFFICE_CALENDAR_DOMAIN") or None
    # Rows a list counts exactly; beyond it the list says "more than" and offers the first
    # pages (40 of 25 rows): an exact count of a register of millions, or of a common word in
    # it, costs more than the page itself. The Excel export is never capped.
    LIST_COUNT_CAP = 1000


def build_config(overrides=None):
    """Config as a dict; the secret key is resolved here, not at import time."""
    cfg = {k: getattr(Config, k) for k in dir(Config) if k.isupper()}
    cfg.update(overrides or {})
    for name in ("AUTH_RATE_LIMIT", "HELP_GUEST_RATE_LIMIT"):
        parse_rate(cfg[name])  # a limit that cannot be read stops the start, not every login
    if "SECRET_KEY" not in cfg:
        cfg["SECRET_KEY"] = load_secret_key(cfg["INSTANCE_DIR"])
    if not cfg.get("MASTER_KEY"):
        # Secret letters are given files from the first `make run`: EOFFICE_MASTER_KEY when set
        # (production), else instance/master_key, which `flask eoffice setup` names for backup.
        cfg["MASTER_KEY"], cfg["MASTER_KEY_FILE"] = load_master_key(cfg["INSTANCE_DIR"])
    cfg["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Clerks issuing numbers at once queue on SQLite's write lock: wait for it, up to 30 s.
        options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"timeout": 30, **options.get("connect_args", {})}
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = options
    # A request carries at most the allowed files of an entry, plus the form.
    cfg.setdefault("MAX_CONTENT_LENGTH",
                   (cfg["ATTACHMENT_MAX_MB"] * cfg["ATTACHMENTS_PER_ENTRY"] + 1) * 1024 * 1024)
    return cfg
