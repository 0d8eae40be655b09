"""Form fields: a date typed and shown in the Buddhist Era, stored as a Gregorian date; a plain
list to choose from."""

from wtforms import Field
from wtforms.widgets import Select, TextInput

from app import thai


class ThaiDateField(Field):
    """Accepts ``18/03/2561``; refuses a Gregorian year with a Thai message (never 543 years off)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        # A number pad on phones (8 digits are a date too); the picker of static/js/thaidate.js.
        kwargs.setdefault("render_kw", {"placeholder": "วว/ดด/ปปปป (พ.ศ.)", "autocomplete": "off",
                                        "class": "form-control", "inputmode": "numeric",
                                        "data-thaidate": "1"})
        super().__init__(label, validators, **kwargs)
        self.raw = None

    def _value(self):
        if self.raw is not None:
            return self.raw
        return thai.format_date_input(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw = valuelist[0]
        self.data = None
        try:
            self.data = thai.parse_date(self.raw)
        except thai.ThaiDateError as e:
            raise ValueError(str(e)) from None


class PlainSelect(Select):
    """The browser's own list (a ``<select>`` in the form's style), for a short fixed list:
    it takes the keyboard as any field does (typing a letter picks the first option starting
    with it) and works on every phone. FAB's select2 boxes, typed into, sent the text to the
    previous field."""

    def __call__(self, field, **kwargs):
        kwargs["class"] = (kwargs.get("class", "") + " form-control").strip()
        return super().__call__(field, **kwargs)


def mark_required(form, names):
    """Mark ``names`` of ``form`` as required for the eye (the form's red *) and for screen
    readers (aria-required), without the browser's own check, which speaks the browser's
    language and would stop the form before our Thai messages beside every field."""
    for name in names:
        if name in form:
            field = form[name]
            field.flags.required = True
            field.render_kw = {**(field.render_kw or {}), "required": False,
                               "aria-required": "true"}
