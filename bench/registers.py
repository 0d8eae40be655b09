"""Server times of a register of 1,000,000 entries: list pages, Thai search and Excel export.

Fills ONE series (register agency_in of clerk.dopa's agency, year 2569) with N entries (default
1,000,000) by one INSERT ... SELECT FROM generate_series, then measures, inside the app with
Flask's test client logged in as clerk.dopa:

  - the first list page, page 10 of the plain list, a filtered page (speed), a Thai substring
    search of the subject (a common term and a rare one): p50 and p95 of the request's wall time
    over --reps repetitions after --warmup warm-ups, and the Python allocation peak of one request
    (tracemalloc);
  - each page's floor: a bare Flask app (no FAB) whose route runs the SAME SQL the page ran
    (captured with SQLAlchemy's cursor events: the capped count and the page query) and renders
    the same 25 rows in a plain Jinja table; ratio = page p95 / floor p95;
  - an export to Excel of ~100,000 rows (a registered_at date range), in a child process so that
    its memory is its own: wall time, growth of the peak RSS (VmHWM) and tracemalloc's peak (in a
    second run, since tracing slows it down); the file is then opened with openpyxl (read-only)
    and its data rows counted. Its floor is a bare route that streams the same SQL into the same
    write-only workbook.

Targets (on the 2-core machine of the issue): list pages p95 <= 50 ms and <= 3x their floor; Thai
search p95 <= 100 ms; export of 100,000 rows < 10 s and < 150 MB.

The database: its own PostgreSQL database (default `bench`, created if missing; never `test`,
whose schema the test suites drop). A database without register entries is migrated, given the
demo province and filled. A database that already holds register entries is refused unless
--reuse is given; with --reuse the existing fill is used if its series holds exactly --rows
entries numbered 1..N, with the counter at N (else refused: drop it with `dropdb -h 127.0.0.1
-U postgres bench`).

Examples:
  .venv/bin/python bench/registers.py                      # build + fill (once) + measure
  .venv/bin/python bench/registers.py --reuse --explain    # measure again, print query plans
  .venv/bin/python bench/registers.py --reuse --only first,export
"""

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, inspect, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/bench"
DEFAULT_ROWS = 1_000_000
YEAR = 2569  # Buddhist Era: 2026
FIRST_DAY = dt.date(2026, 1, 1)  # registered_at runs over these days, office hours (Bangkok)
LAST_DAY = dt.date(2026, 11, 23)
CLERK = "clerk.dopa"
CLERK2 = "clerk2.dopa"  # a second clerk of the same agency: its secret letters are masked for CLERK
REGISTER = "agency_in"
VIEW = "AgencyIncomingView"
BASE = "/agencyincomingview"
EXPORT_FROM, EXPORT_TO = "01/03/2569", "02/04/2569"  # 33 days of ~3,060 entries: ~100,000 rows
COMMON_TERM, RARE_TERM = "จัดซื้อ", "เรือประมง"
ABSENT_TERM = "สหกรณ์ออมทรัพย์"  # in no subject: a search that finds nothing (a typo, say)

# ---- the vocabulary of the fill ---------------------------------------------------------------

PREFIXES = [
    "ขอเชิญประชุม", "ขออนุมัติ", "ขอความร่วมมือ", "แจ้ง", "รายงานผล", "ขอส่ง", "ขอให้ตรวจสอบ",
    "ซักซ้อมแนวทาง", "ประชาสัมพันธ์", "ขอรับการสนับสนุน", "ขออนุญาต", "ส่งสำเนา", "แจ้งเวียน",
    "ขอเชิญร่วมงาน", "ขอเชิญเข้าร่วมอบรม", "แจ้งกำหนดการ", "ขอทราบข้อมูล", "ขอความอนุเคราะห์",
    "การติดตาม", "การเตรียมความพร้อม", "ขอยืนยัน", "ขอเลื่อน", "ขอยกเลิก", "ขอเบิกจ่าย",
    "ขอโอนงบประมาณ", "แต่งตั้ง", "ขอรายชื่อ", "ส่งรายงาน", "ตอบข้อหารือ", "ขอนำส่ง",
    "ขอสำรวจข้อมูล", "มอบหมาย", "ขอประชาสัมพันธ์", "ขอเชิญส่งผลงาน", "ขอปรับปรุง",
    "การดำเนินการ", "ขอแก้ไข", "ขอสนับสนุนงบประมาณ", "ขอให้จัดส่ง", "การขับเคลื่อน",
]
TOPICS = [  # drawn Zipf-like: the first are common, the last rare
    "การประชุมกรมการจังหวัดประจำเดือน", "แผนพัฒนาจังหวัด", "การป้องกันและบรรเทาสาธารณภัย",
    "โครงการจังหวัดเคลื่อนที่", "การรักษาความสงบเรียบร้อย", "งานวันสำคัญของชาติ",
    "การเลือกตั้งผู้ใหญ่บ้าน", "การจัดทำทะเบียนราษฎร", "การออกบัตรประจำตัวประชาชน",
    "การแก้ไขปัญหายาเสพติด", "การจัดซื้อวัสดุสำนักงาน", "การฝึกอบรมเจ้าหน้าที่",
    "การตรวจราชการของผู้ตรวจราชการกระทรวง", "ศูนย์ดำรงธรรมจังหวัด", "การร้องเรียนร้องทุกข์",
    "การลงทะเบียนสวัสดิการแห่งรัฐ", "การประเมินผลการปฏิบัติราชการ", "การเบิกจ่ายงบประมาณ",
    "การจัดงานกาชาดจังหวัด", "การอนุญาตให้ใช้อาวุธปืน", "ทะเบียนสมาคมและมูลนิธิ",
    "การควบคุมโรคติดต่อ", "การส่งเสริมการท่องเที่ยว", "การบริหารจัดการน้ำ",
    "การจัดซื้อจัดจ้างประจำปี", "การพัฒนาระบบสารสนเทศ", "การปรับปรุงอาคารสำนักงาน",
    "อาสาสมัครรักษาดินแดน", "การช่วยเหลือผู้ประสบอุทกภัย", "การตรวจสอบภายใน",
    "การคัดเลือกข้าราชการดีเด่น", "การย้ายข้าราชการ", "การลาศึกษาต่อ", "การขอพระราชทานเครื่องราชอิสริยาภรณ์",
    "การจัดซื้อครุภัณฑ์คอมพิวเตอร์", "การป้องกันการทุจริต", "ข้อมูลข่าวสารของราชการ",
    "การรักษาความปลอดภัยสถานที่ราชการ", "การจัดระเบียบการค้าริมทาง", "การเตรียมรับเสด็จ",
    "การสำรวจความพึงพอใจของประชาชน", "กองทุนหมู่บ้าน", "การแก้ไขปัญหาหนี้นอกระบบ",
    "การคุ้มครองผู้บริโภค", "การบริหารความเสี่ยง", "การจัดเก็บภาษีท้องถิ่น",
    "การพัฒนาคุณภาพชีวิตผู้สูงอายุ", "การส่งเสริมอาชีพ", "การป้องกันอัคคีภัย",
    "การจัดการขยะมูลฝอย", "การอนุรักษ์ทรัพยากรธรรมชาติ", "การตรวจสุขภาพประจำปี",
    "การจัดทำงบประมาณรายจ่าย", "การรายงานทรัพย์สิน", "การใช้รถราชการ", "การประหยัดพลังงาน",
    "การจัดการความรู้", "การพัฒนาบุคลากร", "การปฏิบัติงานนอกเวลาราชการ", "การลงเวลาปฏิบัติราชการ",
    "เงินอุดหนุนเฉพาะกิจ", "การติดตามผลการดำเนินงาน", "การแข่งขันกีฬา",
    "การส่งเสริมคุณธรรมจริยธรรม", "โครงการอันเนื่องมาจากพระราชดำริ", "การแก้ไขปัญหาความยากจน",
    "การจัดที่ดินทำกิน", "การเฝ้าระวังคลื่นลมแรง", "การท่องเที่ยวเชิงชุมชน", "การรับมือพายุโซนร้อน",
    "การตรวจสอบแรงงานต่างด้าว", "การจดทะเบียนเรือ", "การสำรวจข้อมูลความจำเป็นพื้นฐาน",
    "การปฏิบัติตามพระราชบัญญัติวิธีปฏิบัติราชการทางปกครอง", "การสอบสวนข้อเท็จจริง",
    "การขอใช้ที่ราชพัสดุ", "การตรวจสอบอาคาร", "การบำรุงรักษาถนน", "การขุดลอกคลอง",
    "การจัดงานลอยกระทง", "ตลาดนัดชุมชน", "การฝึกซ้อมแผนอพยพ", "การรับบริจาคโลหิต",
    "การสำรวจป่าชายเลน", "การอนุรักษ์พะยูน", "ศูนย์พักพิงชั่วคราว", "การเฝ้าระวังสึนามิ",
    "การสร้างท่าเทียบเรือ", "การตรวจสอบเรือประมง", "การจัดระเบียบชายหาด", "ไฟป่าและหมอกควัน",
]
QUALIFIERS = [
    "ประจำปีงบประมาณ พ.ศ. 2569", "ประจำปีงบประมาณ พ.ศ. 2570", "ไตรมาสที่ 1", "ไตรมาสที่ 2",
    "ไตรมาสที่ 3", "ไตรมาสที่ 4", "ประจำเดือนมกราคม", "ประจำเดือนกุมภาพันธ์",
    "ประจำเดือนมีนาคม", "ประจำเดือนเมษายน", "ประจำเดือนพฤษภาคม", "ประจำเดือนมิถุนายน",
    "ประจำเดือนกรกฎาคม", "ประจำเดือนสิงหาคม", "ประจำเดือนกันยายน", "ประจำเดือนตุลาคม",
    "ครั้งที่ 1", "ครั้งที่ 2", "ครั้งที่ 3", "ระยะที่ 2", "(เพิ่มเติม)", "(ด่วน)",
    "ตามมติคณะรัฐมนตรี", "ตามหนังสือกระทรวงมหาดไทย", "ตามระเบียบกระทรวงการคลัง",
    "ภายในวันที่กำหนด", "ผ่านระบบออนไลน์", "ณ ศาลากลางจังหวัดพังงา", "ณ ห้องประชุมอำเภอ",
    "กรณีเร่งด่วน",
]
PLACES = [
    "อำเภอเมืองพังงา", "อำเภอตะกั่วป่า", "อำเภอตะกั่วทุ่ง", "อำเภอท้ายเหมือง", "อำเภอทับปุด",
    "อำเภอกะปง", "อำเภอคุระบุรี", "อำเภอเกาะยาว", "ตำบลท้ายช้าง", "ตำบลบางเตย", "ตำบลเขาหลัก",
    "ตำบลคึกคัก", "ตำบลโคกกลอย", "ตำบลลำแก่น", "ตำบลบางวัน", "ตำบลเกาะปันหยี", "ตำบลถ้ำน้ำผุด",
    "ตำบลนบปริง", "ตำบลบางม่วง", "ตำบลกระโสม", "จังหวัดพังงา", "จังหวัดภูเก็ต",
    "จังหวัดกระบี่", "จังหวัดระนอง", "ภาคใต้ฝั่งอันดามัน",
]
SENDERS = [  # (name, code of its letters)
    ("กระทรวงมหาดไทย", "มท"), ("กรมการปกครอง", "มท 0309"), ("กรมส่งเสริมการปกครองท้องถิ่น", "มท 0810"),
    ("กรมป้องกันและบรรเทาสาธารณภัย", "มท 0603"), ("กรมการพัฒนาชุมชน", "มท 0410"),
    ("กรมโยธาธิการและผังเมือง", "มท 0705"), ("กรมที่ดิน", "มท 0515"),
    ("สำนักงานปลัดกระทรวงมหาดไทย", "มท 0211"), ("สำนักงานจังหวัดพังงา", "พง 0017.2"),
    ("ศาลากลางจังหวัดพังงา", "พง 0017.1"), ("สำนักงานพัฒนาชุมชนจังหวัดพังงา", "พง 0019.1"),
    ("สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดพังงา", "พง 0023.1"),
    ("สำนักงานสาธารณสุขจังหวัดพังงา", "พง 0033.1"), ("สำนักงานเกษตรจังหวัดพังงา", "พง 0008.1"),
    ("สำนักงานโยธาธิการและผังเมืองจังหวัดพังงา", "พง 0021.1"),
    ("สำนักงานป้องกันและบรรเทาสาธารณภัยจังหวัดพังงา", "พง 0020.1"),
    ("สำนักงานที่ดินจังหวัดพังงา", "พง 0020.2"), ("สำนักงานคลังจังหวัดพังงา", "พง 0007.1"),
    ("สำนักงานสถิติจังหวัดพังงา", "พง 0030.1"), ("สำนักงานแรงงานจังหวัดพังงา", "พง 0038.1"),
    ("สำนักงานพาณิชย์จังหวัดพังงา", "พง 0006.1"), ("สำนักงานวัฒนธรรมจังหวัดพังงา", "พง 0031.1"),
    ("สำนักงานการท่องเที่ยวและกีฬาจังหวัดพังงา", "พง 0025.1"),
    ("สำนักงานทรัพยากรธรรมชาติและสิ่งแวดล้อมจังหวัดพังงา", "พง 0014.1"),
    ("สำนักงานประมงจังหวัดพังงา", "พง 0011.1"), ("สำนักงานปศุสัตว์จังหวัดพังงา", "พง 0009.1"),
    ("สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัดพังงา", "พง 0015.1"),
    ("สำนักงานศึกษาธิการจังหวัดพังงา", "พง 0012.1"), ("ตำรวจภูธรจังหวัดพังงา", "พง 0019.2"),
    ("ที่ว่าการอำเภอเมืองพังงา", "พง 0318"), ("ที่ว่าการอำเภอตะกั่วป่า", "พง 0518"),
    ("ที่ว่าการอำเภอตะกั่วทุ่ง", "พง 0418"), ("ที่ว่าการอำเภอท้ายเหมือง", "พง 0718"),
    ("ที่ว่าการอำเภอทับปุด", "พง 0618"), ("ที่ว่าการอำเภอกะปง", "พง 0218"),
    ("ที่ว่าการอำเภอคุระบุรี", "พง 0818"), ("ที่ว่าการอำเภอเกาะยาว", "พง 0118"),
    ("องค์การบริหารส่วนจังหวัดพังงา", "พง 51001"), ("เทศบาลเมืองพังงา", "พง 52001"),
    ("เทศบาลเมืองตะกั่วป่า", "พง 52002"), ("เทศบาลตำบลท้ายเหมือง", "พง 52101"),
    ("เทศบาลตำบลคุระบุรี", "พง 52102"), ("องค์การบริหารส่วนตำบลคึกคัก", "พง 73201"),
    ("องค์การบริหารส่วนตำบลบางวัน", "พง 73301"), ("โรงพยาบาลพังงา", "พง 0032.301"),
    ("โรงพยาบาลตะกั่วป่า", "พง 0032.302"), ("มหาวิทยาลัยราชภัฏภูเก็ต", "อว 0630"),
    ("สำนักงานตรวจเงินแผ่นดินจังหวัดพังงา", "ตง 0051"), ("ศูนย์อำนวยการบริหารจังหวัดชายแดนภาคใต้", "ศอ.บต."),
    ("สำนักงานคณะกรรมการการเลือกตั้งประจำจังหวัดพังงา", "ลต 0044"),
]
RECEIVERS = ["ปลัดจังหวัดพังงา", "หัวหน้าสำนักงานปกครองจังหวัดพังงา", "ที่ทำการปกครองจังหวัดพังงา",
             "ผู้ว่าราชการจังหวัดพังงา", "ป้องกันจังหวัดพังงา"]
ACTIONS = ["เสนอปลัดจังหวัด", "มอบฝ่ายบริหารงานปกครอง", "มอบฝ่ายความมั่นคง", "เวียนแจ้งทุกฝ่าย",
           "เก็บเข้าแฟ้ม"]
CANCEL_REASONS = ["ลงทะเบียนซ้ำ", "ลงผิดทะเบียน", "หนังสือส่งผิดหน่วยงาน"]

# ---- small helpers -----------------------------------------------------------------------------


class Refused(Exception):
    pass


def percentile(values, p):
    """Nearest-rank percentile of ``values``."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))
    return s[int(k)]


def resolve_url(database):
    from config import normalise_database_url

    url = normalise_database_url(database)
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise Refused("this benchmark needs PostgreSQL (pg_trgm, generate_series)")
    if parsed.database in ("test", "postgres", "template0", "template1"):
        raise Refused(f"database {parsed.database!r} is not ours: the test suites drop `test`'s "
                      "schema at any moment; use a database of its own (default `bench`)")
    return url


def ensure_database(url):
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": parsed.database}).first():
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def existing_entries(url):
    """How many register entries the database holds (0 when it has no such table)."""
    engine = create_engine(url)
    try:
        if "register_entry" not in inspect(engine).get_table_names():
            return 0
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM register_entry")).scalar_one()
    finally:
        engine.dispose()


def quiet_logs():
    logging.basicConfig(level=logging.WARNING)
    for name in ("flask_appbuilder", "alembic", "werkzeug", "flask_limiter"):
        logging.getLogger(name).setLevel(logging.ERROR)


def make_app(url, instance_dir):
    from app import create_app

    return create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-secret-key-for-the-registers-benchmark-0123456789",
        "EOFFICE_INSTANCE_DIR": instance_dir,
        "INSTANCE_DIR": instance_dir,
        "ATTACHMENTS_DIR": os.path.join(instance_dir, "attachments"),
        "WTF_CSRF_ENABLED": False,
        "AUTH_RATE_LIMIT": "100000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
    })


def login(app, username=CLERK):
    from app.services.demo import DEMO_PASSWORD

    client = app.test_client()
    r = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    if r.status_code != 302 or "/login" in r.headers.get("Location", ""):
        raise RuntimeError(f"login as {username} failed ({r.status_code})")
    return client


# ---- build and fill ----------------------------------------------------------------------------


def prepare(app):
    """Migrate, sync roles, load the demo province (all idempotent, nothing erased)."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.services.demo import load_demo

    with app.app_context():
        upgrade()
        app.appbuilder.sm.sync_roles()
        load_demo(db.session)
        db.session.remove()


def series_of(session):
    """(series, clerk) of the register being measured: the key the service itself uses."""
    from app.models import EOfficeUser
    from app.registers import REGISTERS
    from app.services import entries, numbering

    clerk = session.query(EOfficeUser).filter_by(username=CLERK).one()
    key = entries.series_key(REGISTERS[REGISTER], clerk.agency, None, False)
    series = numbering.get_series(session, key, REGISTER, agency_id=clerk.agency_id)
    return series, clerk


def second_clerk(session, clerk):
    """A second clerk of clerk.dopa's agency (registers part of the letters)."""
    from app.models import EOfficeUser

    other = session.query(EOfficeUser).filter_by(username=CLERK2).one_or_none()
    if other is None:
        other = EOfficeUser(
            username=CLERK2, first_name="สมหญิง", last_name="ขยันดี",
            email=f"{CLERK2}@phangnga.example", password=clerk.password, active=True,
            level=clerk.level, agency_id=clerk.agency_id, work_group_id=clerk.work_group_id,
            position="เจ้าพนักงานธุรการ", must_change_password=False, roles=list(clerk.roles))
        session.add(other)
        session.flush()
    return other


FILL_SQL = """
WITH v AS (
    SELECT CAST(:prefixes AS text[]) AS prefixes, CAST(:topics AS text[]) AS topics,
           CAST(:qualifiers AS text[]) AS qualifiers, CAST(:places AS text[]) AS places,
           CAST(:senders AS text[]) AS senders, CAST(:codes AS text[]) AS codes,
           CAST(:receivers AS text[]) AS receivers, CAST(:actions AS text[]) AS actions,
           CAST(:reasons AS text[]) AS reasons
), r AS (
    SELECT g,
           -- office hours, 08:30-16:30 Bangkok (01:30-09:30 UTC), numbers rising with time
           (CAST(:first_day AS timestamp) + make_interval(days => d)
                + interval '1 hour 30 minutes'
                + make_interval(secs => (pos - d) * 8 * 3600)) AS reg_at,
           random() AS r_speed, random() AS r_secrecy, random() AS r_status,
           random() AS r_by, random() AS r_q, random() AS r_p, random() AS r_action,
           random() AS r_circ
    FROM (
        SELECT g, CAST((g - 1) AS float8) * :days / :n AS pos,
               floor(CAST((g - 1) AS float8) * :days / :n)::int AS d
        FROM generate_series(1, :n) AS g
    ) AS s
)
INSERT INTO register_entry (
    register, series_id, year, number, agency_id, work_group_id, speed, secrecy, doc_number,
    doc_date, sender, receiver, subject, action, remarks, received_at, status, reserved_until,
    cancel_reason, cancelled_by_id, cancelled_at, registered_by_id, registered_at, updated_at)
SELECT
    :register, :series_id, :year, r.g, :agency_id, NULL,
    CASE WHEN r_speed < 0.01 THEN 'most_urgent' WHEN r_speed < 0.025 THEN 'very_urgent'
         WHEN r_speed < 0.06 THEN 'urgent' ELSE 'normal' END,
    CASE WHEN r_secrecy < 0.0005 THEN 'top_secret' WHEN r_secrecy < 0.002 THEN 'secret'
         WHEN r_secrecy < 0.005 THEN 'confidential' ELSE 'normal' END,
    x.code || CASE WHEN r_circ < 0.2 THEN '/ว ' ELSE '/' END || (1 + floor(random() * 9999)::int),
    CAST(r.reg_at + interval '7 hours' AS date) - floor(random() * 8)::int,
    x.sender,
    v.receivers[1 + floor(random() * array_length(v.receivers, 1))::int],
    v.prefixes[1 + floor(random() * array_length(v.prefixes, 1))::int]
        || v.topics[1 + floor(power(random(), 2.2) * array_length(v.topics, 1))::int]
        || CASE WHEN r_q < 0.6
                THEN ' ' || v.qualifiers[1 + floor(random() * array_length(v.qualifiers, 1))::int]
                ELSE '' END
        || CASE WHEN r_p < 0.4
                THEN ' ' || v.places[1 + floor(random() * array_length(v.places, 1))::int]
                ELSE '' END,
    CASE WHEN r_action < 0.3
         THEN v.actions[1 + floor(random() * array_length(v.actions, 1))::int] END,
    NULL,
    r.reg_at - make_interval(mins => floor(random() * 30)::int),
    CASE WHEN r_status < 0.02 THEN 'cancelled' ELSE 'active' END,
    NULL,
    CASE WHEN r_status < 0.02
         THEN v.reasons[1 + floor(random() * array_length(v.reasons, 1))::int] END,
    CASE WHEN r_status < 0.02 THEN CASE WHEN r_by < 0.6 THEN :clerk_id ELSE :clerk2_id END END,
    CASE WHEN r_status < 0.02 THEN r.reg_at + interval '2 hours' END,
    CASE WHEN r_by < 0.6 THEN :clerk_id ELSE :clerk2_id END,
    r.reg_at,
    NULL
FROM r CROSS JOIN v
CROSS JOIN LATERAL (
    SELECT v.senders[i] AS sender, v.codes[i] AS code
    FROM (SELECT 1 + floor(power(random(), 1.5) * array_length(v.senders, 1))::int + 0 * r.g
          AS i) AS pick
) AS x
ORDER BY r.g
"""


def fill(app, n):
    """Fill the series with n entries numbered 1..n (year 2569) in one transaction; then
    VACUUM ANALYZE. Returns the seconds of (insert, vacuum)."""
    from app.extensions import db
    from app.models import NumberCounter, RegisterEntry
    from app.models.correspondence import Attachment, entry_reader

    days = (LAST_DAY - FIRST_DAY).days + 1
    with app.app_context():
        s = db.session
        series, clerk = series_of(s)
        clerk2 = second_clerk(s, clerk)
        # The demo letter of this series (number 1 of today) makes way for the fill's 1..n.
        old = [i for (i,) in s.query(RegisterEntry.id).filter_by(series_id=series.id)]
        if old:
            s.execute(entry_reader.delete().where(entry_reader.c.entry_id.in_(old)))
            s.query(Attachment).filter(Attachment.entry_id.in_(old)).delete(
                synchronize_session=False)
            s.query(RegisterEntry).filter(RegisterEntry.id.in_(old)).delete(
                synchronize_session=False)
        s.query(NumberCounter).filter_by(series_id=series.id).delete()
        t0 = time.perf_counter()
        s.execute(text("SELECT setseed(0.2569)"))
        s.execute(text(FILL_SQL), {
            "prefixes": PREFIXES, "topics": TOPICS, "qualifiers": QUALIFIERS, "places": PLACES,
            "senders": [a for a, _ in SENDERS], "codes": [c for _, c in SENDERS],
            "receivers": RECEIVERS, "actions": ACTIONS, "reasons": CANCEL_REASONS,
            "first_day": dt.datetime.combine(FIRST_DAY, dt.time()), "days": days, "n": n,
            "register": REGISTER, "series_id": series.id, "year": YEAR,
            "agency_id": clerk.agency_id, "clerk_id": clerk.id, "clerk2_id": clerk2.id,
        })
        # A third of clerk2's secret letters are opened to clerk.dopa as a reader.
        s.execute(text(
            "INSERT INTO register_entry_reader (entry_id, user_id) "
            "SELECT id, :clerk FROM register_entry WHERE series_id = :series "
            "AND secrecy <> 'normal' AND registered_by_id = :clerk2 AND random() < 0.33"),
            {"clerk": clerk.id, "clerk2": clerk2.id, "series": series.id})
        s.add(NumberCounter(series_id=series.id, year=YEAR, last_number=n))
        s.flush()
        # Written around the ORM: the home page's monthly tallies are counted afresh.
        from app.services import tally

        tally.rebuild(s.connection())
        s.commit()
        t1 = time.perf_counter()
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("register_entry", "register_entry_reader", "number_counter"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def check_fill(app, n):
    """None if the series holds exactly 1..n with its counter at n; else what is wrong."""
    from app.extensions import db

    with app.app_context():
        series, _ = series_of(db.session)
        count, low, high, distinct = db.session.execute(text(
            "SELECT count(*), min(number), max(number), count(DISTINCT number) "
            "FROM register_entry WHERE series_id = :s AND year = :y"),
            {"s": series.id, "y": YEAR}).one()
        others = db.session.execute(text(
            "SELECT count(*) FROM register_entry WHERE series_id = :s AND year <> :y"),
            {"s": series.id, "y": YEAR}).scalar_one()
        last = db.session.execute(text(
            "SELECT last_number FROM number_counter WHERE series_id = :s AND year = :y"),
            {"s": series.id, "y": YEAR}).scalar_one_or_none()
        db.session.rollback()
        db.session.remove()
    if (count, low, high, distinct, others, last) != (n, 1, n, n, 0, n):
        return (f"series holds {count:,} entries of {YEAR} (numbers {low}..{high}, {distinct:,} "
                f"distinct), {others} of other years, counter at {last}; expected {n:,}")
    return None


# ---- SQL capture -------------------------------------------------------------------------------


class Recorder:
    """Every statement the engine runs while ``on``: (statement, parameters, seconds)."""

    def __init__(self, engine):
        self.on = False
        self.statements = []
        self._start = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "handle_error", self._error)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            conn.info.setdefault("bench_t0", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            t0 = conn.info["bench_t0"].pop()
            self.statements.append((statement, parameters, time.perf_counter() - t0))

    def _error(self, context):
        # a statement that failed (a count stopped by statement_timeout) is kept too
        conn = context.connection
        if self.on and conn is not None and conn.info.get("bench_t0"):
            t0 = conn.info["bench_t0"].pop()
            self.statements.append((context.statement, context.parameters,
                                    time.perf_counter() - t0))

    @contextlib.contextmanager
    def capture(self):
        self.statements = []
        self.on = True
        try:
            yield self.statements
        finally:
            self.on = False


def kind_of(statement):
    s = " ".join(statement.split())
    if "FROM register_entry" not in s and "FROM attachment" not in s:
        return "other"
    if s.startswith("SELECT count(*)"):
        return "count"
    if "FROM attachment" in s:
        return "attachments"
    if "register_entry.status = " in s and "reserved_until <" in s:
        return "expire-check"
    if "register_entry_reader" in s and s.startswith("SELECT ab_user"):
        return "readers"
    if re.search(r"\bLIMIT\b", s) and "ORDER BY" in s:
        return "page"
    if "ORDER BY register_entry.id ASC" in s:
        return "export"
    return "other"


# ---- the measurements ------------------------------------------------------------------------


class Page:
    def __init__(self, key, label, args, target_ms, ratio_target, note=""):
        self.key, self.label, self.args = key, label, args
        self.target_ms, self.ratio_target, self.note = target_ms, ratio_target, note


def pages():
    return [
        Page("first", "list: first page", {}, 50, 3),
        Page("page10", "list: page 10", {f"page_{VIEW}": "9"}, 50, 3),
        Page("speed", "list: filtered on speed = most_urgent",
             {"_flt_0_speed": "most_urgent"}, 50, 3),
        Page("common", f"search subject contains {COMMON_TERM}",
             {"_flt_0_subject": COMMON_TERM}, 100, None),
        Page("rare", f"search subject contains {RARE_TERM}",
             {"_flt_0_subject": RARE_TERM}, 100, None),
        Page("none", f"search subject contains {ABSENT_TERM}",
             {"_flt_0_subject": ABSENT_TERM}, 100, None),
    ]


EXPORT_ARGS = {"_flt_0_registered_at": EXPORT_FROM, "_flt_1_registered_at": EXPORT_TO}


def time_get(client, url, args, reps, warmup, expect=200):
    times = []
    for i in range(warmup + reps):
        t0 = time.perf_counter()
        r = client.get(url, query_string=args)
        elapsed = time.perf_counter() - t0
        if r.status_code != expect:
            raise RuntimeError(f"GET {url} {args}: {r.status_code}")
        if i >= warmup:
            times.append(elapsed * 1000)
    return times, r


def traced_peak(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def page_count_text(html):
    """The record count FAB prints under the list ("Record Count: N" / "จำนวน..."), if any."""
    m = re.search(r"(?:Record Count|จำนวนรายการ|จำนวนระเบียน)[^0-9]*([0-9,]+)", html)
    return m.group(1) if m else "?"


def measure_pages(app, recorder, selected, reps, warmup):
    """For each page: times, peak, captured SQL of one request and median SQL time per kind."""
    results = {}
    client = login(app)
    for page in selected:
        url = f"{BASE}/list/"
        with recorder.capture() as captured:
            r = client.get(url, query_string=page.args)
        if r.status_code != 200:
            raise RuntimeError(f"{page.key}: {r.status_code}")
        html = r.get_data(as_text=True)
        rows = html.count('<tr') - 1
        sql = [(kind_of(s), s, p, t) for s, p, t in captured]
        times, _ = time_get(client, url, page.args, reps, warmup)
        # SQL time per kind over a few more requests (median), for the breakdown
        per_kind = {}
        for _ in range(min(reps, 15)):
            with recorder.capture() as cap:
                client.get(url, query_string=page.args)
            sums = {}
            for s, _p, t in cap:
                k = kind_of(s)
                sums[k] = sums.get(k, 0) + t * 1000
            for k, v in sums.items():
                per_kind.setdefault(k, []).append(v)
        peak = traced_peak(lambda: client.get(url, query_string=page.args))
        results[page.key] = {
            "page": page, "times": times, "peak": peak, "sql": sql, "rows_html": rows,
            "sql_ms": {k: percentile(v, 50) for k, v in per_kind.items()},
            "statements": len(captured),
        }
        print(f"  {page.key:<9} p50 {percentile(times, 50):8.1f} ms  p95 "
              f"{percentile(times, 95):8.1f} ms   ({len(captured)} statements: "
              + ", ".join(f"{k} {v:.1f}" for k, v in sorted(results[page.key]['sql_ms'].items()))
              + " ms)", flush=True)
    return results


# ---- floors: a bare Flask app running the same SQL ----------------------------------------------

FLOOR_TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><title>floor</title></head>
<body><p>{{ count }}</p><table>
<tr>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</table></body></html>"""

LIST_COLUMNS = ["number", "received_at", "doc_number", "doc_date", "sender", "subject", "speed",
                "secrecy", "status"]


def floor_cells(mapping):
    """The 9 list columns of one row of register_entry, formatted as the list shows them."""
    from app import thai
    from app.services import correspondence as svc

    def get(c):
        return mapping.get(f"register_entry_{c}", mapping.get(c))

    return [get("number"), thai.format_datetime(get("received_at")), get("doc_number"),
            thai.format_date(get("doc_date")), get("sender"), get("subject"),
            svc.SPEEDS.get(get("speed")), svc.SECRECIES.get(get("secrecy")),
            svc.STATUSES.get(get("status"))]


def make_floor_app(url, queries):
    """``queries``: {key: [(statement, params), ...]} - the count and page statements."""
    from flask import Flask, render_template_string

    floor = Flask("floor")
    engine = create_engine(url, pool_size=2, max_overflow=0)

    @floor.route("/page/<key>")
    def page(key):
        count, rows = None, []
        with engine.connect() as conn:
            for statement, params in queries[key]:
                if statement.lstrip().startswith("SELECT count(*)"):
                    count = conn.exec_driver_sql(statement, params).scalar_one()
                else:
                    rows = [floor_cells(r._mapping)
                            for r in conn.exec_driver_sql(statement, params)]
        return render_template_string(FLOOR_TEMPLATE, count=count, rows=rows,
                                      columns=LIST_COLUMNS)

    return floor, engine


def measure_floors(url, page_results, reps, warmup):
    queries = {}
    for key, res in page_results.items():
        queries[key] = [(s, p) for k, s, p, _t in res["sql"] if k in ("count", "page")]
    floor, engine = make_floor_app(url, queries)
    client = floor.test_client()
    out = {}
    for key in page_results:
        times, r = time_get(client, f"/page/{key}", None, reps, warmup)
        out[key] = {"times": times, "rows": r.get_data(as_text=True).count("<tr") - 1}
        print(f"  floor {key:<9} p50 {percentile(times, 50):8.1f} ms  p95 "
              f"{percentile(times, 95):8.1f} ms", flush=True)
    engine.dispose()
    return out


# ---- export, in child processes ------------------------------------------------------------------


def vm_status():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                out[key] = int(value.split()[0])  # kB
    return out


def reset_hwm():
    """Reset the peak RSS to the current RSS (Linux >= 4.0); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def export_child(args):
    """Child: one export (app or floor), measured; prints one JSON line."""
    quiet_logs()
    instance = tempfile.mkdtemp(prefix="bench-registers-instance-")
    app = make_app(args.url, instance)
    from app.extensions import db

    with app.app_context():
        recorder = Recorder(db.engine)
    client = login(app)
    if args.export_child == "app":
        fetch = lambda query: client.get(f"{BASE}/xlsx", query_string=query)  # noqa: E731
        # warm-up: a list page and a small export (one day), so that imports are done
        client.get(f"{BASE}/list/")
        warm = fetch({"_flt_2_registered_at": "05/01/2569"})
        assert warm.status_code == 200, warm.status_code
    else:
        with open(args.sql_file, "rb") as f:
            statement, params = pickle.load(f)
        floor = make_floor_export(args.url, statement, params)
        fclient = floor.test_client()
        fetch = lambda query: fclient.get("/xlsx", query_string=query)  # noqa: E731
        fetch({"limit": "1000"})
    import gc

    gc.collect()
    trace = args.trace
    hwm_reset = reset_hwm()
    before = vm_status()
    if trace:
        tracemalloc.start()
    with recorder.capture() as captured:
        t0 = time.perf_counter()
        r = fetch(EXPORT_ARGS if args.export_child == "app" else {})
        data = r.get_data()
        seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    after = vm_status()
    with open(args.out, "wb") as f:
        f.write(data)
    exports = [(s, p) for s, p, _t in captured if kind_of(s) == "export"]
    if args.export_child == "app" and args.sql_file and exports:
        with open(args.sql_file, "wb") as f:
            pickle.dump(exports[0], f)
    print(json.dumps({
        "status": r.status_code, "seconds": seconds, "bytes": len(data),
        "rss_before_kb": before["VmRSS"], "hwm_before_kb": before["VmHWM"],
        "hwm_after_kb": after["VmHWM"], "hwm_reset": hwm_reset, "tracemalloc_peak": peak,
        "statements": len(captured),
        "kinds": sorted({kind_of(s) for s, _p, _t in captured}),
    }))
    return 0


def make_floor_export(url, statement, params):
    """A bare Flask route: the same export SQL, streamed, into the same write-only workbook."""
    from flask import Flask, request, send_file

    from app import thai
    from app.services import correspondence as svc
    from app.services.exports import xlsx_bytes

    floor = Flask("floor-export")
    engine = create_engine(url)
    columns = ["number", "received_at", "doc_number", "doc_date", "sender", "receiver",
               "subject", "action", "remarks", "speed", "secrecy", "status", "cancel_reason"]
    labels = {"speed": svc.SPEEDS, "secrecy": svc.SECRECIES, "status": svc.STATUSES}

    def cells(m):
        out = []
        for c in columns:
            v = m.get(f"register_entry_{c}", m.get(c))
            if c in labels:
                v = labels[c].get(v, v)
            elif c == "doc_date":
                v = thai.format_date(v)
            elif c == "received_at":
                v = thai.format_datetime(v)
            elif c == "number":
                v = str(v)
            out.append(v)
        return out

    @floor.route("/xlsx")
    def xlsx():
        limit = request.args.get("limit", type=int)

        def rows():
            with engine.connect() as conn:
                result = conn.execution_options(stream_results=True, yield_per=1000) \
                    .exec_driver_sql(statement, params)
                for i, r in enumerate(result):
                    if limit and i >= limit:
                        break
                    yield cells(r._mapping)

        data = xlsx_bytes("หนังสือรับถึงหน่วยงาน", columns, rows(), widths=None)
        return send_file(data, as_attachment=True, download_name="floor.xlsx",
                         mimetype="application/octet-stream")

    return floor


def run_export_child(url, mode, out, sql_file, trace):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--database", url,
           "--export-child", mode, "--out", out, "--sql-file", sql_file]
    if trace:
        cmd.append("--trace")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT))
    if proc.returncode != 0:
        raise RuntimeError(f"export child ({mode}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def count_xlsx_rows(path):
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    n = sum(1 for _ in ws.iter_rows(values_only=True))
    wb.close()
    return n - 2  # the title line and the header row


def measure_export(url, runs):
    """Wall time and RSS growth (median of ``runs`` untraced runs), tracemalloc peak (one traced
    run), rows of the file; the same for the floor."""
    tmp = tempfile.mkdtemp(prefix="bench-registers-export-")
    sql_file = os.path.join(tmp, "export.sql.pickle")
    out = {}
    for mode in ("app", "floor"):
        path = os.path.join(tmp, f"{mode}.xlsx")
        plain = [run_export_child(url, mode, path, sql_file, False) for _ in range(runs)]
        for p in plain:
            if p["status"] != 200:
                raise RuntimeError(f"export {mode}: HTTP {p['status']}")
        traced = run_export_child(url, mode, path + ".traced", sql_file, True)
        times = [p["seconds"] * 1000 for p in plain]
        rss = [(p["hwm_after_kb"] - p["rss_before_kb"]) / 1024 for p in plain]
        out[mode] = {
            "times": times, "rss_growth_mb": max(rss),
            "rss_before_mb": plain[0]["rss_before_kb"] / 1024,
            "hwm_after_mb": max(p["hwm_after_kb"] for p in plain) / 1024,
            "tracemalloc_mb": traced["tracemalloc_peak"] / 2**20,
            "traced_seconds": traced["seconds"], "bytes": plain[0]["bytes"],
            "rows": count_xlsx_rows(path), "statements": plain[0]["statements"],
            "hwm_reset": plain[0]["hwm_reset"],
        }
        print(f"  export {mode:<5} {percentile(times, 50) / 1000:6.2f} s (runs: "
              + ", ".join(f"{t / 1000:.2f}" for t in times)
              + f"), RSS growth {out[mode]['rss_growth_mb']:.0f} MB, tracemalloc peak "
              f"{out[mode]['tracemalloc_mb']:.0f} MB, {out[mode]['rows']:,} rows, "
              f"{out[mode]['bytes'] / 2**20:.1f} MB file, {out[mode]['statements']} statements"
              + ("" if out[mode]["hwm_reset"] else " (peak RSS could not be reset: growth is "
                 "measured from the process's earlier peak)"), flush=True)
    with open(sql_file, "rb") as f:
        out["sql"] = pickle.load(f)
    return out


# ---- EXPLAIN -------------------------------------------------------------------------------------


def explain(url, statement, params):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
            conn.rollback()
        return "\n".join(r[0] for r in rows)
    finally:
        engine.dispose()


def show_sql(statement, params):
    s = " ".join(statement.split())
    for k, v in (params or {}).items():
        s = s.replace(f"%({k})s", repr(v))
    return s


# ---- the report ----------------------------------------------------------------------------------


def verdict(p95, floor95, page):
    ok = p95 <= page.target_ms
    if page.ratio_target and floor95:
        ok = ok and p95 / floor95 <= page.ratio_target
    return "PASS" if ok else "MISS"


def table(page_results, floor_results, export, term_counts):
    lines = []
    head = (f"| {'measurement':<58} | {'p50 ms':>8} | {'p95 ms':>8} | {'floor p95':>9} | "
            f"{'ratio':>6} | {'peak MB':>8} | {'target':<24} | result |")
    lines.append(head)
    lines.append("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for key, res in page_results.items():
        page = res["page"]
        p50, p95 = percentile(res["times"], 50), percentile(res["times"], 95)
        f95 = percentile(floor_results[key]["times"], 95) if key in floor_results else None
        ratio = p95 / f95 if f95 else float("nan")
        label = page.label
        if key in term_counts:
            label += f" ({term_counts[key]:,} rows)"
        target = f"p95 <= {page.target_ms} ms" + (
            f", <= {page.ratio_target}x floor" if page.ratio_target else "")
        lines.append(
            f"| {label:<58} | {p50:8.1f} | {p95:8.1f} | {f95:9.1f} | {ratio:6.1f} | "
            f"{res['peak'] / 2**20:8.1f} | {target:<24} | {verdict(p95, f95, page):<6} |")
    if export:
        app_ = export["app"]
        p50 = percentile(app_["times"], 50)
        p95 = max(app_["times"])
        f95 = max(export["floor"]["times"]) if "floor" in export else float("nan")
        peak = max(app_["rss_growth_mb"], app_["tracemalloc_mb"])
        ok = p95 < 10_000 and peak < 150 and abs(app_["rows"] - 100_000) < 5_000
        label = f"export xlsx {app_['rows']:,} rows (RSS +{app_['rss_growth_mb']:.0f} MB)"
        lines.append(
            f"| {label:<58} | {p50:8.0f} | {p95:8.0f} | {f95:9.0f} | {p95 / f95:6.1f} | "
            f"{app_['tracemalloc_mb']:8.1f} | {'< 10 s, < 150 MB':<24} | "
            f"{'PASS' if ok else 'MISS':<6} |")
    return "\n".join(lines)


def term_row_counts(url, agency_id):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            def q(sql, **p):
                return conn.execute(text(sql), {"a": agency_id, **p}).scalar_one()

            base = "FROM register_entry WHERE register = 'agency_in' AND agency_id = :a"
            return {
                "first": q(f"SELECT count(*) {base}"),
                "speed": q(f"SELECT count(*) {base} AND speed = 'most_urgent'"),
                "common": q(f"SELECT count(*) {base} AND subject ILIKE :t", t=f"%{COMMON_TERM}%"),
                "rare": q(f"SELECT count(*) {base} AND subject ILIKE :t", t=f"%{RARE_TERM}%"),
                "none": q(f"SELECT count(*) {base} AND subject ILIKE :t", t=f"%{ABSENT_TERM}%"),
            }
    finally:
        engine.dispose()


def machine():
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({cpu}), {mem} RAM"


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="bench/registers.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DATABASE,
                        help=f"PostgreSQL URL (default {DEFAULT_DATABASE}; created if missing)")
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS,
                        help="entries in the series (default 1,000,000)")
    parser.add_argument("--reuse", action="store_true",
                        help="use the database's existing fill (its row count must match)")
    parser.add_argument("--reps", type=int, default=50, help="timed requests per page (50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first (5)")
    parser.add_argument("--export-runs", type=int, default=3,
                        help="untraced export runs, each in a fresh process (3)")
    parser.add_argument("--only", default="",
                        help="comma-separated subset: first,page10,speed,common,rare,none,"
                             "export")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of each page's count and page queries and "
                             "of the export query")
    parser.add_argument("--fill-only", action="store_true", help="build and fill, measure nothing")
    # internal: the export child
    parser.add_argument("--export-child", choices=("app", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--sql-file", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    try:
        args.url = url = resolve_url(args.database)
    except Refused as e:
        print(f"REFUSED: {e}", file=sys.stderr)
        return 2
    if args.export_child:
        return export_child(args)

    quiet_logs()
    shown = make_url(url).render_as_string(hide_password=True)
    ensure_database(url)
    held = existing_entries(url)
    instance = tempfile.mkdtemp(prefix="bench-registers-instance-")
    app = make_app(url, instance)
    if held and not args.reuse:
        print(f"REFUSED: {shown} already holds {held:,} register entries. Give --reuse to "
              f"measure its existing fill (if its series holds exactly {args.rows:,} entries), "
              "or drop it first: dropdb -h 127.0.0.1 -U postgres "
              f"{make_url(url).database}", file=sys.stderr)
        return 2
    if held:
        problem = check_fill(app, args.rows)
        if problem:
            print(f"REFUSED (--reuse): {shown}: {problem}. Drop it and run without --reuse: "
                  f"dropdb -h 127.0.0.1 -U postgres {make_url(url).database}", file=sys.stderr)
            return 2
        print(f"reusing the fill of {shown}: {args.rows:,} entries", flush=True)
        fill_seconds = None
    else:
        print(f"building {shown} (migrations, roles, demo province) ...", flush=True)
        t0 = time.perf_counter()
        prepare(app)
        print(f"  built in {time.perf_counter() - t0:.1f} s; filling {args.rows:,} entries ...",
              flush=True)
        insert_s, vacuum_s = fill(app, args.rows)
        problem = check_fill(app, args.rows)
        if problem:
            print(f"FILL FAILED: {problem}", file=sys.stderr)
            return 1
        fill_seconds = (insert_s, vacuum_s)
        print(f"  filled in {insert_s:.1f} s + VACUUM ANALYZE {vacuum_s:.1f} s", flush=True)
    if args.fill_only:
        return 0

    from app.extensions import db
    from app.models import EOfficeUser

    with app.app_context():
        engine_url = db.engine.url
        recorder = Recorder(db.engine)
        agency_id = db.session.query(EOfficeUser.agency_id).filter_by(username=CLERK).scalar()
        server = db.session.execute(text("SELECT version()")).scalar_one().split(",")[0]
        db.session.remove()
    del engine_url

    only = {s for s in args.only.split(",") if s}
    selected = [p for p in pages() if not only or p.key in only]
    counts = term_row_counts(url, agency_id)
    print(f"machine: {machine()}; {server}")
    print("rows matched: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), flush=True)

    print(f"pages ({args.reps} timed requests after {args.warmup} warm-ups):", flush=True)
    page_results = measure_pages(app, recorder, selected, args.reps, args.warmup)
    print("floors (bare Flask, same SQL, plain Jinja table):", flush=True)
    floor_results = measure_floors(url, page_results, args.reps, args.warmup)
    for key, res in page_results.items():
        if res["rows_html"] < 1:
            print(f"  warning: {key} shows no rows", file=sys.stderr)

    export = None
    if not only or "export" in only:
        print(f"export ({args.export_runs} runs + 1 traced, each in a child process):",
              flush=True)
        export = measure_export(url, args.export_runs)

    print()
    print(f"## {args.rows:,} entries, {machine()}, {dt.datetime.now():%Y-%m-%d %H:%M}")
    print(table(page_results, floor_results, export,
                {k: v for k, v in counts.items() if k in ("speed", "common", "rare", "none")}))
    print("\nSQL per request (median ms, by kind):")
    for key, res in page_results.items():
        print(f"  {key:<9} " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(res["sql_ms"].items()))
              + f"  [{res['statements']} statements]")
    if fill_seconds:
        print(f"\nfill: {fill_seconds[0]:.1f} s INSERT ... SELECT + {fill_seconds[1]:.1f} s "
              "VACUUM ANALYZE")

    if args.explain:
        for key, res in page_results.items():
            for kind, statement, params, _t in res["sql"]:
                if kind in ("count", "page"):
                    print(f"\n---- {key}: {kind} query ----")
                    print(show_sql(statement, params))
                    print(explain(url, statement, params))
        if export:
            statement, params = export["sql"]
            print("\n---- export query ----")
            print(show_sql(statement, params))
            print(explain(url, statement, params))

    return 0


if __name__ == "__main__":
    sys.exit(main())
