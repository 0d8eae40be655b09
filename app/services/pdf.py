"""Every PDF the e-office makes (reports, sheets, lists, the watermark of secret PDFs) is printed
here: HTML to PDF by Debian's Chromium (``/usr/bin/chromium``), driven headless by Playwright.

Why Chromium: Debian's wkhtmltopdf 0.12.6 (unpatched Qt) writes a broken Thai text layer
(pdftotext reads ``ผูรับจาง``, ``สําหรับ`` and private-use code points, whatever the font) and
WeasyPrint loses สระอำ; Chromium's reads back exactly. Chromium also honours ``@page``, repeats a
table's ``<thead>`` on every page and prints ``หน้า x/y`` in the page's margin
(``footer_template`` with ``pageNumber``/``totalPages``), so nothing is paginated by hand.

One Chromium per process, started by the first PDF and closed after IDLE_SECONDS without one,
driven by a thread of its own: Playwright's sync objects belong to the thread that made them,
and a request may come on any thread (gunicorn's sync workers, the threaded dev server, tests).
Each PDF is printed in a new browser context closed with it, so that nothing (cookies, cache,
storage) passes from one request to the next. A process forked after the browser started (a
worker of a preloaded app) starts its own: the printer is keyed by the process id.

Chromium's Thai clusters are then closed where they end (app/services/textlayer.py), so that
pdftotext reads ``ฝ่าย``, not ``ฝ่ าย``; nothing on the page moves.

The page reads nothing from outside: JavaScript off, the context offline, every request it
would make aborted, and ``file://`` is out of reach of an ``about:blank`` page. Images and fonts
come as ``data:`` URIs; the user's text is escaped by the templates.

A Chromium that is missing or fails raises PrintUnavailable (Thai, 503), which the screens
answer with a page saying so (app/views/errors.py), never a traceback.
"""

import atexit
import base64
import logging
import os
import queue
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

from app.services import textlayer
from app.services.errors import DomainError

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own download is never used
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
TIMEOUT_SECONDS = 60.0  # one PDF, from the request's point of view (a 1,000-row report: ~3 s)
IDLE_SECONDS = 120.0  # a browser unused this long is closed (about 150 MB per worker)
LAUNCH_SECONDS = 20.0

# The system's Thai font (fonts-tlwg-laksaman: TH Sarabun PSK's design, through fontconfig).
# Sarabun's web fonts, when app/static/fonts holds them, come first; Laksaman stays behind
# them for any letter they lack, and stands alone when they are absent.
SYSTEM_FONT = "Laksaman"
FONTS_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
WEB_FONT = "Doc Sarabun"
WEB_FONT_FILES = (  # (file, weight, unicode-range)
    ("sarabun-thai-400-normal.woff2", 400, "U+0E00-0E7F, U+200C-200D, U+25CC"),
    ("sarabun-thai-700-normal.woff2", 700, "U+0E00-0E7F, U+200C-200D, U+25CC"),
    ("sarabun-latin-400-normal.woff2", 400, "U+0000-00FF, U+2000-206F, U+20AC, U+2122"),
    ("sarabun-latin-700-normal.woff2", 700, "U+0000-00FF, U+2000-206F, U+20AC, U+2122"),
)


class PrintUnavailable(DomainError):
    """The PDF could not be printed: Chromium missing, failing, or too slow."""

    status = 503


MISSING = ("ไม่พบโปรแกรม Chromium ที่ใช้สร้างไฟล์ PDF ({path}) จึงสร้างไฟล์ PDF ไม่ได้ "
           "กรุณาแจ้งผู้ดูแลระบบ (ติดตั้งแพ็กเกจ chromium)")
NO_PLAYWRIGHT = ("ไม่พบชุดโปรแกรม Playwright ที่ใช้สั่ง Chromium สร้างไฟล์ PDF จึงสร้างไฟล์ PDF ไม่ได้ "
                 "กรุณาแจ้งผู้ดูแลระบบ (ติดตั้งตาม requirements.txt)")
FAILED = ("สร้างไฟล์ PDF ไม่สำเร็จ (โปรแกรม Chromium ขัดข้อง) กรุณาลองใหม่อีกครั้ง "
          "หากยังพบปัญหา โปรดแจ้งผู้ดูแลระบบ")
TOO_SLOW = "สร้างไฟล์ PDF ไม่เสร็จภายใน {seconds:.0f} วินาที กรุณาลองใหม่อีกครั้ง หรือเลือกช่วงข้อมูลให้น้อยลง"


@dataclass(frozen=True)
class Margins:
    """Page margins in millimetres. The left one is wide enough to punch and bind (≥ 25 mm)."""

    top: float = 15.0
    right: float = 12.0
    bottom: float = 16.0
    left: float = 25.0

    def css(self):
        return f"{self.top}mm {self.right}mm {self.bottom}mm {self.left}mm"


A4 = Margins()


# ---- fonts ---------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _web_font_css(folder, stamp):
    rules = []
    for name, weight, ranges in WEB_FONT_FILES:
        path = Path(folder) / name
        if path.is_file():
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            rules.append(f'@font-face {{ font-family: "{WEB_FONT}"; font-weight: {weight}; '
                         f'src: url(data:font/woff2;base64,{data}) format("woff2"); '
                         f'unicode-range: {ranges}; }}')
    return "\n".join(rules)


def _fonts_stamp(folder):
    """What the font files are now (name, size, time), so that a file added later is seen."""
    found = []
    for name, _weight, _ranges in WEB_FONT_FILES:
        try:
            st = (Path(folder) / name).stat()
        except OSError:
            continue
        found.append((name, st.st_size, st.st_mtime_ns))
    return tuple(found)


def font_css(folder=None):
    """``@font-face`` rules (data: URIs) for Sarabun's web fonts when the folder holds them,
    else nothing: a page then prints in the system's Laksaman."""
    folder = str(folder or FONTS_DIR)
    stamp = _fonts_stamp(folder)
    return Markup(_web_font_css(folder, stamp)) if stamp else Markup("")


def font_family(folder=None):
    """The CSS font-family list: Sarabun first when its files are there, Laksaman behind (in
    single quotes: it goes into style attributes too)."""
    return Markup(f"'{WEB_FONT}', {SYSTEM_FONT}" if _fonts_stamp(str(folder or FONTS_DIR))
                  else SYSTEM_FONT)


def page_footer(left="", font_pt=8.5, margins=A4):
    """A footer for every page: ``left`` (escaped) at the left, ``หน้า x/y`` at the right, both
    within the body's margins."""
    return Markup(
        f'<style>{font_css()}</style>'
        f'<div style="box-sizing: border-box; width: 100%; padding: 0 {margins.right}mm 0 '
        f'{margins.left}mm; display: flex; justify-content: space-between; '
        f'font-family: {font_family()}; font-size: {font_pt}pt; color: #333;">'
        f'<span>{escape(left)}</span>'
        '<span>หน้า <span class="pageNumber"></span>/<span class="totalPages"></span></span>'
        '</div>')


# ---- printing ------------------------------------------------------------------------------------

def html_to_pdf(html, footer="", header="", margins=A4, landscape=False, size=None,
                background=True, chromium=None, timeout=TIMEOUT_SECONDS):
    """The PDF bytes of ``html`` (a whole, self-contained document) on A4, or on ``size``
    (width, height in inches) with ``margins``; ``footer``/``header`` are HTML printed in the
    bottom/top margin of every page (``page_footer``). Raises PrintUnavailable (Thai)."""
    chromium = chromium or chromium_path()
    if not os.access(chromium, os.X_OK):
        log.error("Chromium not found at %s: no PDF can be printed", chromium)
        raise PrintUnavailable(MISSING.format(path=chromium))
    options = {
        "margin": {"top": f"{margins.top}mm", "right": f"{margins.right}mm",
                   "bottom": f"{margins.bottom}mm", "left": f"{margins.left}mm"},
        "print_background": background,
        "display_header_footer": bool(footer or header),
    }
    if size is not None:
        options.update(width=f"{size[0]:.4f}in", height=f"{size[1]:.4f}in")
    else:  # A4 to the millimetre (Playwright's format="A4" is 8.27 x 11.7 inches)
        options.update(width="297mm" if landscape else "210mm",
                       height="210mm" if landscape else "297mm")
    if footer or header:
        # Chromium prints its own date and title in a template left empty.
        options.update(header_template=str(header) or "<span></span>",
                       footer_template=str(footer) or "<span></span>")
    future = _printer().submit(Job(chromium, str(html), options, timeout))
    try:
        data = future.result(timeout=timeout + 5)
    except FutureTimeout:
        log.error("Chromium took more than %.0f s to print a PDF", timeout)
        raise PrintUnavailable(TOO_SLOW.format(seconds=timeout)) from None
    return textlayer.close_mark_gaps(data)


def chromium_path():
    """The app's PDF_CHROMIUM (config.py: EOFFICE_CHROMIUM) within a request, else Debian's."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("PDF_CHROMIUM"):
        return current_app.config["PDF_CHROMIUM"]
    return os.environ.get("EOFFICE_CHROMIUM") or CHROMIUM


@dataclass
class Job:
    chromium: str
    html: str
    options: dict
    timeout: float


class Printer:
    """One Chromium of one process, driven by one thread; jobs wait their turn in a queue."""

    def __init__(self):
        self.pid = os.getpid()
        self.jobs = queue.Queue()
        self.playwright = self.browser = self.chromium = None
        self.thread = threading.Thread(target=self._run, name="pdf-printer", daemon=True)
        self.thread.start()

    def submit(self, job):
        future = Future()
        self.jobs.put((job, future))
        return future

    def stop(self, wait=2.0):
        self.jobs.put(None)
        self.thread.join(wait)

    def _run(self):
        while True:
            try:
                item = self.jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                self._close()
                continue
            if item is None:
                self._close()
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._print(job))
            except BaseException as e:  # noqa: BLE001 - handed to the waiting request
                future.set_exception(e)

    def _print(self, job):
        """One try, and one more with a fresh browser should the first one have died."""
        from playwright.sync_api import Error

        for attempt in (1, 2):
            try:
                browser = self._browser(job.chromium)
                context = browser.new_context(java_script_enabled=False, offline=True)
                try:
                    context.set_default_timeout(job.timeout * 1000)
                    context.route("**/*", lambda route: route.abort())
                    page = context.new_page()
                    page.set_content(job.html, wait_until="load")
                    return page.pdf(**job.options)
                finally:
                    context.close()
            except PrintUnavailable:
                raise
            except Exception as e:  # noqa: BLE001 - Playwright's Error, or its driver's
                log.warning("Chromium failed to print a PDF (try %d): %s", attempt, e,
                            exc_info=attempt == 2 and not isinstance(e, Error))
                self._close()
                if attempt == 2:
                    raise PrintUnavailable(FAILED) from None
        raise AssertionError("unreachable")

    def _browser(self, chromium):
        if self.browser is not None and (self.chromium != chromium
                                         or not self.browser.is_connected()):
            self._close()
        if self.browser is None:
            try:
                from playwright.sync_api import sync_playwright
            except ImportError:
                log.error("Playwright is not installed: no PDF can be printed")
                raise PrintUnavailable(NO_PLAYWRIGHT) from None
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=chromium, args=CHROMIUM_ARGS, timeout=LAUNCH_SECONDS * 1000,
                handle_sigint=False, handle_sigterm=False, handle_sighup=False)
            self.chromium = chromium
        return self.browser

    def _close(self):
        browser, playwright = self.browser, self.playwright
        self.playwright = self.browser = self.chromium = None
        try:
            if browser is not None:
                browser.close()
        except Exception as e:  # noqa: BLE001 - a browser that died is closed already
            log.info("closing the PDF printer's Chromium: %s", e)
        try:
            if playwright is not None:
                playwright.stop()
        except Exception as e:  # noqa: BLE001
            log.info("stopping the PDF printer's Playwright: %s", e)


_lock = threading.Lock()
_printers = {}


def _printer():
    pid = os.getpid()
    with _lock:
        printer = _printers.get(pid)
        if printer is None or not printer.thread.is_alive():
            _printers.clear()  # a parent's printer, copied by fork, has no thread here
            printer = _printers[pid] = Printer()
        return printer


@atexit.register
def _stop_printer():
    printer = _printers.get(os.getpid())
    if printer is not None:
        printer.stop()
