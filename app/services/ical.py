"""iCalendar (RFC 5545) feeds: a meeting room's bookings, an executive's appointments. Written
by hand (a few lines of text), read back in the tests with the ``icalendar`` package.

A calendar application keys an event by its UID and takes a changed copy by its SEQUENCE and
LAST-MODIFIED, so both must be properties of the event, never of the request that fetched the
feed: the UID is ``<kind>-<id>@<domain>`` with one domain for the whole installation
(``uid_domain``), whatever address a worker was reached at; the SEQUENCE is the seconds from the
event's creation to its last change (``sequence``), which grows at every change without a
counter column of its own.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass

# How often a subscribed calendar should fetch the feed again (RFC 7986, and Outlook's own).
REFRESH = "PT15M"


@dataclass
class Event:
    uid: str  # unique and stable: booking-12@domain (``uid``)
    starts_at: object  # naive UTC datetime
    ends_at: object  # naive UTC datetime
    summary: str
    location: str = ""
    description: str = ""
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE, CANCELLED
    last_modified: object = None  # naive UTC datetime of the last change (or the creation)
    sequence: int = 0  # grows at every change (``sequence``)


def uid_domain(config):
    """The right-hand side of every event's UID: EOFFICE_CALENDAR_DOMAIN when set, else a name
    made from the secret key (the same on every worker and host, distinct per installation,
    changed only with the key, as the feeds' addresses are)."""
    domain = (config.get("CALENDAR_DOMAIN") or "").strip()
    if domain:
        return domain
    digest = hmac.new(str(config["SECRET_KEY"]).encode(), b"calendar-uid-domain",
                      hashlib.sha256).hexdigest()[:12]
    return f"eoffice-{digest}.invalid"


def uid(kind, row_id, domain):
    return f"{kind}-{row_id}@{domain}"


def sequence(created_at, changed_at):
    """The event's revision: 0 as created, then the whole seconds from its creation to its last
    change, so that every later change (a second or more apart) gives a greater number."""
    if created_at is None or changed_at is None or changed_at <= created_at:
        return 0
    return int((changed_at - created_at).total_seconds())


_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")  # TEXT holds no control but HTAB (3.3.11)


def text(value):
    """A TEXT value: backslash, semicolon, comma and newlines escaped, other controls dropped
    (3.3.11)."""
    value = (str(value or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
             .replace("\r\n", "\\n").replace("\n", "\\n"))
    return _CONTROL.sub("", value)


def _utc(when):
    return f"{when:%Y%m%dT%H%M%SZ}"


def fold(line):
    """Lines of at most 75 octets, continued with a space (3.1), never inside a character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > (75 if not parts else 74):
            parts.append(current)
            current = b""
        current += b
    parts.append(current)
    return "\r\n ".join(p.decode("utf-8") for p in parts)


def calendar(name, events, stamp, product="meeting rooms"):
    """The feed as text: ``stamp`` (naive UTC) is when it was made."""
    stamp = _utc(stamp)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//e-office//{product}//TH",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{text(name)}",
             "X-WR-TIMEZONE:Asia/Bangkok", f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
             f"X-PUBLISHED-TTL:{REFRESH}"]
    for e in events:
        lines += [
            "BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(e.starts_at)}", f"DTEND:{_utc(e.ends_at)}",
            f"SUMMARY:{text(e.summary)}"]
        if e.last_modified is not None:
            lines.append(f"LAST-MODIFIED:{_utc(e.last_modified)}")
        lines.append(f"SEQUENCE:{int(e.sequence or 0)}")
        if e.location:
            lines.append(f"LOCATION:{text(e.location)}")
        if e.description:
            lines.append(f"DESCRIPTION:{text(e.description)}")
        lines += [f"STATUS:{e.status}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"


def feed_token(kind, key_id, secret_key):
    """The secret in a feed's address (a calendar application cannot log in): an HMAC of what
    the feed is, under the app's secret key."""
    return hmac.new(secret_key.encode(), f"{kind}-feed:{key_id}".encode(),
                    hashlib.sha256).hexdigest()[:32]
