"""Every screen of the administrator's menus answers, without a server error, and in Thai.

"In Thai" is checked from the outside: the visible text of each page carries none of FAB's stock
English interface words. A failure lists every page with the words it shows, so that the Thai
catalogue (translations/th/LC_MESSAGES/messages.po) can be completed in one pass.
"""

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.helpers import (
    RIGHT_MENU,
    THAI,
    all_hrefs,
    catalogue_note,
    describe,
    login,
    read_menus,
)

# FAB's (and WTForms') English as it shows on its screens; matched case-sensitively, whole words.
STOCK_WORDS = [
    "List Users", "List Roles", "List Groups", "Security", "Add a new record", "Record Count",
    "Actions", "Search", "Edit record", "Show record", "Delete record", "Logout", "Profile",
    "Back", "Save", "Page size", "Order by", "Sign In", "Welcome", "No records found",
    "Add Filter", "Base Permissions", "Views/Menus", "Permission on Views/Menus",
    "User's Statistics", "Last login", "Login count", "Created on", "Changed on", "Language",
    # more of FAB's buttons and titles, seen on its list, show and profile screens
    "Add", "Show", "Edit", "Delete", "Your user information", "Reset my password", "Edit User",
    "Enter your login and password below", "Username", "Password", "Login", "Detail",
    "Reset Password", "User Statistics", "Group by", "Login Count", "Failed Login Count",
    "Show Role", "Edit Role", "Add Role", "Name", "Permissions",
    # Python values shown as they are instead of as words
    "None", "True", "False",
]
_STOCK_RE = {w: re.compile(rf"(?<![A-Za-z0-9_']){re.escape(w)}(?![A-Za-z0-9_'])")
             for w in STOCK_WORDS}
SERVER_ERROR = ("Traceback", "Internal Server Error")
# Links of the user menu that are not screens to check: they log out or switch language.
NOT_SCREENS = re.compile(r"^/(logout|lang)/?")
# From each list screen, also open its first record and its forms.
RECORD_LINK = re.compile(r"^/[\w-]+/(add|show/\d+|edit/\d+)/?$")


def english_words(text):
    """The stock words ``text`` shows; a longer phrase hides the words inside it ("Base
    Permissions" is reported once, not also as "Permissions")."""
    found = set()
    for word in sorted(STOCK_WORDS, key=len, reverse=True):
        text, n = _STOCK_RE[word].subn("\x00", text)
        if n:
            found.add(word)
    return [w for w in STOCK_WORDS if w in found]


class Findings:
    """Problems per page, reported together at the end."""

    def __init__(self):
        self.pages = {}
        self.checked = []

    def add(self, page_name, problem):
        if page_name not in self.checked:
            self.checked.append(page_name)
        self.pages.setdefault(page_name, []).append(problem)

    def check(self, page, url, response, name=None):
        """Check the page the browser is on after navigating to ``url``."""
        name = name or url
        if name not in self.checked:
            self.checked.append(name)
        status = response.status if response is not None else None
        if status is None or status >= 500:
            self.add(name, f"HTTP {status}")
        elif status >= 400:
            self.add(name, f"HTTP {status} for the user whose menu links to it")
        landed = urlsplit(page.url).path
        if landed != urlsplit(url).path:
            self.add(name, f"redirected to {landed}")
        html = page.content()
        for marker in SERVER_ERROR:
            if marker in html:
                self.add(name, f"page contains {marker!r}")
        self.check_text(name, page.inner_text("body"))

    def check_text(self, name, text):
        if name not in self.checked:
            self.checked.append(name)
        words = english_words(text)
        if words:
            self.add(name, "English: " + ", ".join(words))

    def report(self, title):
        if not self.pages:
            return ""
        by_word = {}
        for name, problems in self.pages.items():
            for p in problems:
                if p.startswith("English: "):
                    for w in p[len("English: "):].split(", "):
                        by_word.setdefault(w, []).append(name)
        lines = [f"{title}: {len(self.pages)} of {len(self.checked)} pages fail"]
        lines += [f"  {name}\n      " + "\n      ".join(problems)
                  for name, problems in self.pages.items()]
        if by_word:
            lines.append("English words, by the number of pages showing them:")
            lines += [f"  {w!r}: {len(pages)}" for w, pages in
                      sorted(by_word.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
        return "\n".join(lines) + catalogue_note()


def _menu_screens(page):
    """Every screen the user's menus link to (left menus, then the user menu)."""
    hrefs = all_hrefs(read_menus(page)) + all_hrefs(read_menus(page, RIGHT_MENU))
    screens = [h for h in hrefs if h and h.startswith("/") and not NOT_SCREENS.match(h)]
    return list(dict.fromkeys(screens))


def _navbar_text_opened(page):
    """The text of every navbar dropdown item (hidden until opened), with the bar itself."""
    return page.eval_on_selector("div.navbar", "el => el.textContent")


def test_admin_menu_screens_answer_in_thai(page):
    findings = Findings()

    response = page.goto("/login/")  # the one screen everybody sees
    findings.check(page, "/login/", response, name="/login/ (not logged in)")

    login(page, "admin")
    findings.check(page, "/", page.goto("/"), name="/ (home)")
    screens = _menu_screens(page)
    assert "/users/list/" in screens and "/roles/list/" in screens, screens

    # Dropdown items are hidden until opened: check their text once, from the navbar itself.
    findings.check_text("navbar (all dropdowns opened)", _navbar_text_opened(page))

    for url in screens:
        findings.check(page, url, page.goto(url))

    assert not findings.pages, findings.report("administrator's menu screens")


@pytest.mark.parametrize("username", ["central", "clerk.dopa", "group.dopa", "officer.dopa"])
def test_every_level_menu_screens_answer_in_thai(page, username):
    """Levels 2-5: every screen their own menus link to answers, without a redirect (a menu
    never offers what the user may not open), and in Thai."""
    findings = Findings()
    login(page, username)
    findings.check(page, "/", page.goto("/"), name="/ (home)")
    screens = _menu_screens(page)
    assert "/documents/" in screens and "/inbox/" in screens, screens
    for url in screens:
        findings.check(page, url, page.goto(url))
    assert not findings.pages, findings.report(f"{username}'s menu screens")


def test_language_switch_to_english_and_back(page):
    login(page, "admin")
    thai_menus = read_menus(page)

    response = page.goto("/lang/en")
    assert response is not None and response.status < 400
    english_menus = read_menus(page)
    english_items = [t for m in english_menus for t, _h in m.items]
    seen = f"\nmenus in English:\n{describe(english_menus)}"
    assert "List Users" in english_items and "List Roles" in english_items, seen
    assert any(m.label == "Security" for m in english_menus), seen
    lang_links = all_hrefs(read_menus(page, RIGHT_MENU))
    assert "/lang/th" in lang_links and "/lang/en" not in lang_links, lang_links
    # English means English: no Thai left in the menus (the catalogue translates our labels).
    still_thai = [m.label for m in english_menus if THAI.search(m.label)]
    still_thai += [t for t in english_items if THAI.search(t)]

    response = page.goto("/lang/th")
    assert response is not None and response.status < 400
    back_menus = read_menus(page)
    assert back_menus == thai_menus, (
        f"menus after /lang/th differ from before:\n{describe(back_menus)}\n"
        f"before:\n{describe(thai_menus)}")
    lang_links = all_hrefs(read_menus(page, RIGHT_MENU))
    assert "/lang/en" in lang_links and "/lang/th" not in lang_links, lang_links

    assert not still_thai, (
        f"in English, these menu texts are still Thai: {still_thai}{seen}"
        f"{catalogue_note('en')}")


def test_admin_record_screens_answer_in_thai(page):
    """From each list screen of the menus: its add form, its first record's show and edit."""
    login(page, "admin")
    findings = Findings()
    records = []
    for url in _menu_screens(page):
        page.goto(url)
        links = page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.getAttribute('href'))")
        prefix = url.split("/")[1]
        kinds = {}
        for href in links:
            m = RECORD_LINK.match(href)
            if m and href.split("/")[1] == prefix:
                kinds.setdefault(m.group(1).split("/")[0], href)
        records += kinds.values()
    records = list(dict.fromkeys(records))
    assert any("/show/" in r for r in records) and any(r.endswith("/add") for r in records), (
        records)

    for url in records:
        findings.check(page, url, page.goto(url))

    assert not findings.pages, findings.report("administrator's record screens")
