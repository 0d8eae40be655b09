"""The user manual (คู่มือการใช้งาน): each level opens its own page, every page renders, and every
page stays honest: the menu paths it quotes are in that level's menu, its table of the level's menu
is the menu the level sees, and every link it holds answers."""

import html
import re
from urllib.parse import urlsplit

import pytest

from app.access import LEVELS
from tests.conftest import text_of

# username -> (level, a section only that level's page has, sections its page must not have)
DEMO = {
    "admin": (1, ("users", "audit-log", "roles", "number-series", "file-setup"), ("province-in",)),
    # The central registry sets up the Provincial Office, as a level 3 their agency.
    "central": (2, ("province-in", "registers", "reserve", "contracts", "agency", "users", "sent"),
                ("audit-log",)),
    "clerk.dopa": (3, ("agency", "users", "registers", "reserve", "contracts"),
                   ("audit-log", "province-in")),
    "group.dopa": (4, ("group-register", "register-work"),
                   ("users", "reserve", "contracts", "registers", "province-in")),
    "officer.dopa": (5, ("inbox", "documents", "files"),
                     ("register-work", "registers", "group-register", "reserve", "contracts",
                      "users", "audit-log")),
}
SECRETARY_SECTIONS = ("secretary", "file-desk", "agenda-desk")
LABELS = {lv.number: str(lv.label) for lv in LEVELS}


def label(fragment):
    """The text of an HTML fragment as a reader sees it: tags gone, entities read, spaces one."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def navbar(page):
    """The menu of a page: {(category, item)} of the bar's left side, and the items of the
    user's own menu (top right, under their name)."""
    left = page[page.index('<ul class="nav navbar-nav">'):page.index("navbar-right")]
    paths = set()
    for chunk in left.split('<li class="dropdown">')[1:]:
        anchors = re.findall(r"<a\b[^>]*>(.*?)</a>", chunk, re.S)
        paths |= {(label(anchors[0]), label(a)) for a in anchors[1:]}
    right = page[page.index("navbar-right"):page.index("</header>")]
    own = right.rsplit('<ul class="dropdown-menu">', 1)[1]
    return paths, {label(a) for a in re.findall(r"<a\b[^>]*>(.*?)</a>", own, re.S)}


def article(page):
    """The manual's own content (not the navigation bar, tabs or table of contents)."""
    return page[page.index('<article id="manual">'):page.index("</article>")]


def sections(page):
    return set(re.findall(r'<h[34] id="([\w-]+)"', article(page)))


def menu_paths(page):
    """[(data-menu attribute or '', [parts])] of every menu path the page quotes."""
    found = re.findall(r'<strong class="menu-path"( data-menu="user")?>(.*?)</strong>',
                       article(page), re.S)
    return [(user, [p.strip() for p in label(text).split("›")]) for user, text in found]


def table_pairs(page, table_id):
    """{(category, item)} of a menu table of the manual."""
    match = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S)
    pairs = set()
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        cells = [label(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        category, items = cells[0], cells[-1]
        for item in items.split(", "):
            item = item.split("›")[-1].strip()
            pairs.add((category, item))
    return pairs


def app_links(page):
    """The paths into the app that the manual's content and tabs link to, fragments removed."""
    body = page[page.index('id="manual-tabs"'):page.index("</article>")]
    paths = set()
    for href in re.findall(r'href="([^"]+)"', body):
        href = html.unescape(href)
        if href.startswith("#"):
            continue
        parts = urlsplit(href)
        assert not parts.netloc, href  # the manual links only into the app
        paths.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


@pytest.fixture(scope="module")
def pages(app):
    """Each demo user's client, their home page and their /manual/ page, fetched once."""
    from tests.conftest import login

    out = {}
    for username in [*DEMO, "secretary"]:
        client = app.test_client()
        r = login(client, username)
        assert r.status_code == 302, username
        home = client.get("/").get_data(as_text=True)
        r = client.get("/manual/")
        assert r.status_code == 200, username
        out[username] = (client, home, r.get_data(as_text=True))
    return out


@pytest.mark.parametrize("username", list(DEMO))
def test_each_level_opens_its_own_page(pages, username):
    level, own, absent = DEMO[username]
    _, _, page = pages[username]
    title = label(re.search(r'<h2 id="manual-title">(.*?)</h2>', page, re.S).group(1))
    assert f"ระดับสิทธิ์ {level} - {LABELS[level]}" in title
    found = sections(page)
    assert set(own) <= found, set(own) - found
    assert not (set(absent) & found), set(absent) & found
    assert not (set(SECRETARY_SECTIONS) & found)  # only the secretaries get their section
    # Its own tab is the active one, and says it is theirs.
    tab = re.search(r'<li class="active">\s*<a href="/manual/(\d)"[^>]*>(.*?)</a>', page, re.S)
    assert tab.group(1) == str(level) and "ระดับของท่าน" in label(tab.group(2))


def test_a_secretary_gets_their_level_and_the_secretaries_section(pages):
    client, _, page = pages["secretary"]
    assert "ระดับสิทธิ์ 5 - ผู้ใช้งานทั่วไป · เลขานุการผู้บริหาร" in text_of(client.get("/manual/"))
    found = sections(page)
    assert set(SECRETARY_SECTIONS) <= found and "inbox" in found
    assert found.isdisjoint({"register-work", "users"})


@pytest.mark.parametrize("path", ["/manual/1", "/manual/2", "/manual/3", "/manual/4",
                                  "/manual/5", "/manual/secretary"])
def test_every_page_renders_for_every_reader(pages, path):
    for username, (client, _, _) in pages.items():
        r = client.get(path)
        assert r.status_code == 200, (username, path)
        page = r.get_data(as_text=True)
        for n in range(1, 6):
            assert f'href="/manual/{n}"' in page  # tabs to all five levels
        assert 'href="/manual/secretary"' in page
        # The table of contents lists exactly the page's sections, in order.
        toc = re.findall(r'<li><a href="#([\w-]+)">', page[page.index('id="manual-toc"'):])
        assert toc == re.findall(r'<h3 id="([\w-]+)"', article(page))
        assert len(toc) >= 3
        if path == "/manual/secretary":
            assert set(SECRETARY_SECTIONS) <= set(toc)


@pytest.mark.parametrize("path", ["/manual/9", "/manual/0", "/manual/6", "/manual/x"])
def test_an_unknown_level_is_not_found(pages, path):
    client, _, _ = pages["officer.dopa"]
    assert client.get(path).status_code == 404


def test_the_manual_needs_a_login(client):
    r = client.get("/manual/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


@pytest.mark.parametrize("username", [*DEMO, "secretary"])
def test_the_menu_of_every_level_links_the_manual(pages, username):
    _, home, _ = pages[username]
    paths, _ = navbar(home)
    assert ("บริการ", "คู่มือการใช้งาน") in paths
    assert 'href="/manual/"' in home


@pytest.mark.parametrize("username", [*DEMO, "secretary"])
def test_every_menu_path_quoted_is_in_the_readers_menu(pages, username):
    _, home, page = pages[username]
    paths, own = navbar(home)
    categories = {c for c, _ in paths}
    quoted = menu_paths(page)
    assert len(quoted) > 10
    for user_menu, parts in quoted:
        if user_menu:
            assert parts[-1] in own, (username, parts)
        elif len(parts) == 1:
            assert parts[0] in categories, (username, parts)
        else:
            assert len(parts) == 2 and tuple(parts) in paths, (username, parts)
    # Nothing else in bold reads like a menu path without being checked as one.
    for tag, attrs, text in re.findall(r"<(strong|b)\b([^>]*)>(.*?)</\1>", article(page), re.S):
        if "›" in text:
            assert 'class="menu-path"' in attrs, text


@pytest.mark.parametrize("username", [*DEMO, "secretary"])
def test_the_menu_table_is_the_menu_the_reader_sees(pages, username):
    _, home, page = pages[username]
    paths, _ = navbar(home)
    described = table_pairs(page, "menu-table")
    if username == "secretary":
        described |= table_pairs(page, "secretary-menu-table")
    assert described == paths


@pytest.mark.parametrize("username", [*DEMO, "secretary"])
def test_every_link_of_the_readers_own_page_opens(pages, username):
    client, _, page = pages[username]
    links = app_links(page)
    assert len(links) > 10
    for path in sorted(links):
        assert client.get(path).status_code == 200, (username, path)


@pytest.mark.parametrize("path", ["/manual/1", "/manual/2", "/manual/3", "/manual/4",
                                  "/manual/secretary"])
def test_links_of_other_levels_pages_exist_for_a_reader_without_their_rights(pages, path):
    """An officer reading another level's page: its links may refuse them (403) or send them
    elsewhere, but none points at nothing or fails."""
    client, _, _ = pages["officer.dopa"]
    for link in sorted(app_links(client.get(path).get_data(as_text=True))):
        assert client.get(link).status_code in (200, 302, 403), (path, link)


def test_the_page_prints_without_the_navigation_bar(pages):
    _, _, page = pages["clerk.dopa"]
    style = page[page.index("@media print"):]
    style = style[:style.index("</style>")]
    assert "header.top" in style and ".navbar" in style and "display: none" in style
    assert 'id="manual-print"' in page and "manual-noprint" in page


def test_the_manual_quotes_the_configured_numbers(app, pages):
    _, _, page = pages["clerk.dopa"]
    text = label(article(page))
    assert f"ภายใน {app.config['RESERVATION_DAYS']} วัน" in text
    assert f"ไม่เกิน {app.config['ATTACHMENT_MAX_MB']} MB" in text
    assert f"นานเกิน {app.config['SESSION_IDLE_MINUTES']} นาที" in text
