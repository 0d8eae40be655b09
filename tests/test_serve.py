"""`make run` is `flask eoffice serve`: it names the database (never its password) and the
instance folder, refuses a busy port in one Thai line before anything starts, and prints every
demo login, the secretary's too, only once the server answers HTTP. Each server these tests
start is stopped before they end."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from app.cli import describe_database, port_busy
from app.services.demo import DEMO_PASSWORD, SECRETARIES, console_logins, demo_logins


def _env(app, **more):
    return dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
                SECRET_KEY=app.config["SECRET_KEY"],
                EOFFICE_INSTANCE_DIR=app.config["EOFFICE_INSTANCE_DIR"], **more)


def _flask():
    return os.path.join(os.path.dirname(sys.executable), "flask")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_database_is_named_without_its_password():
    shown = describe_database(
        "postgresql+psycopg://eoffice:s3cr3t@db.example:5432/eoffice?sslmode=require"
        "&sslpassword=other")
    assert "s3cr3t" not in shown and "other" not in shown and "***" not in shown
    assert "eoffice@db.example:5432/eoffice" in shown and "sslmode=require" in shown
    assert describe_database("sqlite:////srv/eoffice/instance/eoffice.db") == (
        "SQLite ไฟล์ /srv/eoffice/instance/eoffice.db")


def test_a_busy_port_is_one_thai_line_and_nothing_starts(app):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert f"PORT={port + 1} make run" in port_busy("127.0.0.1", port)
        result = subprocess.run([_flask(), "--app", "app", "eoffice", "serve", "--demo"],
                                env=_env(app, PORT=str(port)), capture_output=True, text=True,
                                timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"พอร์ต {port} ถูกใช้งานอยู่แล้ว (อาจเป็น make run อีกชุดหรือโปรแกรมอื่น): "
        f"ปิดโปรแกรมนั้นก่อน หรือใช้พอร์ตอื่น เช่น PORT={port + 1} make run"]
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout
    assert out.startswith("ฐานข้อมูล (database): ") and "ข้อมูลของระบบ (instance): " in out
    assert "gunicorn" not in out and "Demo logins" not in out
    assert port_busy("127.0.0.1", _free_port()) is None


def test_the_console_logins_are_one_per_level_and_the_secretary():
    rows = console_logins()
    assert [u for _w, u, _p in rows] == [u for _l, u, _p in demo_logins()] + list(SECRETARIES)
    assert all(p == DEMO_PASSWORD for _w, _u, p in rows)
    assert "เลขานุการผู้บริหาร" in rows[-1][0]


def test_serve_prints_the_logins_once_the_server_answers(app):
    port = _free_port()
    process = subprocess.Popen(
        [_flask(), "--app", "app", "eoffice", "serve", "--demo", "--workers", "1"],
        env=_env(app, PORT=str(port)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True)
    lines, answered_before = [], []

    def read():
        for line in process.stdout:
            if line.startswith("Demo logins") and not answered_before:
                answered_before.append(_answers(port))
            lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(
                l.split()[-2:] == ["secretary", DEMO_PASSWORD] for l in lines):
            assert process.poll() is None, "\n".join(lines)
            time.sleep(0.2)
        out = "\n".join(lines)
        assert answered_before == [True], out  # the server answered before the logins
        assert lines[0].startswith("ฐานข้อมูล (database): SQLite") or "postgresql" in lines[0]
        assert out.index("Listening at") < out.index(f"Serving on http://127.0.0.1:{port}")
        for username in ("admin", "central", "clerk.dopa", "group.dopa", "officer.dopa",
                         "secretary"):
            assert any(l.split()[-2:] == [username, DEMO_PASSWORD] for l in lines), username
        assert _answers(port)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert port_busy("127.0.0.1", port) is None  # nothing is left serving


def _answers(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False
