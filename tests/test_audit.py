"""The audit log: what it records, that the database refuses to edit it, and that the hash chain
detects an edit made behind the application's back."""

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from app.models import Agency, AuditLog
from app.services.audit import verify_chain
from tests.conftest import is_postgres, text_of


def rows(dbq, **filters):
    return dbq(lambda s: [
        {"action": r.action, "actor": r.actor_name, "type": r.target_type, "id": r.target_id,
         "detail": json.loads(r.detail) if r.detail else None, "ip": r.ip, "at": r.occurred_at}
        for r in s.query(AuditLog).filter_by(**filters).order_by(AuditLog.seq)])


def test_agency_change_is_recorded_with_before_and_after(login_as, dbq):
    c = login_as("clerk.dopa")
    a = dbq(lambda s: s.query(Agency).filter_by(code="พง 0016.1").one())
    form = {"code": a.code, "name": a.name, "phone": "076-222222", "fax": a.fax, "address": a.address}
    assert c.post(f"/agencyview/edit/{a.id}", data=form).status_code == 302
    row = rows(dbq, action="update", target_type="Agency")[-1]
    assert row["actor"] == "clerk.dopa" and row["id"] == str(a.id) and row["ip"] == "127.0.0.1"
    assert row["detail"] == {"before": {"phone": a.phone}, "after": {"phone": "076-222222"}}


def test_user_creation_is_recorded_without_the_password(login_as, dbq):
    from app.models import WorkGroup

    c = login_as("admin")
    g = dbq(lambda s: s.query(WorkGroup).filter_by(name="กลุ่มงานอำนวยการ").first())
    c.post("/users/add", data={
        "first_name": "ใหม่", "last_name": "ผู้ใช้", "username": "audited.user",
        "email": "audited@example.go.th", "agency": str(g.agency_id), "work_group": str(g.id),
        "level": "5", "active": "y", "password": "Abcdefgh12", "conf_password": "Abcdefgh12"})
    row = [r for r in rows(dbq, action="create", target_type="EOfficeUser")][-1]
    assert row["detail"]["after"]["username"] == "audited.user"
    assert row["detail"]["after"]["password"] == "(ตั้งค่าแล้ว)"
    assert "scrypt" not in json.dumps(row["detail"])
    assert row["detail"]["after"]["roles"] == ["ผู้ใช้งานทั่วไป"]


def test_role_permission_change_is_recorded(app, dbq):
    from flask_appbuilder.security.sqla.models import Role

    from app.extensions import db

    with app.app_context():
        role = db.session.query(Role).filter_by(name="ผู้ใช้งานทั่วไป").one()
        pv = role.permissions[0]
        removed = f"{pv.permission.name} on {pv.view_menu.name}"
        role.permissions = role.permissions[1:]
        db.session.commit()
        db.session.remove()
    row = rows(dbq, action="update", target_type="Role")[-1]
    assert removed in row["detail"]["before"]["permissions"]
    assert removed not in row["detail"]["after"]["permissions"]


def test_times_are_utc_and_shown_in_bangkok(login_as, dbq):
    page = text_of(login_as("admin").get("/auditlogview/list/"))
    assert " น." in page and "เข้าสู่ระบบ" in page


def test_only_the_administrator_reads_the_log(login_as):
    assert login_as("clerk.dopa").get("/auditlogview/list/").status_code == 403
    assert login_as("clerk.dopa").get("/auditlogview/xlsx").status_code == 403


def test_no_route_edits_or_deletes_the_log(login_as, dbq):
    c = login_as("admin")
    first = dbq(lambda s: s.query(AuditLog).order_by(AuditLog.seq).first().id)
    before = dbq.snapshot(AuditLog)
    assert c.get(f"/auditlogview/edit/{first}").status_code == 403
    assert c.post(f"/auditlogview/edit/{first}", data={"action": "x"}).status_code == 403
    assert c.post(f"/auditlogview/delete/{first}").status_code == 403
    assert c.post("/auditlogview/add", data={"action": "x"}).status_code == 403
    after = dbq.snapshot(AuditLog)
    assert after[: len(before)] == before


def test_export_to_excel(login_as):
    r = login_as("admin").get("/auditlogview/xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][0] == "บันทึกการตรวจสอบ"
    assert values[1][:4] == ["ลำดับ", "วันเวลา", "ผู้กระทำ", "การกระทำ"]
    assert values[2][0] == 1 and len(values) > 10


def test_chain_verifies(app, login_as, dbq):
    assert dbq(verify_chain).ok
    r = login_as("admin").post("/auditlogview/verify", follow_redirects=True)
    assert "บันทึกการตรวจสอบถูกต้องครบถ้วน" in text_of(r)
    result = app.test_cli_runner().invoke(args=["eoffice", "verify-audit"])
    assert result.exit_code == 0 and "intact" in result.output


def _raw(app, sql):
    from app.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(sql))


@pytest.mark.parametrize("sql", [
    "UPDATE audit_log SET actor_name = 'someone' WHERE seq = 1",
    "DELETE FROM audit_log WHERE seq = 1",
])
def test_database_refuses_update_and_delete(app, sql, dbq):
    before = dbq.snapshot(AuditLog)
    with pytest.raises(Exception) as e:
        _raw(app, sql)
    assert "append-only" in str(e.value)
    assert dbq.snapshot(AuditLog) == before


def _triggers(app, enabled):
    if is_postgres():
        _raw(app, f"ALTER TABLE audit_log {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER")
    elif enabled:
        for verb in ("UPDATE", "DELETE"):
            _raw(app, f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                      f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {verb} refused'); END")
    else:
        _raw(app, "DROP TRIGGER audit_log_no_update")
        _raw(app, "DROP TRIGGER audit_log_no_delete")


def test_an_edit_behind_the_applications_back_is_detected(app, login_as, dbq):
    """Someone with database rights switches the trigger off and rewrites a row."""
    original = dbq(lambda s: s.query(AuditLog).filter_by(seq=3).one().actor_name)
    _triggers(app, enabled=False)
    try:
        _raw(app, "UPDATE audit_log SET actor_name = 'innocent' WHERE seq = 3")
        report = dbq(verify_chain)
        assert not report.ok and report.bad_seq == 3 and "ถูกแก้ไข" in report.reason
        r = login_as("admin").post("/auditlogview/verify", follow_redirects=True)
        assert "พบความผิดปกติ" in text_of(r)
        result = app.test_cli_runner().invoke(args=["eoffice", "verify-audit"])
        assert result.exit_code == 1
        _raw(app, f"UPDATE audit_log SET actor_name = {original!r} WHERE seq = 3".replace("None", "NULL"))
        assert dbq(verify_chain).ok
        # Deleting the newest row leaves no broken link behind it: the head catches it.
        last = dbq(lambda s: s.query(AuditLog).order_by(AuditLog.seq.desc()).first().seq)
        _raw(app, f"DELETE FROM audit_log WHERE seq = {last}")
        report = dbq(verify_chain)
        assert not report.ok and report.bad_seq == last
    finally:
        _triggers(app, enabled=True)


def test_search_by_buddhist_era_day(login_as, dbq):
    import datetime as dt

    from app import thai

    c = login_as("admin")
    today = thai.format_date_input(dt.datetime.now(thai.BANGKOK).date())

    def count(query):
        page = c.get("/auditlogview/list/?psize_AuditLogView=100&" + query).get_data(as_text=True)
        return page.count("/auditlogview/show/")

    everything = count("")
    assert everything > 0
    assert count(f"_flt_2_occurred_at={today}") == everything  # all of it happened today
    assert count("_flt_0_occurred_at=01/01/2700") == 0  # from a day far ahead: nothing
    assert count("_flt_1_occurred_at=31/12/2560") == 0  # up to a day long past: nothing
    r = c.get("/auditlogview/list/?_flt_0_occurred_at=01/01/2024", follow_redirects=True)
    assert "คริสต์ศักราช" in text_of(r)  # a Gregorian year is explained, not misread
