"""The master key of secret letters' files without EOFFICE_MASTER_KEY: generated once into
instance/master_key (mode 0600), the same on every later load and for every worker starting at
once, never overwritten, an invalid file an error rather than replaced; the environment wins.
Over HTTP, an app configured as `make run` configures it (no key given, an instance folder)
gives a secret letter its file, and the key is in no row, no log and no output."""

import base64
import io
import logging
import multiprocessing
import os
import re
import threading
import time

import pytest
from flask_appbuilder import Model

import config
from app.extensions import db
from app.models import Attachment, RegisterEntry
from app.services import attachments as att
from config import MasterKeyFileError, build_config, load_master_key
from tests.conftest import DB, login, make_app, text_of
from tests.test_attachments_service import png_bytes


@pytest.fixture(autouse=True)
def no_key_in_the_environment(monkeypatch):
    monkeypatch.delenv("EOFFICE_MASTER_KEY", raising=False)


def key_bytes(text):
    return base64.b64decode(text, validate=True)


def test_generated_once_with_mode_0600_and_the_same_on_a_second_load(tmp_path):
    folder = tmp_path / "instance"  # not there yet: made
    key, where = load_master_key(str(folder))
    path = folder / "master_key"
    assert where == str(path) and len(key_bytes(key)) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    written, mtime = path.read_bytes(), path.stat().st_mtime_ns
    assert written.decode().strip() == key
    assert load_master_key(str(folder)) == (key, str(path))
    assert path.read_bytes() == written and path.stat().st_mtime_ns == mtime
    assert os.listdir(folder) == ["master_key"]


def test_an_existing_key_is_never_overwritten(tmp_path):
    mine = base64.b64encode(os.urandom(32)).decode()
    (tmp_path / "master_key").write_text(mine + "\n")
    for _ in range(2):
        assert load_master_key(str(tmp_path)) == (mine, str(tmp_path / "master_key"))
    assert (tmp_path / "master_key").read_text() == mine + "\n"


@pytest.mark.parametrize("content", [
    b"not a key at all",
    base64.b64encode(b"sixteen bytes!!!"),  # a key, but of 16 bytes
    b"\xff\xfe\x00 binary",
    b"",  # created, never written: a worker that died at its first start
], ids=["text", "short-key", "binary", "empty"])
def test_an_invalid_key_file_is_an_error_never_replaced(tmp_path, monkeypatch, content):
    monkeypatch.setattr(config, "MASTER_KEY_WAIT_SECONDS", 0.05)
    path = tmp_path / "master_key"
    path.write_bytes(content)
    for load in (lambda: load_master_key(str(tmp_path)),
                 lambda: build_config({"INSTANCE_DIR": str(tmp_path), "MASTER_KEY": None,
                                       "SECRET_KEY": "x"})):
        with pytest.raises(MasterKeyFileError) as e:
            load()
        message = str(e.value)
        assert str(path) in message and "ไม่ถูกต้อง" in message and "EOFFICE_MASTER_KEY" in message
        assert "ไม่สร้างกุญแจใหม่ทับ" in message
        if content.strip():
            assert content.decode("latin-1").strip() not in message  # never the content
    assert path.read_bytes() == content


def test_the_environment_wins_and_no_file_is_written(tmp_path, monkeypatch):
    from_env = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("EOFFICE_MASTER_KEY", from_env)
    assert load_master_key(str(tmp_path)) == (from_env, None)
    assert not (tmp_path / "master_key").exists()
    cfg = build_config({"INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x"})
    assert cfg["MASTER_KEY"] == from_env and cfg["MASTER_KEY_FILE"] is None
    # Even beside a file of its own, the environment wins: production sets it.
    (tmp_path / "master_key").write_text(base64.b64encode(os.urandom(32)).decode())
    assert load_master_key(str(tmp_path)) == (from_env, None)


def test_a_key_given_in_the_configuration_is_kept(tmp_path):
    cfg = build_config({"INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x", "MASTER_KEY": "given"})
    assert cfg["MASTER_KEY"] == "given" and not (tmp_path / "master_key").exists()


def test_threads_loading_at_once_agree_on_one_key(tmp_path):
    barrier, keys = threading.Barrier(16), []

    def load():
        barrier.wait()
        keys.append(load_master_key(str(tmp_path))[0])

    threads = [threading.Thread(target=load) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 16 and len(set(keys)) == 1
    assert (tmp_path / "master_key").read_text().strip() == keys[0]


def _load_in_a_worker(folder, barrier, results):
    barrier.wait()
    try:
        results.put(load_master_key(folder)[0])
    except Exception as e:  # noqa: BLE001 - reported to the test
        results.put(f"error: {e!r}")


def test_workers_starting_at_once_agree_on_one_key(tmp_path):
    """Processes, as gunicorn's workers are: one writes the key, all read that one."""
    fork = multiprocessing.get_context("fork")
    barrier, results = fork.Barrier(8), fork.Queue()
    workers = [fork.Process(target=_load_in_a_worker, args=(str(tmp_path), barrier, results))
               for _ in range(8)]
    for w in workers:
        w.start()
    keys = [results.get(timeout=30) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert len(set(keys)) == 1 and not keys[0].startswith("error"), keys
    assert (tmp_path / "master_key").read_text().strip() == keys[0]
    assert (tmp_path / "master_key").stat().st_mode & 0o777 == 0o600


def test_a_worker_that_finds_the_file_still_empty_waits_for_its_key(tmp_path):
    path = tmp_path / "master_key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # the other worker's
    key = base64.b64encode(os.urandom(32)).decode()

    def write_later():
        time.sleep(0.2)
        os.write(fd, (key + "\n").encode())
        os.close(fd)

    writer = threading.Thread(target=write_later)
    writer.start()
    try:
        assert load_master_key(str(tmp_path))[0] == key
    finally:
        writer.join()


# ---- as `make run` configures it, over HTTP ------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An app as `make run` builds it: no EOFFICE_MASTER_KEY, no MASTER_KEY given, an instance
    folder (MASTER_KEY None is what config.Config holds when the environment has none)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("EOFFICE_MASTER_KEY", raising=False)
        app = make_app(tmp_path_factory.mktemp("makerun"), MASTER_KEY=None)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_secret_letter_is_given_a_file_with_the_generated_key(app, caplog):
    caplog.set_level(logging.DEBUG)
    path = os.path.join(app.config["INSTANCE_DIR"], "master_key")
    assert app.config["MASTER_KEY_FILE"] == path
    assert os.stat(path).st_mode & 0o777 == 0o600
    with open(path, encoding="ascii") as f:
        key_text = f.read().strip()
    assert app.config["MASTER_KEY"] == key_text
    key = att.master_key_bytes(key_text)

    clerk = app.test_client()
    assert login(clerk, "clerk.dopa").status_code == 302
    png = png_bytes()
    r = clerk.post("/agencyincomingview/add", data={
        "speed": "urgent", "secrecy": "secret", "sender": "กองอำนวยการรักษาความมั่นคงภายใน",
        "subject": "แผนรักษาความปลอดภัยบุคคลสำคัญ",
        "files": [(io.BytesIO(png), "แผนผัง.png")]}, content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)[-600:]
    assert "ยังไม่ได้ตั้งค่ากุญแจหลัก" not in text_of(clerk.get(r.headers["Location"]))
    entry_id = int(re.search(r"/show/(\d+)", r.headers["Location"]).group(1))
    a = DB(app)(lambda s: s.query(Attachment).filter_by(entry_id=entry_id).one())
    assert a.wrapped_key is not None and a.filename == "แผนผัง.png"
    with open(os.path.join(app.config["ATTACHMENTS_DIR"], a.storage_name), "rb") as f:
        on_disk = f.read()
    assert png not in on_disk and key not in on_disk
    # Its clerk opens it again: the key read back from the file unwraps it.
    opened = clerk.get(f"/agencyincomingview/file/{entry_id}/{a.id}")
    assert opened.status_code == 200 and opened.data == png
    # So does a second worker, started later on the same instance folder.
    again = build_config({**{k: app.config[k] for k in ("INSTANCE_DIR", "SECRET_KEY")},
                          "MASTER_KEY": None})
    assert again["MASTER_KEY"] == key_text
    assert DB(app)(lambda s: att.read(s.get(Attachment, a.id), app.config["ATTACHMENTS_DIR"],
                                      master_key=again["MASTER_KEY"])) == png

    # The key is in no row of any table, and in no log line.
    def every_row(s):
        return [tuple(row) for table in Model.metadata.sorted_tables
                for row in s.execute(table.select())]

    for row in DB(app)(every_row):
        for value in row:
            if isinstance(value, (bytes, bytearray, memoryview)):
                assert key not in bytes(value) and key_text.encode() not in bytes(value)
            elif isinstance(value, str):
                assert key_text not in value
    assert key_text not in caplog.text
    assert DB(app)(lambda s: s.get(RegisterEntry, entry_id).secrecy) == "secret"


def test_setup_says_where_the_key_is_and_to_back_it_up_never_the_key(app):
    result = app.test_cli_runner().invoke(args=["eoffice", "setup"])
    assert result.exit_code == 0, result.output
    path = app.config["MASTER_KEY_FILE"]
    assert f"master key (กุญแจหลัก): {path}" in result.output
    assert "back it up" in result.output and "สำรองไฟล์นี้ไว้" in result.output
    assert app.config["MASTER_KEY"] not in result.output
