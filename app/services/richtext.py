"""The formatted text of an announcement: what the editor's HTML may hold, made safe on every
write by an allow-list (``sanitise``): formatting tags only, links only to http, https and mailto,
no attribute but a link's address. Plain text (from a browser without scripts) becomes
paragraphs (``text_to_html``); ``visible_text`` is what a reader would see of it."""

import html
import re

import nh3


ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "h3", "h4", "blockquote",
    "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
})
# Tags dropped with everything inside them (the rest of the unknown tags lose only the tag):
# what they hold is code, a document of its own, or a form's values, never the text of a notice.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
    "math", "template", "noscript", "noembed", "noframes", "xmp", "textarea", "select",
    "option", "button", "title", "head", "canvas", "audio", "video",
})
ALLOWED_ATTRIBUTES = {
    "*": set(),  # none of the generic ones (nh3 would keep title and lang)
    "a": {"href"},
    "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"},  # tables pasted from Word
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# What other editors and pasted pages make, renamed to the nearest tag we keep, so that lines
# and headings survive (a stripped <div> would run two lines together). Only tag names change;
# nh3 then parses the result like any other input.
_RENAMED = (
    (re.compile(r"<(/?)\s*div\b", re.I), r"<\1p"),
    (re.compile(r"<(/?)\s*h[12]\b", re.I), r"<\1h3"),
    (re.compile(r"<(/?)\s*h[56]\b", re.I), r"<\1h4"),
    (re.compile(r"<(/?)\s*(?:strike|del)\b", re.I), r"<\1s"),
)
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")
_TAG = re.compile(r"<[^>]*>")
# A tag of ours, or one renamed to ours, written out whole: the textarea holds markup (a stored
# body edited without the editor), not text that happens to contain "<".
_LOOKS_LIKE_HTML = re.compile(
    r"<\s*/?\s*(?:" + "|".join(sorted(ALLOWED_TAGS | {"div", "h1", "h2", "h5", "h6"}, key=len,
                                    reverse=True)) + r")\b[^<>]*>", re.I)
_INVISIBLE = re.compile(r"[\s\u00a0\u200b\u200c\u200d\u2060\ufeff]+")


def sanitise(body):
    """The HTML ``body`` reduced to the allow-list: formatting tags; a link keeps only its
    address (http, https, mailto; anything else, relative ones included, is dropped) and always
    gets ``rel="noopener noreferrer"``; no style, no event handler, no script, no frame, no
    form, no image. Idempotent."""
    text = str(body or "")
    for pattern, replacement in _RENAMED:
        text = pattern.sub(replacement, text)
    clean = nh3.clean(
        text, tags=set(ALLOWED_TAGS), clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES), url_relative="deny", link_rel="noopener noreferrer",
        strip_comments=True)
    # A browser's editor leaves empty paragraphs around a list it made inside one.
    return _EMPTY_PARAGRAPH.sub("", clean).strip()


def text_to_html(text):
    """Plain text (typed where the editor could not run) as HTML: a blank line starts a new
    paragraph, a line break stays one; everything typed is text, nothing is markup."""
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join("<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
                   for p in paragraphs)


def body_html(raw, body_format="html"):
    """The sanitised HTML of what the form sent. ``html``: the editor's HTML. Anything else
    (the textarea without the editor): markup if it looks like markup (a stored body being
    edited by hand), else plain text."""
    raw = str(raw or "")
    if body_format != "html" and not _LOOKS_LIKE_HTML.search(raw):
        raw = text_to_html(raw)
    return sanitise(raw)


def visible_text(body):
    """The text a reader would see of sanitised ``body``, whitespace collapsed."""
    return _INVISIBLE.sub(" ", html.unescape(_TAG.sub(" ", body or ""))).strip()
