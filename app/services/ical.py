"""iCalendar (RFC 5545) feeds: a meeting room's bookings, an executive's appointments. Written
by hand (a few lines of text), read back in the tests with the ``icalendar`` package."""

from dataclasses import dataclass


@dataclass
class Event:
    uid: str  # unique and stable: booking-12@host
    starts_at: object  # naive UTC datetime
    ends_at: object  # naive UTC datetime
    summary: str
    location: str = ""
    description: str = ""
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE, CANCELLED


def text(value):
    """A TEXT value: backslash, semicolon, comma and newlines escaped (3.3.11)."""
    return (str(value or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


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
    stamp = f"{stamp:%Y%m%dT%H%M%SZ}"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//e-office//{product}//TH",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{text(name)}",
             "X-WR-TIMEZONE:Asia/Bangkok"]
    for e in events:
        lines += [
            "BEGIN:VEVENT", f"UID:{e.uid}", f"DTSTAMP:{stamp}",
            f"DTSTART:{e.starts_at:%Y%m%dT%H%M%SZ}", f"DTEND:{e.ends_at:%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{text(e.summary)}"]
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
    import hashlib
    import hmac

    return hmac.new(secret_key.encode(), f"{kind}-feed:{key_id}".encode(),
                    hashlib.sha256).hexdigest()[:32]
