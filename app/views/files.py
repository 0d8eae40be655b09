"""Files given to and taken from the browser, for every screen and API: the uploads of a form,
a stored file answered inline or as a download, the Excel type of the exports, and the Thai
names (with the Buddhist-Era date) that exports and reports are saved under.

A refusal to give a file (a secret letter's for someone not party to it, a damaged file) is
raised as the services raise it and answered by the one mapping of app/views/errors.py.
"""

import re
from urllib.parse import quote

from flask import Response, abort, request

from app import thai
from app.services.attachments import Upload

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def thai_file_name(title, ext, day=None):
    """``หนังสือรับถึงหน่วยงาน 2569-12-04.xlsx``: what it is, then the Buddhist-Era day (year
    first, so that a folder of them sorts by date); no character a file system refuses."""
    day = day or thai.today()
    title = _NOT_IN_NAMES.sub(" ", str(title)).strip() or "e-office"
    return f"{title} {thai.be_year(day)}-{day:%m-%d}.{ext}"


def disposition(name, kind="inline"):
    """A Content-Disposition header for a file named ``name`` (any language): RFC 6266's UTF-8
    name, with an ASCII one for the oldest browsers."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def uploads_from(field_name="files"):
    """The files of the request's form field ``field_name``, read, for the services' checks."""
    return [Upload(filename=f.filename, data=f.read())
            for f in request.files.getlist(field_name) if f and f.filename]


def serve_file(open_file):
    """Answer a request for a stored file: ``open_file(disposition)`` gives (row, bytes), or
    (None, None) for no such file (404). Inline unless the request asks ``download=1``."""
    kind = "attachment" if request.args.get("download") == "1" else "inline"
    row, data = open_file(kind)
    if row is None:
        abort(404)
    return file_response(row, data, kind)


def file_response(stored, data, kind):
    """The response carrying a stored file (an attachment or a sent document's file)."""
    response = Response(data, mimetype=stored.content_type)
    name = quote(stored.filename)
    response.headers["Content-Disposition"] = f"{kind}; filename*=UTF-8''{name}"
    response.headers["Cache-Control"] = "private, no-store"
    # A file is shown as itself, never run as a page of ours.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
