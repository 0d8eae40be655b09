"""Thai for the strings that come from libraries without a Thai catalogue.

WTForms' own messages ("This field is required.", "Not a valid choice.") are looked up by
Flask-WTF in WTForms' catalogue, which has no Thai; we route them through Flask-Babel, so that
our catalogue (which carries them) answers.
"""

import flask_babel
import flask_wtf.form
from flask_babel import lazy_gettext as _l


class _BabelTranslations:
    def gettext(self, string):
        return flask_babel.gettext(string)

    def ngettext(self, singular, plural, n):
        # Not flask_babel.ngettext: it formats the message with ``num`` alone, and WTForms'
        # length messages carry %(min)d/%(max)d that WTForms fills in itself (a KeyError there).
        return flask_babel.get_translations().ungettext(singular, plural, n)


def install():
    flask_wtf.form.translations = _BabelTranslations()


# Strings shown to users that no extractor finds (they are not wrapped where they are written).
EXTRA_STRINGS = (
    _l("The CSRF token is missing."),
    _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."),
    _l("The CSRF tokens do not match."),
    _l("The CSRF session token is missing."),
    _l("The referrer header is missing."),
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Not a valid integer value."),
    _l("Invalid email address."),
    _l("Invalid input."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field must be at least %(min)d character long."),
    _l("Field must be at most %(max)d character long."),
    _l("Invalid Choice: could not coerce."),
    _l("Choices cannot be None."),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Security"),
    _l("Language"),
)
