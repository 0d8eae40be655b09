"""Files given to and taken from the browser, for every screen and API: the uploads of a form,
a stored file answered inline or as a download, and the Excel type of the exports.

A refusal to give a file (a secret letter's for someone not party to it, a damaged file) is
raised as the services raise it and answered by the one mapping of app/views/errors.py.
"""

from urllib.parse import quote

from flask import Response, abort, request

from app.services.attachments import Upload

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def uploads_from(field_name="files"):
    """The files of the request's form field ``field_name``, read, for the services' checks."""
    return [Upload(filename=f.filename, data=f.read())
            for f in request.files.getlist(field_name) if f and f.filename]


def serve_file(open_file):
    """Answer a request for a stored file: ``open_file(disposition)`` gives (row, bytes), or
    (None, None) for no such file (404). Inline unless the request asks ``download=1``."""
    disposition = "attachment" if request.args.get("download") == "1" else "inline"
    row, data = open_file(disposition)
    if row is None:
        abort(404)
    return file_response(row, data, disposition)


def file_response(stored, data, disposition):
    """The response carrying a stored file (an attachment or a sent document's file)."""
    response = Response(data, mimetype=stored.content_type)
    name = quote(stored.filename)
    response.headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{name}"
    response.headers["Cache-Control"] = "private, no-store"
    # A file is shown as itself, never run as a page of ours.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
