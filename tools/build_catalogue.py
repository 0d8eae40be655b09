"""Rebuild the Thai catalogue after user-visible strings change (`make extract-messages`).

1. Extract the strings of our code, of Flask-AppBuilder and of WTForms into one template.
2. Update translations/{th,en}/LC_MESSAGES/messages.po from it (translations are kept).
3. Fill what is new and mechanical: our own strings are written in Thai (msgstr = msgid in th);
   FAB's and WTForms' are English (msgstr = msgid in en);
   FAB's and WTForms' Thai come from tools/fab_th.py and tools/wtforms_th.py, English for our
   strings from tools/ours_en.py; ``--from other.po`` takes any other
   translations (FAB's strings were first translated this way).
4. Print what is still untranslated and exit 1 if anything is, so that it cannot be forgotten.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

from babel.messages.pofile import read_po, write_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tools.fab_th import FAB_TH  # noqa: E402
from tools.ours_en import OURS_EN  # noqa: E402
from tools.wtforms_th import WTFORMS_TH  # noqa: E402

LOCALES = ("th", "en")


def po_path(locale):
    return os.path.join(ROOT, "translations", locale, "LC_MESSAGES", "messages.po")
PYBABEL = os.path.join(os.path.dirname(sys.executable), "pybabel")
THAI = re.compile(r"[\u0e00-\u0e7f]")


def _package_dir(name):
    module = __import__(name)
    return os.path.dirname(module.__file__)


def extract(pot):
    subprocess.run(
        [PYBABEL, "extract", "-F",
         os.path.join(ROOT, "babel.cfg"), "-k", "lazy_gettext", "-k", "_l", "-k", "__",
         "--no-location", "--sort-output", "-o", pot, os.path.join(ROOT, "app"),
         _package_dir("flask_appbuilder"), _package_dir("wtforms")],
        check=True, stdout=subprocess.DEVNULL,
    )


def update(pot, locale):
    cmd = "update" if os.path.exists(po_path(locale)) else "init"
    args = [PYBABEL, cmd, "-i", pot,
            "-d", os.path.join(ROOT, "translations"), "-l", locale]
    if cmd == "update":
        args += ["--no-fuzzy-matching", "--ignore-obsolete"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def _key(message):
    return message.id[0] if isinstance(message.id, tuple) else message.id


def fill(locale, extra):
    """Thai: our Thai strings are their own translation. English: FAB's and WTForms' English
    strings are; our Thai strings need English written into the catalogue."""
    path = po_path(locale)
    with open(path, "rb") as f:
        catalog = read_po(f, locale=locale)
    known = {**FAB_TH, **WTFORMS_TH} if locale == "th" else dict(OURS_EN)
    for path in extra:
        with open(path, "rb") as f:
            for m in read_po(f):
                if m.id and m.string and (m.string[0] if isinstance(m.string, tuple) else m.string):
                    known.setdefault(_key(m), m.string[0] if isinstance(m.string, tuple) else m.string)
    missing = []
    for m in catalog:
        if not m.id:
            continue
        current = m.string[0] if isinstance(m.string, tuple) else m.string
        if current:
            continue
        key = _key(m)
        source_is_target = bool(THAI.search(key)) == (locale == "th")
        value = key if source_is_target else known.get(key)
        if value is None:
            missing.append(key)
            continue
        m.string = (value,) if isinstance(m.id, tuple) else value
        m.flags.discard("fuzzy")
    catalog.header_comment = (
        f"# {locale} catalogue of the e-office: our strings, Flask-AppBuilder's and WTForms'.")
    with open(path, "wb") as f:
        write_po(f, catalog, width=100)
    return missing


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="extra", action="append", default=[],
                        help="another .po file whose translations may fill empty entries")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "messages.pot")
        extract(pot)
        for locale in LOCALES:
            update(pot, locale)
    failed = False
    for locale in LOCALES:
        missing = fill(locale, args.extra if locale == "th" else [])
        if missing:
            failed = True
            print(f"{len(missing)} strings still need translating in {po_path(locale)}:")
            for m in missing:
                print("  ", m)
        else:
            print(f"{po_path(locale)}: every string is translated")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
