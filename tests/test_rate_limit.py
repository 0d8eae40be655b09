"""Login attempts are rate-limited per address; with REDIS_URL the limit is shared by every worker."""

import os
import uuid

import pytest

from app import create_app
from tests.conftest import IN_CI, make_app

LIMIT = "3 per minute"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _attempt(client):
    return client.post("/login/", data={"username": "admin", "password": "Wrong12345678"}).status_code


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("rl"), AUTH_RATE_LIMIT=LIMIT)


def test_login_posts_beyond_the_limit_get_429(app):
    c = app.test_client()
    assert [_attempt(c) for _ in range(3)] == [302, 302, 302]
    assert _attempt(c) == 429
    assert c.get("/login/").status_code == 200  # the form itself is not limited


def _redis_available():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except Exception:  # noqa: BLE001
        return False


def test_two_workers_share_the_limit_through_redis(app):
    if not _redis_available():
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable", pytrace=False)
        pytest.skip("Redis is not reachable")
    config = {k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "EOFFICE_INSTANCE_DIR")}
    config.update(AUTH_RATE_LIMIT=LIMIT, RATELIMIT_STORAGE_URI=REDIS_URL,
                  RATELIMIT_KEY_PREFIX=f"eoffice-test-{uuid.uuid4().hex}", TESTING=True,
                  WTF_CSRF_ENABLED=False)
    worker1, worker2 = create_app(config), create_app(config)
    a, b = worker1.test_client(), worker2.test_client()
    assert [_attempt(a), _attempt(b), _attempt(a)] == [302, 302, 302]
    assert _attempt(b) == 429
