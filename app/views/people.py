"""Users: FAB's user screens, extended with agency, group, level and contact; self-service."""

from flask import abort, current_app, flash, g, request
from flask_appbuilder import expose
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.security.forms import ResetPasswordForm, UserInfoEdit
from flask_appbuilder.security.views import (
    ResetMyPasswordView,
    ResetPasswordView,
    UserDBModelView,
    UserGroupModelView,
    UserInfoEditView,
    UserStatsChartView,
)
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from app.fields import PlainSelect
from app import thai
from app.access import scoped, set_up
from app.levels import ADMIN, LEVEL_CHOICES, level_label
from app.models import EOfficeUser
from app.services import org as org_service
from app.services.errors import ValidationFailed
from app.views.base import EOfficeModelRestApi, ServiceChecks, ThaiDisplay
from app.views.forms import KeepsTypedForm, OfferedFields

USER_LABELS = {
    "executive_secretary": _l("เลขานุการผู้บริหาร"),
    "get_full_name": _l("ชื่อ-นามสกุล"),
    "first_name": _l("ชื่อ"),
    "last_name": _l("นามสกุล"),
    "username": _l("ชื่อผู้ใช้"),
    "password": _l("รหัสผ่าน"),
    "conf_password": _l("ยืนยันรหัสผ่าน"),
    "active": _l("สถานะใช้งาน"),
    "status_label": _l("สถานะ"),
    "email": _l("อีเมล"),
    "roles": _l("บทบาท"),
    "groups": _l("กลุ่มสิทธิ์"),
    "agency": _l("หน่วยงาน"),
    "agency.name": _l("หน่วยงาน"),
    "work_group": _l("กลุ่มงาน"),
    "work_group.name": _l("กลุ่มงาน"),
    "level": _l("ระดับสิทธิ์"),
    "level_text": _l("ระดับสิทธิ์"),
    "position": _l("ตำแหน่ง"),
    "office_phone": _l("โทรศัพท์ที่ทำงาน"),
    "extension": _l("เบอร์ภายใน"),
    "mobile_phone": _l("โทรศัพท์มือถือ"),
    "show_mobile": _l("แสดงเบอร์โทรศัพท์มือถือในสมุดโทรศัพท์"),
    "must_change_password": _l("ต้องเปลี่ยนรหัสผ่านเมื่อเข้าสู่ระบบ"),
    "last_login": _l("เข้าสู่ระบบล่าสุด"),
    "login_count": _l("จำนวนครั้งที่เข้าสู่ระบบ"),
    "fail_login_count": _l("จำนวนครั้งที่เข้าสู่ระบบไม่สำเร็จ"),
    "locked_until": _l("ล็อกถึง"),
    "created_on": _l("สร้างเมื่อ"),
    "created_by": _l("สร้างโดย"),
    "changed_on": _l("แก้ไขเมื่อ"),
    "changed_by": _l("แก้ไขโดย"),
}


def _level_choices(form=None, field=None):
    """An agency clerk may give levels 4 and 5 only; the administrator any level."""
    actor = getattr(g, "user", None)
    if getattr(actor, "level", None) == ADMIN:
        return LEVEL_CHOICES
    return [c for c in LEVEL_CHOICES if c[0] in org_service.DELEGABLE_LEVELS]


def _level_field():
    return SelectField(
        _l("ระดับสิทธิ์"), coerce=int, choices=_level_choices, widget=PlainSelect(),
        validators=[DataRequired(message=_l("กรุณาเลือกระดับสิทธิ์"))],
    )


def _secretary_field():
    return BooleanField(
        _l("เลขานุการผู้บริหาร"),
        description=_l("สิทธิ์เพิ่มจากระดับ: ส่งต่อแฟ้มเสนอลงนามระหว่างขั้นตอน "
                       "(กำหนดได้โดยผู้ดูแลระบบเท่านั้น)"))


def _datetime_formatter(value):
    return thai.format_datetime(value)


class EOfficeUserView(ThaiDisplay, OfferedFields, KeepsTypedForm, ServiceChecks, UserDBModelView):
    """Users, scoped: the administrator sees all; an agency clerk their agency's, no admin.

    A user is suspended, never deleted: FAB's delete is not a route here (no button, no
    permission to grant), and its address answers why (``refuse_delete``)."""

    datamodel = SQLAInterface(EOfficeUser)
    list_title = _l("ผู้ใช้งาน")
    show_title = _l("รายละเอียดผู้ใช้งาน")
    add_title = _l("เพิ่มผู้ใช้งาน")
    edit_title = _l("แก้ไขผู้ใช้งาน")
    label_columns = USER_LABELS
    description_columns = {
        "username": _l("ใช้สำหรับเข้าสู่ระบบ"),
        "active": _l("ไม่ลบผู้ใช้งาน ให้ยกเลิกเครื่องหมายเพื่อระงับการใช้งาน"),
        "password": _l("ผู้ใช้งานต้องเปลี่ยนรหัสผ่านนี้เมื่อเข้าสู่ระบบครั้งแรก"),
    }
    list_columns = ["username", "get_full_name", "agency.name", "work_group.name", "level",
                    "position", "status_label"]
    show_fieldsets = [
        (_l("ข้อมูลผู้ใช้งาน"), {"fields": [
            "username", "first_name", "last_name", "email", "position", "office_phone",
            "extension", "mobile_phone", "show_mobile"]}),
        (_l("สังกัดและสิทธิ์"), {"fields": [
            "agency", "work_group", "level_text", "executive_secretary", "status_label",
            "must_change_password"]}),
        (_l("การเข้าสู่ระบบ"), {"fields": [
            "last_login", "login_count", "fail_login_count", "locked_until", "created_on",
            "created_by", "changed_on", "changed_by"], "expanded": False}),
    ]
    user_show_fieldsets = show_fieldsets[:2]
    search_columns = ["username", "first_name", "last_name", "agency", "work_group", "level",
                      "position", "active"]
    order_columns = ["username", "agency.name", "level"]  # the level shown as its label
    base_order = ("username", "asc")
    base_filters = scoped()
    add_form_query_rel_fields = {"agency": set_up(), "work_group": set_up()}
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_form_query_rel_fields = {"agency": scoped(), "work_group": scoped()}
    formatters_columns = {**{k: _datetime_formatter for k in
                             ("last_login", "created_on", "changed_on", "locked_until")},
                          "level": level_label}

    # No show_mobile: whether the mobile is in the phone directory is the user's own choice,
    # made on their profile; nobody else's form can turn it on (see MyInfoForm).
    _common = ["first_name", "last_name", "username", "email", "agency", "work_group", "level",
               "executive_secretary", "position", "office_phone", "extension", "mobile_phone",
               "active"]
    add_columns = _common + ["password", "conf_password"]
    edit_columns = _common
    validators_columns = {}
    add_form_extra_fields = {
        "level": _level_field(),
        "executive_secretary": _secretary_field(),
        "password": PasswordField(
            _l("รหัสผ่าน"),
            description=_l("ผู้ใช้งานต้องเปลี่ยนรหัสผ่านนี้เมื่อเข้าสู่ระบบครั้งแรก"),
            validators=[DataRequired(), PasswordComplexityValidator()],
            widget=BS3PasswordFieldWidget(),
        ),
        "conf_password": PasswordField(
            _l("ยืนยันรหัสผ่าน"),
            validators=[DataRequired(), EqualTo("password", message=_l("รหัสผ่านทั้งสองช่องไม่ตรงกัน"))],
            widget=BS3PasswordFieldWidget(),
        ),
    }
    edit_form_extra_fields = {"level": _level_field(),
                              "executive_secretary": _secretary_field()}
    # The secretary role is offered only to who may give it (the level drop-down offers only
    # the levels the actor may give: _level_choices).
    offered_fields = {"executive_secretary": org_service.may_grant_extra_roles}
    exclude_route_methods = {"delete"}

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("edit")
    def refuse_delete(self, pk):
        """The address FAB's delete had: a Thai refusal (403), nothing changed."""
        org_service.check_user_delete(g.user, None)

    def check_add(self, actor, item):
        org_service.check_user_change(actor, item, creating=True)

    def check_edit(self, actor, item):
        org_service.check_user_change(actor, item)

    def check_delete(self, actor, item):
        org_service.check_user_delete(actor, item)

    def pre_add(self, item):
        super().pre_add(item)  # the delegation check
        UserDBModelView.pre_add(self, item)  # FAB hashes the password
        # A password chosen by someone else is temporary.
        item.must_change_password = True

    def pre_update(self, item):
        super().pre_update(item)
        UserDBModelView.pre_update(self, item)  # FAB stamps changed_on/by


class EOfficeResetPasswordView(ResetPasswordView):
    """Reset another user's password: the same delegation rule as editing them."""

    form_title = _l("ตั้งรหัสผ่านใหม่ให้ผู้ใช้งาน")
    message = _l("ตั้งรหัสผ่านใหม่แล้ว ผู้ใช้งานต้องเปลี่ยนรหัสผ่านเมื่อเข้าสู่ระบบครั้งถัดไป")

    def _target(self):
        user = self.appbuilder.sm.get_user_by_id(request.args.get("pk", type=int) or 0)
        if user is None:
            abort(404)
        org_service.check_password_reset(g.user, user)  # refused: 403, in Thai
        return user

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        self._target()
        return super().this_form_get()

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        self._target()
        return super().this_form_post()

    def form_post(self, form):
        user = self._target()
        self.appbuilder.sm.reset_password(user.id, form.password.data)
        flash(str(self.message), "info")


class MyPasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        _l("รหัสผ่านปัจจุบัน"), validators=[DataRequired()], widget=BS3PasswordFieldWidget()
    )
    password = PasswordField(
        _l("รหัสผ่านใหม่"),
        description=_l("อย่างน้อย 10 ตัวอักษร มีอักษรภาษาอังกฤษตัวพิมพ์ใหญ่ ตัวพิมพ์เล็ก และตัวเลข"),
        validators=[DataRequired(), PasswordComplexityValidator()],
        widget=BS3PasswordFieldWidget(),
    )
    conf_password = PasswordField(
        _l("ยืนยันรหัสผ่านใหม่"),
        validators=[EqualTo("password", message=_l("รหัสผ่านทั้งสองช่องไม่ตรงกัน"))],
        widget=BS3PasswordFieldWidget(),
    )

    def validate_current_password(self, field):
        if not check_password_hash(g.user.password or "", field.data or ""):
            raise ValidationError(_l("รหัสผ่านปัจจุบันไม่ถูกต้อง"))

    def validate_password(self, field):
        if check_password_hash(g.user.password or "", field.data or ""):
            raise ValidationError(_l("รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านเดิม"))


class EOfficeResetMyPasswordView(ResetMyPasswordView):
    form = MyPasswordForm
    form_title = _l("เปลี่ยนรหัสผ่าน")
    message = _l("เปลี่ยนรหัสผ่านเรียบร้อยแล้ว")

    def form_post(self, form):
        self.appbuilder.sm.reset_password(g.user.id, form.password.data)
        flash(str(self.message), "info")


def _at_most(n):
    # A message of our own: WTForms' default one goes through ngettext, which app/i18n.py
    # formats before WTForms gives it %(max)d, and the page fails instead of saying "too long".
    return Length(max=n, message=_l("Field must be at most %(max)d character long."))


class MyInfoForm(UserInfoEdit):
    """The user's own profile: also what the phone directory shows of them."""

    # As long as the columns hold: a longer one was refused by the database while the page
    # said it was saved.
    first_name = StringField(_l("ชื่อ"), validators=[DataRequired(), _at_most(64)],
                             widget=BS3TextFieldWidget())
    last_name = StringField(_l("นามสกุล"), validators=[DataRequired(), _at_most(64)],
                            widget=BS3TextFieldWidget())
    position = StringField(_l("ตำแหน่ง"), validators=[Optional(), _at_most(255)],
                           widget=BS3TextFieldWidget())
    office_phone = StringField(_l("โทรศัพท์ที่ทำงาน"), validators=[Optional(), _at_most(64)],
                               widget=BS3TextFieldWidget())
    extension = StringField(_l("เบอร์ภายใน"), validators=[Optional(), _at_most(16)],
                            widget=BS3TextFieldWidget())
    mobile_phone = StringField(_l("โทรศัพท์มือถือ"), validators=[Optional(), _at_most(64)],
                               widget=BS3TextFieldWidget())
    # Only here: the user's own choice, never the clerk's or the administrator's.
    show_mobile = BooleanField(
        _l("แสดงเบอร์โทรศัพท์มือถือในสมุดโทรศัพท์"),
        description=_l("ถ้าเลือก ผู้ใช้งานทุกคนในจังหวัดจะเห็นและค้นหาเบอร์โทรศัพท์มือถือของท่านได้ "
                       "ถ้าไม่เลือก เบอร์นี้จะไม่แสดงและค้นหาไม่พบในสมุดโทรศัพท์"))


class EOfficeUserInfoEditView(UserInfoEditView):
    form = MyInfoForm
    form_title = _l("แก้ไขข้อมูลส่วนตัว")
    message = _l("บันทึกข้อมูลส่วนตัวแล้ว")


class EOfficeUserApi(EOfficeModelRestApi):
    """Users over REST, with exactly the scope and delegation of the Users screen.

    No DELETE: a user is suspended (``PUT`` with ``"active": false``), never deleted. The
    operation is not in the API's description (OpenAPI) nor a permission to grant; a DELETE
    answers 405 with the way to suspend."""

    resource_name = "users"
    exclude_route_methods = {"delete"}
    datamodel = SQLAInterface(EOfficeUser)
    base_filters = scoped()
    add_query_rel_fields = {"agency": scoped(), "work_group": scoped()}
    edit_query_rel_fields = add_query_rel_fields
    list_columns = ["id", "username", "first_name", "last_name", "email", "agency.id",
                    "agency.name", "work_group.id", "work_group.name", "level", "position",
                    "office_phone", "extension", "mobile_phone", "active"]
    show_columns = list_columns
    # As on the Users screen: no show_mobile, which is the user's own choice (MyInfoForm).
    add_columns = ["username", "first_name", "last_name", "email", "agency", "work_group",
                   "level", "position", "office_phone", "extension", "mobile_phone", "active",
                   "password"]
    edit_columns = [c for c in add_columns if c != "password"]
    search_columns = ["username", "first_name", "last_name", "agency", "work_group", "level",
                      "active"]
    order_columns = ["username", "level"]
    label_columns = USER_LABELS

    check_add = EOfficeUserView.check_add
    check_edit = EOfficeUserView.check_edit
    check_delete = EOfficeUserView.check_delete

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        # Added beside FAB's routes, so that it stays out of the OpenAPI description.
        blueprint.add_url_rule("/<pk>", "refuse_delete", self.refuse_delete, methods=["DELETE"])
        return blueprint

    def refuse_delete(self, pk):
        from app.views.errors import api_response

        response = api_response(405, org_service.USERS_ARE_NOT_DELETED_API)
        response.headers["Allow"] = "GET, PUT"
        return response

    def pre_add(self, item):
        super().pre_add(item)
        try:
            current_app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"](item.password or "")
        except PasswordComplexityValidationError as e:
            self.datamodel.session.rollback()
            raise ValidationFailed(str(e)) from None
        UserDBModelView.pre_add(self, item)
        item.must_change_password = True


class EOfficeUserStatsChartView(UserStatsChartView):
    """FAB's login statistics in Thai: the series, the chart's columns and the search's fields.

    FAB names a chart's columns as it builds the view, over its labels: the group column by the
    last definition's label, each series by its prettified name (``Login Count``); they are
    named again after it. The search offers the users list's own fields, not FAB's (whose dates
    are Gregorian and whose names are English)."""

    label_columns = dict(USER_LABELS)  # a copy: FAB writes into it
    search_columns = ["username", "first_name", "last_name", "agency", "work_group", "level",
                      "active"]
    definitions = [
        {"label": _l("จำนวนครั้งที่เข้าสู่ระบบ"), "group": "username", "series": ["login_count"]},
        {"label": _l("จำนวนครั้งที่เข้าสู่ระบบไม่สำเร็จ"), "group": "username",
         "series": ["fail_login_count"]},
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for column in ("username", "login_count", "fail_login_count"):
            self.label_columns[column] = USER_LABELS[column]

    @expose("/chart/<group_by>")
    @expose("/chart/")
    @has_access
    def chart(self, group_by="0"):
        """FAB's, which takes ``int(group_by)`` as an index of the definitions: anything else
        (a word, 7) was a server error; it is a page that is not there."""
        if str(group_by) not in {str(i) for i in range(len(self.definitions))}:
            abort(404)
        return super().chart(int(group_by))


class EOfficeSecurityGroupView(UserGroupModelView):
    """FAB's security groups (กลุ่มสิทธิ์), with every column labelled in Thai."""

    label_columns = {
        "name": _l("ชื่อ"), "label": _l("ชื่อที่แสดง"), "description": _l("คำอธิบาย"),
        "users": _l("ผู้ใช้งาน"), "roles": _l("บทบาท"),
    }
