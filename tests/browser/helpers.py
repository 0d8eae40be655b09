"""What the browser tests share: logging in through the form, reading the navbar's menus."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from app.services.demo import DEMO_PASSWORD, USERS

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"

# username -> (full name as the app shows it, level)
DEMO_USERS = {u: (f"{first} {last}", level) for u, first, last, level, *_ in USERS}

THAI = re.compile(r"[\u0e00-\u0e7f]")
LEFT_MENU = "div.navbar ul.nav.navbar-nav:not(.navbar-right) > li"
RIGHT_MENU = "div.navbar ul.nav.navbar-nav.navbar-right > li"


@dataclass
class Menu:
    """A top navbar entry: a dropdown (with items) or a plain link (href, no items)."""

    label: str
    href: str | None = None
    items: list = field(default_factory=list)  # [(text, href)]

    def hrefs(self):
        return [h for _t, h in self.items] + ([self.href] if self.href else [])


def login(page, username, password=DEMO_PASSWORD):
    """Log in through the real form; returns the response of the page landed on."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form [type=submit]")
    assert "/login" not in page.url, (
        f"login as {username} failed: still on {page.url}\n{page.inner_text('body')[:500]}")


def _clean(text):
    return re.sub(r"\s+", " ", text).strip()


def _open_dropdown(page, li):
    li.locator("> a.dropdown-toggle").click()
    li.locator("> ul.dropdown-menu").wait_for(state="visible")


def _close_dropdowns(page):
    page.keyboard.press("Escape")
    page.mouse.click(5, 790)  # a click outside closes any Bootstrap dropdown


def read_menus(page, selector=LEFT_MENU):
    """Every visible top navbar entry, each dropdown opened in turn to read its items."""
    menus = []
    entries = page.locator(selector)
    for i in range(entries.count()):
        li = entries.nth(i)
        if not li.is_visible():
            continue
        toggle = li.locator("> a.dropdown-toggle")
        if toggle.count():
            _open_dropdown(page, li)
            items = []
            links = li.locator("> ul.dropdown-menu a")
            for j in range(links.count()):
                a = links.nth(j)
                if a.is_visible():
                    items.append((_clean(a.inner_text()), a.get_attribute("href")))
            menus.append(Menu(_clean(toggle.inner_text()), items=items))
            _close_dropdowns(page)
        else:
            a = li.locator("> a")
            menus.append(Menu(_clean(a.inner_text()), href=a.get_attribute("href")))
    return menus


def all_hrefs(menus):
    return [h for m in menus for h in m.hrefs()]


def describe(menus):
    lines = []
    for m in menus:
        lines.append(f"  {m.label!r}" + (f" -> {m.href}" if m.href else ""))
        lines.extend(f"      {t!r} -> {h}" for t, h in m.items)
    return "\n".join(lines) or "  (no menus)"


def thai_translation(msgid, locale="th"):
    """``msgid`` as the compiled catalogue of the repository translates it (itself if the
    catalogue is not compiled, or does not translate it): what the server will show."""
    from babel.support import Translations

    directory = ROOT / "translations"
    if not (directory / locale / "LC_MESSAGES" / "messages.mo").exists():
        return msgid
    return Translations.load(str(directory), [locale]).gettext(msgid)


def catalogue_note(locale="th"):
    """A hint for failure messages when the catalogue in use is missing or stale."""
    po = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists():
        return (f"\nNOTE: {mo.relative_to(ROOT)} does not exist: the server runs without a "
                f"compiled {locale} catalogue (run `make translations`).")
    if po.exists() and po.stat().st_mtime > mo.stat().st_mtime:
        return (f"\nNOTE: {mo.relative_to(ROOT)} is older than its .po: run "
                f"`make translations`.")
    return ""
