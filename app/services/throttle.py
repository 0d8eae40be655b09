"""Counting attempts where every worker and host sees them: the login throttle (the form
``POST /login/`` and the API ``POST /api/v1/security/login`` alike) and the help chat's messages
left without logging in.

What is counted
- Logins: *failed* attempts (a wrong password, an unknown or suspended account name, a locked
  account), under two keys at once: the client address and the account name as typed (case
  folded, as FAB finds it). An attempt goes on to the password only while both keys are below
  the limit (``AUTH_RATE_LIMIT``, "10 per minute"): per address, it stops one machine guessing
  any account; per name, many machines guessing one account (known or not: the answer does not
  tell which). Logging in right uses up nothing: fifty clerks behind one office NAT at 8:30 are
  not throttled by each other's successes, only by failures. A refused attempt tests no
  password, touches no user row and is not counted as an attempt: an attacker who keeps
  hammering stays refused while his failures are in the window, and no longer. Refusals are
  counted apart (``refused:`` keys, fixed windows of the limit's length) so that the audit log
  gets one ``login_throttled`` row per limit reached and window, not one per refused attempt:
  a flood of rows would bury the log, and every row queues behind its chain lock.
- Guest messages (``HELP_GUEST_RATE_LIMIT``): the messages stored, per address; a message that
  was refused for its content (a mistyped number) gives its place back.

An IPv6 address counts by its /64 (what one line or machine is usually given whole: otherwise
an attacker would have 2**64 addresses to spread his attempts over); an IPv4-mapped one as the
IPv4. Account names are hashed in the key: a password typed into the name field is not stored.

Without races: an attempt takes its place *before* the password is tested, the check and the
count in one atomic step, and gives it back when the password was right. Of two workers after
the last place at once, one gets it, the other is refused.

The window slides. A window of W seconds is cut into 60 slots (a slot of 1 s for a minute); a
key's count is the sum of its slots that overlap the last W seconds, the oldest one whole. So no
attempt of the last W seconds is ever missed ("10 per minute" is never more than 10 in any 60
seconds: a burst across a minute boundary is not let through, as it is by the usual estimate
that weighs the previous fixed window), and the count errs on the safe side by at most one slot.
Retry-After is when enough slots have left the window for one more attempt.

Where the counts live
- Redis when ``REDIS_URL`` is set: a hash per key, a field per slot, read and changed by Lua
  scripts (atomic), expiring on its own.
- Otherwise the app's database (table ``throttle_counter``: the SQLite file or PostgreSQL), in
  short transactions of its own, never the request's (a refusal rolls that back). The slot's
  upsert (``INSERT ... ON CONFLICT DO UPDATE``) is the first write of the transaction, so
  SQLite's write lock makes the count and the check that follows one step; on PostgreSQL an
  advisory lock per key, taken first, does the same. A refusal rolls its transaction back: it
  leaves nothing. Rows expire W plus one slot after their slot began; each process deletes the
  expired rows at most once a minute.
- Redis unreachable: the database counts, and the error is logged. A throttle that failed open
  would be none; one that failed shut would lock the whole province out.

Nothing here reads the request: addresses, names, limits and the time come in as arguments.
"""

import dataclasses
import datetime as dt
import hashlib
import ipaddress
import logging
import math
import re
import time

from sqlalchemy import bindparam, text

from app import thai

log = logging.getLogger(__name__)

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
THAI_UNITS = {"second": "วินาที", "minute": "นาที", "hour": "ชั่วโมง", "day": "วัน"}
SLOTS = 60  # slots per window
PRUNE_EVERY_MS = 60_000
REDIS_PREFIX = "eoffice:throttle"
_RATE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.I)

LOGIN_ADDRESS = "login:address:"
LOGIN_ACCOUNT = "login:account:"
GUEST_ADDRESS = "guest:address:"
REFUSED = "refused:"


# ---- limits ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Rate:
    """``amount`` attempts per ``multiples`` ``unit``s ("10 per minute", "3 per 2 hours")."""

    amount: int
    multiples: int
    unit: str

    @property
    def window_ms(self):
        return self.multiples * UNITS[self.unit] * 1000

    @property
    def slot_ms(self):
        return max(1, self.window_ms // SLOTS)

    def thai(self):
        """'10 ครั้งต่อนาที', '3 ครั้งใน 2 ชั่วโมง'."""
        unit = THAI_UNITS[self.unit]
        per = f"ใน {self.multiples} {unit}" if self.multiples > 1 else f"ต่อ{unit}"
        return f"{self.amount} ครั้ง{per}"

    def __str__(self):
        if self.multiples == 1:
            return f"{self.amount} per {self.unit}"
        return f"{self.amount} per {self.multiples} {self.unit}s"


def parse_rate(value):
    """A Rate from "10 per minute", "10/minute", "5 per 30 seconds"; ValueError otherwise."""
    match = _RATE.match(value or "")
    if not match or int(match.group(1)) < 1 or int(match.group(2) or 1) < 1:
        raise ValueError(
            f"อัตราจำกัดไม่ถูกต้อง: {value!r} (ต้องเป็นรูปแบบ \"10 per minute\" หรือ "
            f"\"3 per 2 hours\"; invalid rate limit, expected e.g. \"10 per minute\")")
    return Rate(int(match.group(1)), int(match.group(2) or 1), match.group(3).lower())


# ---- the answer of a count -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Allowance:
    """What the counter answered for one attempt under ``keys``.

    ``allowed``: the attempt took its place (in slot ``slot``, under every key). Refused:
    ``limited`` are the keys at their limit, ``retry_after`` the seconds until one more attempt
    would be allowed under every key, and nothing was counted."""

    allowed: bool
    keys: tuple
    slot: int
    rate: Rate
    now_ms: int
    retry_after: int = 0
    limited: tuple = ()

    def retry_at(self):
        """When one more attempt will be allowed (UTC, aware)."""
        return dt.datetime.fromtimestamp((self.now_ms / 1000) + self.retry_after, dt.timezone.utc)


def _judge(keys, slots, rate, slot, now_ms):
    """The Allowance of one more attempt, given each key's ``slots`` ({key: [(start, count)]},
    the slots that overlap the window, this attempt not among them)."""
    limited, retry_ms = [], 0
    for key in keys:
        rows = sorted(slots.get(key, ()))
        total = sum(count for _start, count in rows)
        if total + 1 <= rate.amount:
            continue
        limited.append(key)
        # The oldest slots leave the window one by one; one more fits once the rest is below.
        remaining = total
        for start, count in rows:
            remaining -= count
            if remaining + 1 <= rate.amount:
                retry_ms = max(retry_ms, start + rate.window_ms + rate.slot_ms - now_ms)
                break
    if not limited:
        return Allowance(True, tuple(keys), slot, rate, now_ms)
    return Allowance(False, tuple(keys), slot, rate, now_ms,
                     retry_after=max(1, math.ceil(retry_ms / 1000)), limited=tuple(limited))


def _bounds(rate, now_ms):
    """(the slot of now, the start after which a slot overlaps the window)."""
    slot = now_ms - now_ms % rate.slot_ms
    return slot, now_ms - rate.window_ms - rate.slot_ms


# ---- the database ------------------------------------------------------------------------------

_UPSERT = text(
    'INSERT INTO throttle_counter ("key", window_start, count, expires_at) '
    "VALUES (:key, :slot, 1, :expires) "
    'ON CONFLICT ("key", window_start) DO UPDATE SET count = throttle_counter.count + 1 '
    "RETURNING count")
_SLOTS = text(
    'SELECT "key", window_start, count FROM throttle_counter '
    'WHERE "key" IN :keys AND window_start > :since'
).bindparams(bindparam("keys", expanding=True))
_GIVE_BACK = text(
    "UPDATE throttle_counter SET count = count - 1 "
    'WHERE "key" IN :keys AND window_start = :slot AND count > 0'
).bindparams(bindparam("keys", expanding=True))
_EMPTIED = text(
    'DELETE FROM throttle_counter WHERE "key" IN :keys AND window_start = :slot AND count <= 0'
).bindparams(bindparam("keys", expanding=True))
_PRUNE = text("DELETE FROM throttle_counter WHERE expires_at <= :now")
# Serialises the counts of one key on PostgreSQL (released at the transaction's end); SQLite's
# single writer does it there.
_LOCK_KEY = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


class DatabaseCounter:
    """The counts in the app's database (see the module's docstring)."""

    def __init__(self, engine):
        self.engine = engine
        self._next_prune = 0

    def _read(self, connection, keys, since):
        slots = {}
        for key, start, count in connection.execute(_SLOTS, {"keys": list(keys),
                                                             "since": since}):
            if count > 0:
                slots.setdefault(key, []).append((start, count))
        return slots

    def take(self, keys, rate, now_ms):
        slot, since = _bounds(rate, now_ms)
        with self.engine.connect() as connection:
            # A key already at its limit is refused on a read: hammering writes nothing.
            answer = _judge(keys, self._read(connection, keys, since), rate, slot, now_ms)
            connection.rollback()
            if not answer.allowed:
                return answer
            with connection.begin() as transaction:
                if connection.dialect.name == "postgresql":
                    for key in sorted(keys):  # one order for all: no deadlock
                        connection.execute(_LOCK_KEY, {"key": key})
                for key in keys:
                    connection.execute(_UPSERT, {
                        "key": key, "slot": slot,
                        "expires": slot + rate.window_ms + rate.slot_ms}).scalar_one()
                slots = self._read(connection, keys, since)
                for key in keys:  # judge without this attempt, as before it
                    slots[key] = [(s, c - 1 if s == slot else c) for s, c in slots[key]]
                answer = _judge(keys, slots, rate, slot, now_ms)
                if not answer.allowed:
                    transaction.rollback()  # refused: nothing of it stays
        if now_ms >= self._next_prune:
            self._next_prune = now_ms + PRUNE_EVERY_MS
            self.prune(now_ms)
        return answer

    def give_back(self, keys, slot, now_ms):
        with self.engine.begin() as connection:
            connection.execute(_GIVE_BACK, {"keys": list(keys), "slot": slot})
            connection.execute(_EMPTIED, {"keys": list(keys), "slot": slot})

    def first_in_window(self, key, window_ms, now_ms):
        """Count one event under ``key`` in the fixed window of ``window_ms`` holding now: True
        for the window's first."""
        start = now_ms - now_ms % window_ms
        with self.engine.begin() as connection:
            count = connection.execute(_UPSERT, {"key": key, "slot": start,
                                                 "expires": start + window_ms}).scalar_one()
        return count == 1

    def prune(self, now_ms):
        """Delete the rows whose time has passed; a failure is logged, never the user's."""
        try:
            with self.engine.begin() as connection:
                return connection.execute(_PRUNE, {"now": now_ms}).rowcount
        except Exception:  # noqa: BLE001 - pruning is housekeeping
            log.exception("could not prune the throttle's counters")
            return 0


# ---- Redis -------------------------------------------------------------------------------------

# KEYS: the counters (hashes: slot start -> count). ARGV: since, slot, amount, ttl (ms).
# Returns {1 if counted else 0, {the slots of each key that overlap the window, before}}.
_TAKE_SCRIPT = """
local since = tonumber(ARGV[1])
local amount = tonumber(ARGV[3])
local allowed = 1
local seen = {}
for i, key in ipairs(KEYS) do
  local fields = redis.call('HGETALL', key)
  local kept = {}
  local total = 0
  for j = 1, #fields, 2 do
    if tonumber(fields[j]) > since then
      total = total + tonumber(fields[j + 1])
      kept[#kept + 1] = fields[j]
      kept[#kept + 1] = fields[j + 1]
    else
      redis.call('HDEL', key, fields[j])
    end
  end
  if total + 1 > amount then allowed = 0 end
  seen[i] = kept
end
if allowed == 1 then
  for i, key in ipairs(KEYS) do
    redis.call('HINCRBY', key, ARGV[2], 1)
    redis.call('PEXPIRE', key, ARGV[4])
  end
end
return {allowed, seen}
"""
_GIVE_BACK_SCRIPT = """
for i, key in ipairs(KEYS) do
  if redis.call('HINCRBY', key, ARGV[1], -1) <= 0 then redis.call('HDEL', key, ARGV[1]) end
end
return 0
"""


class RedisCounter:
    """The counts in Redis (see the module's docstring); keys under ``prefix``."""

    def __init__(self, url, prefix=REDIS_PREFIX):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self._take = self.client.register_script(_TAKE_SCRIPT)
        self._give_back = self.client.register_script(_GIVE_BACK_SCRIPT)

    def _names(self, keys):
        return [f"{self.prefix}:{key}" for key in keys]

    def take(self, keys, rate, now_ms):
        slot, since = _bounds(rate, now_ms)
        counted, seen = self._take(keys=self._names(keys), args=[
            since, slot, rate.amount, rate.window_ms + rate.slot_ms])
        slots = {}
        for key, fields in zip(keys, seen):
            pairs = zip(fields[0::2], fields[1::2])
            slots[key] = [(int(s), int(c)) for s, c in pairs if int(c) > 0]
        answer = _judge(keys, slots, rate, slot, now_ms)
        if bool(counted) != answer.allowed:  # the same rule on both sides; never expected
            log.error("the throttle's Redis script and its judge disagree on %s", keys)
        return answer

    def give_back(self, keys, slot, now_ms):
        self._give_back(keys=self._names(keys), args=[slot])

    def first_in_window(self, key, window_ms, now_ms):
        start = now_ms - now_ms % window_ms
        return bool(self.client.set(f"{self.prefix}:{key}:{start}", 1, nx=True, px=window_ms))


# ---- the store the app uses --------------------------------------------------------------------


class Counter:
    """Redis when given, else (and whenever Redis fails) the database. ``clock`` gives the time
    in seconds (``time.time``; a test may give its own)."""

    def __init__(self, engine, redis_url=None, redis_prefix=REDIS_PREFIX, clock=time.time):
        self.database = DatabaseCounter(engine)
        self.redis = RedisCounter(redis_url, redis_prefix) if redis_url else None
        self.clock = clock

    def now_ms(self):
        return int(self.clock() * 1000)

    def _call(self, method, *args):
        if self.redis is not None:
            from redis import RedisError

            try:
                return getattr(self.redis, method)(*args)
            except RedisError:
                log.exception("Redis is unreachable: the throttle counts in the database")
        return getattr(self.database, method)(*args)

    def take(self, keys, rate):
        """Count one attempt under every key of ``keys`` if each is below ``rate``."""
        return self._call("take", tuple(keys), rate, self.now_ms())

    def give_back(self, allowance):
        """Un-count an allowed attempt (a right password, a message not stored)."""
        if allowance.allowed:
            self._call("give_back", allowance.keys, allowance.slot, self.now_ms())

    def first_in_window(self, key, window_ms):
        return self._call("first_in_window", key, window_ms, self.now_ms())


def counter_for(config, engine, clock=time.time):
    """The app's Counter: Redis if ``REDIS_URL`` is set, else the database of ``engine``."""
    return Counter(engine, config.get("REDIS_URL") or None,
                   config.get("THROTTLE_REDIS_PREFIX") or REDIS_PREFIX, clock)


# ---- keys --------------------------------------------------------------------------------------


def address_key(address):
    """What an address counts as: itself; an IPv6 address by its /64; unknown as 'unknown'."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "unknown")[:100]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def account_key(username):
    """An account name as FAB finds it (case folded), hashed."""
    return hashlib.sha256((username or "").casefold().encode("utf-8")).hexdigest()[:40]


# ---- logins ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LoginAttempt:
    """The throttle's answer to a login attempt. Refused: ``limited_by`` says which limits
    ("address", "account") were reached, ``audit`` whether this refusal is the first of its
    window for one of them (the one the audit log records; see ``begin_login``)."""

    allowance: Allowance
    address: str
    limited_by: tuple = ()
    audit: bool = False

    @property
    def allowed(self):
        return self.allowance.allowed

    @property
    def retry_after(self):
        return self.allowance.retry_after

    def message(self):
        """The refusal, in Thai."""
        rate = self.allowance.rate.thai()
        if "address" in self.limited_by:
            why = f"มีการเข้าสู่ระบบจากเครื่องนี้ไม่สำเร็จครบ {rate}แล้ว"
        else:
            why = f"มีการเข้าสู่ระบบด้วยชื่อผู้ใช้นี้ไม่สำเร็จครบ {rate}แล้ว"
        return (f"{why} ระบบจึงงดตรวจรหัสผ่านชั่วคราว "
                f"กรุณาลองใหม่หลังเวลา {thai.to_bangkok(self.allowance.retry_at()):%H:%M} น. "
                f"({wait_text(self.retry_after)})")


def wait_text(seconds):
    """'อีกประมาณ 40 วินาที', 'อีกประมาณ 3 นาที'."""
    if seconds < 120:
        return f"อีกประมาณ {seconds} วินาที"
    return f"อีกประมาณ {math.ceil(seconds / 60)} นาที"


def begin_login(counter, address, username, rate):
    """Take the place of a login attempt from ``address`` for ``username`` before its password
    is tested. Refused, the refusal is counted (``refused:`` keys, per window of ``rate``) so
    that the audit log gets one row per limit reached and window, not one per attempt: a
    hammering attacker must not be able to flood the log (nor queue every audited write behind
    the log's chain lock). Each refusal is still in the application log."""
    keys = {"address": LOGIN_ADDRESS + address_key(address)}
    if username:
        keys["account"] = LOGIN_ACCOUNT + account_key(username)
    allowance = counter.take(keys.values(), rate)
    if allowance.allowed:
        return LoginAttempt(allowance, address_key(address))
    limited_by = tuple(name for name, key in keys.items() if key in allowance.limited)
    audit = False
    for name in limited_by:
        # Every limit reached is looked at (no short cut): each counts its refusals.
        audit = counter.first_in_window(REFUSED + keys[name], rate.window_ms) or audit
    return LoginAttempt(allowance, address_key(address), limited_by, audit)


def login_succeeded(counter, attempt):
    """A right password: the attempt gives its place back (only failures count)."""
    counter.give_back(attempt.allowance)


# ---- messages left without login --------------------------------------------------------------


def take_guest_message(counter, address, rate):
    """Take the place of a message left from ``address`` before it is stored; give it back
    (``counter.give_back``) if it is not."""
    return counter.take([GUEST_ADDRESS + address_key(address)], rate)


def guest_refusal(allowance):
    """The refusal of a guest message, in Thai."""
    return (f"ฝากข้อความจากเครื่องนี้ครบ {allowance.rate.thai()}แล้ว ระบบยังไม่ได้บันทึกข้อความนี้ "
            f"กรุณาลองใหม่หลังเวลา {thai.to_bangkok(allowance.retry_at()):%H:%M} น. "
            f"({wait_text(allowance.retry_after)})")
