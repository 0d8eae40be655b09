"""Thai throughout: complete catalogues, FAB's own strings in Thai, English as the alternative."""

import os
import re

import pytest
from babel.messages.pofile import read_po

from tests.conftest import text_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THAI = re.compile(r"[\u0e00-\u0e7f]")


@pytest.mark.parametrize("locale", ["th", "en"])
def test_every_string_is_translated(locale):
    with open(os.path.join(ROOT, "translations", locale, "LC_MESSAGES", "messages.po"), "rb") as f:
        catalog = read_po(f)
    empty = [m.id for m in catalog if m.id and not (m.string[0] if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not empty and not fuzzy
    if locale == "th":
        assert catalog.get("Record Count").string == "จำนวนรายการ"  # FAB's own strings too


def test_fab_login_page_is_thai_by_default(client):
    page = text_of(client.get("/login/"))
    assert "เข้าสู่ระบบ" in page and "รหัสผ่าน" in page
    assert "Sign In" not in page and "Password" not in page


def test_language_switch(login_as):
    c = login_as("admin")
    c.get("/lang/en")
    page = text_of(c.get("/agencyview/list/"))
    assert "Agencies" in page and "Record Count" in page
    c.get("/lang/th")
    page = text_of(c.get("/agencyview/list/"))
    assert "จำนวนรายการ" in page


def test_form_errors_are_thai_and_nothing_is_saved(login_as, dbq):
    from app.models import Agency

    c = login_as("admin")
    before = dbq.count(Agency)
    r = c.post("/agencyview/add", data={"code": "", "name": ""})
    assert "กรุณากรอกข้อมูลช่องนี้" in text_of(r)
    assert dbq.count(Agency) == before
