"""Files the tests upload."""

import io

from pypdf import PdfWriter


def pdf_bytes(pages=1, size=(595, 842), marker=None):
    """A PDF of blank A4 pages; ``marker`` goes into its metadata (uncompressed), so that a
    test can look for the file's own bytes in a response."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(*size)
    if marker is not None:
        writer.add_metadata({"/Title": marker})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
