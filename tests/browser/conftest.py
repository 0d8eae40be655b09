"""Browser tests: the real server (Alembic schema, synced roles, demo province, gunicorn) driven
by Debian's Chromium through Playwright.

Chromium is /usr/bin/chromium (`apt-get install chromium`; Playwright's own download is never
used). Without it the browser tests skip, except under CI (CI=true), where they fail.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
SERVER_START_SECONDS = 30
LOG_TAIL_LINES = 150

# Filled by the server fixture; read by pytest_terminal_summary to show the log on failure.
_server_log = {"path": None}


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path, lines=LOG_TAIL_LINES):
    """The end of the server log, without the access lines of static files."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as e:
        return f"(no server log: {e})"
    kept = [line for line in text.splitlines() if '"GET /static/' not in line]
    return "\n".join(kept[-lines:])


def _server_env(tmp):
    env = dict(os.environ)
    env.pop("REDIS_URL", None)  # one worker, limits kept in memory
    env.update({
        "FLASK_APP": "app",
        "DATABASE_URL": f"sqlite:///{tmp / 'eoffice.db'}",
        "EOFFICE_INSTANCE_DIR": str(tmp / "instance"),
        "SECRET_KEY": "browser-test-secret-key-0123456789abcdef0123456789",
        "AUTH_RATE_LIMIT": "1000 per minute",
        "SESSION_COOKIE_SECURE": "0",
        "PYTHONUNBUFFERED": "1",
        "EOFFICE_MASTER_KEY": "dGVzdC1tYXN0ZXIta2V5LTMyLWJ5dGVzLWxvbmctISE=",
    })
    return env


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The base URL of a real e-office (gunicorn, one worker) on a fresh SQLite database."""
    tmp = tmp_path_factory.mktemp("eoffice-server")
    env = _server_env(tmp)
    setup = subprocess.run(
        [sys.executable, "-m", "flask", "eoffice", "setup", "--demo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )
    if setup.returncode != 0:
        pytest.fail(
            f"`flask eoffice setup --demo` exited {setup.returncode}\n"
            f"--- stdout ---\n{setup.stdout}\n--- stderr ---\n{setup.stderr}", pytrace=False)

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp / "server.log"
    _server_log["path"] = log_path
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--access-logfile", "-", "--error-logfile", "-", "app:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _answers(base_url + "/login/"):
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited with {proc.returncode} before answering\n"
                            f"--- server log ---\n{_tail(log_path)}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer {base_url}/login/ within "
                            f"{SERVER_START_SECONDS}s\n--- server log ---\n{_tail(log_path)}",
                            pytrace=False)
            time.sleep(0.2)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def pytest_collection_modifyitems(session, config, items):
    """Menus first, then the screen-by-screen checks: under -x the quick checks of who sees
    what still run (and leave their screenshots) when the catalogue checks fail."""
    here = Path(__file__).parent
    browser = [i for i in items if Path(str(i.path)).parent == here]
    if not browser:
        return
    first = items.index(browser[0])
    rest = [i for i in items if Path(str(i.path)).parent != here]
    ordered = sorted(browser, key=lambda i: 0 if i.path.name == "test_menus.py" else 1)
    items[:] = rest[:first] + ordered + rest[first:]


def pytest_terminal_summary(terminalreporter, exitstatus):
    """When anything failed, show the end of the server's log (tracebacks land there)."""
    path = _server_log["path"]
    if path is None or exitstatus == 0:
        return
    terminalreporter.section(f"server log (last {LOG_TAIL_LINES} lines of {path})")
    terminalreporter.write_line(_tail(path))


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        message = (f"{CHROMIUM} is missing: install Debian's Chromium "
                   f"(apt-get install chromium) to run the browser tests")
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser, server):
    """A fresh browser context (own cookies: not logged in), Thai locale, per test."""
    ctx = browser.new_context(locale="th-TH", base_url=server,
                              viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()
