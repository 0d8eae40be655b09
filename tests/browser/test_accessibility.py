"""Every page of every level's menu, in Chromium, checked as a clerk on a phone and a person who
uses a screen reader or the keyboard meets it: axe-core (the npm package, installed by
`make test` under tests/browser/node_modules) finds no critical or serious WCAG 2.1 A/AA
violation at desktop size, and no page scrolls sideways at 390 px (a phone).

A page's failures are gathered for all pages and levels before the test fails, so that one run
shows everything to mend."""

import json
from pathlib import Path

import pytest

from app.services.demo import DEMO_PASSWORD, SECRETARIES, demo_logins
from tests.browser.conftest import IN_CI
from tests.browser.helpers import login

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Links of the bar that are not pages to check: leaving, or switching the language.
NOT_PAGES = ("/logout", "/lang/", "#", "javascript:")

USERS = [u for _level, u, _p in demo_logins()] + [SECRETARIES[0]]

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations
    .filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""

SIDEWAYS = """() => {
  const page = document.documentElement;
  if (page.scrollWidth <= page.clientWidth + 1) return null;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > page.clientWidth + 1
                 && !e.closest('.table-responsive, .scroll-x'))
    .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                          + (e.className && typeof e.className === 'string'
                             ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
  return {width: page.scrollWidth, wide};
}"""


def _axe_available():
    if AXE.is_file():
        return
    message = f"{AXE} is missing: run `make test` (it installs axe-core with npm)"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _menu_pages(page):
    hrefs = page.eval_on_selector_all(
        "div.navbar a[href]", "links => links.map(a => a.getAttribute('href'))")
    seen = []
    for href in hrefs:
        if href.startswith("/") and not href.startswith(NOT_PAGES) and href not in seen:
            seen.append(href)
    return ["/", *[h for h in seen if h != "/"]]


@pytest.mark.parametrize("username", USERS)
def test_every_menu_page_is_accessible_and_fits_a_phone(browser, server, username):
    _axe_available()
    context = browser.new_context(locale="th-TH", base_url=server, viewport=DESKTOP,
                                  bypass_csp=True)  # axe is injected into our pages' CSP
    context.set_default_timeout(20_000)
    problems = []
    try:
        page = context.new_page()
        login(page, username, DEMO_PASSWORD)
        pages = _menu_pages(page)
        assert len(pages) > 5, pages
        for href in pages:
            page.set_viewport_size(DESKTOP)
            response = page.goto(href)
            if response is None or response.status >= 400:
                problems.append(f"{href}: answered {response and response.status}")
                continue
            page.add_script_tag(path=str(AXE))
            for v in page.evaluate(RUN_AXE, WCAG):
                problems.append(f"{href}: {v['impact']} {v['id']} ({v['nodes']}): "
                                f"{v['help']} {json.dumps(v['targets'], ensure_ascii=False)}")
            page.set_viewport_size(PHONE)
            wide = page.evaluate(SIDEWAYS)
            if wide:
                problems.append(f"{href}: scrolls sideways at 390 px ({wide['width']} px): "
                                f"{wide['wide']}")
    finally:
        context.close()
    assert not problems, f"{username}: {len(problems)} problems\n" + "\n".join(problems)
