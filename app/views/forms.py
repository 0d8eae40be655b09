"""Model forms that offer only what the user may use, and keep what was typed when refused.

- ``offered_fields`` ({field: the service's question ``may(actor)``}): fields only some users
  may set (the Provincial Office mark of an agency, the executives' secretary of a user). Who
  may not set one does not see it. A form that comes back without it leaves the record's value
  as it is; one that comes back with it (a forged post) reaches the service's checks as any
  other value, and the service refuses it: the service stays the backstop.
- A refusal of the service (a domain error raised by ``pre_add``/``pre_update``) draws the same
  form again, answered with the refusal's status, with what was typed (passwords excepted:
  never sent back to the browser) and the message beside the field it is about. FAB would
  flash it and redirect, losing everything typed.
"""

from flask import abort, flash, g, request, session
from flask_appbuilder.urltools import get_order_args, get_page_args, get_page_size_args

from app.services.errors import DomainError

_REFUSAL = "_form_refusal"


def unflash(message):
    """Take back a message flashed in this request (FAB flashes a refusal whole; the form says
    it field by field instead)."""
    flashes = session.get("_flashes")
    if flashes:
        session["_flashes"] = [f for f in flashes if f[1] != message]


class OfferedFields:
    offered_fields = {}

    def not_offered(self):
        actor = getattr(g, "user", None)
        return [name for name, may in self.offered_fields.items() if not may(actor)]

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        return super()._get_add_widget(
            form, exclude_cols=[*(exclude_cols or []), *self.not_offered()], widgets=widgets)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        return super()._get_edit_widget(
            form, exclude_cols=[*(exclude_cols or []), *self.not_offered()], widgets=widgets)

    def process_form(self, form, is_created):
        for name in self.not_offered():
            if name in form and not form[name].raw_data:
                del form[name]  # not offered, not sent: the record keeps its value
        super().process_form(form, is_created)


class KeepsTypedForm:
    def refused(self):
        """The refusal of this request's add or edit, if the service refused it."""
        return g.get(_REFUSAL)

    def pre_add(self, item):
        try:
            super().pre_add(item)
        except DomainError as e:
            g.setdefault(_REFUSAL, e)
            raise

    def pre_update(self, item):
        try:
            super().pre_update(item)
        except DomainError as e:
            g.setdefault(_REFUSAL, e)
            raise

    def _mark(self, form, refusal):
        """Each field the refusal names gets its message beside it (all of them at once). When
        every one of them is beside its field, FAB's flash of the whole refusal above the form
        becomes one line saying how many fields to mend."""
        hidden = self.not_offered() if hasattr(self, "not_offered") else []
        errors = dict(getattr(refusal, "errors", None) or {})
        if not errors and refusal.field:
            errors = {refusal.field: str(refusal)}
        beside = {k: v for k, v in errors.items() if k in form and k not in hidden}
        for name, message in beside.items():
            form[name].errors = [message]
        if beside and len(beside) == len(errors):
            unflash(str(refusal))
            flash(f"กรุณาแก้ไขข้อมูล {len(beside)} ช่องที่มีข้อความสีแดงกำกับไว้", "danger")

    def post_add_redirect(self):
        refusal = g.pop(_REFUSAL, None)
        if refusal is None:
            return super().post_add_redirect()
        form = self.add_form.refresh()
        self._mark(form, refusal)
        widgets = self._get_add_widget(form=form,
                                       exclude_cols=self._filters.get_relation_cols())
        return self.render_template(self.add_template, title=self.add_title,
                                    widgets=widgets), refusal.status

    def post_edit_redirect(self):
        refusal = g.pop(_REFUSAL, None)
        if refusal is None:
            return super().post_edit_redirect()
        pk = self._deserialize_pk_if_composite((request.view_args or {}).get("pk"))
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        form = self.edit_form.refresh(request.form)
        form._id = self.datamodel.get_pk_value(item)
        self._mark(form, refusal)
        widgets = self._get_edit_widget(form=form,
                                        exclude_cols=self._filters.get_relation_cols())
        widgets = self._get_related_views_widgets(
            item, filters={}, orders=get_order_args(), pages=get_page_args(),
            page_sizes=get_page_size_args(), widgets=widgets)
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=self._related_views), refusal.status
