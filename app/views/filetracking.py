"""File-for-signature tracking (manual 8.2): my files, propose a file, search and Excel, a
file's page (where it is, since when, every move, the move form), its cover sheet with a QR code,
the secretaries' queue and the dashboard; the executives and the route, kept by the
administrator. Every rule is in app/services/filetracking.py."""

from urllib.parse import urlencode

from flask import Response, abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField
from sqlalchemy import select
from wtforms.validators import Length, Optional

from app.fields import PlainSelect
from app import thai
from app.access import entry_scope, registers_of
from app.extensions import db
from app.models import RegisterEntry
from app.models.filetracking import EXECUTIVE_KINDS, Executive, FileStage, FileStep, TrackedFile
from app.registers import REGISTERS
from app.services import audit, reports
from app.services import correspondence as corr
from app.services import filetracking as ft
from app.services import paging
from app.services.errors import ValidationFailed
from app.services.exports import xlsx_bytes
from app.views.base import EOfficeModelView, page_arg
from app.views.errors import attempt
from app.views.files import (
    XLSX_MIME,
    disposition,
    serve_file,
    thai_file_name,
    uploads_from,
)
from app.views.filters import ThaiSQLAInterface
from app.views.forms import KeepsTypedForm
from app.views.labels import choices, speed_badge

PAGE_SIZE = 25
SEARCH_FIELDS = ("number", "subject", "executive", "stage", "date_from", "date_to")
# The cover sheet's routing grid: each executive the file passes writes an endorsement by hand.
ROUTING_GRID = reports.Grid(
    title="บันทึกการเสนอและสั่งการ",
    headers=["ลำดับ", "ถึง", "ความเห็น/สั่งการ", "ลงชื่อ", "วันที่"],
    widths=[8, 20, 40, 19, 13], rows=6, row_mm=20.0)


class ProposeForm(DynamicForm):
    subject = TextAreaField(_l("เรื่องที่เสนอ"), [Optional(), Length(max=2000)],
                            widget=BS3TextAreaFieldWidget())
    executive_id = SelectField(_l("เสนอถึง"), choices=[], validate_choice=False,
                               widget=PlainSelect())
    speed = SelectField(_l("ชั้นความเร็ว"), choices=choices(reversed(corr.SPEEDS.items())),
                        validate_choice=False, widget=PlainSelect())
    entry_register = SelectField(_l("ทะเบียนของรายการที่เกี่ยวข้อง"), choices=[],
                                 validate_choice=False)
    entry_number = StringField(_l("เลขทะเบียนของรายการที่เกี่ยวข้อง"), [Optional(), Length(max=120)],
                               description=_l("ถ้ามี: เลขทะเบียน เช่น 12 หรือ 12/2569 "
                                              "หรือเลขที่หนังสือส่ง เช่น พง 0017.2/12"))
    files = MultipleFileField(_l("เอกสารแนบ"), description=_l("PDF รูปภาพ Word หรือ Excel ได้หลายไฟล์"))


def days_text(days):
    """``2 วัน 3 ชั่วโมง``: how long, as people say it."""
    hours = int(round(days * 24))
    d, h = divmod(hours, 24)
    if d and h:
        return f"{d} วัน {h} ชั่วโมง"
    if d:
        return f"{d} วัน"
    return f"{h} ชั่วโมง" if h else "ไม่ถึงชั่วโมง"


class TrackedFileView(EOfficeModelView):
    route_base = "/files"
    datamodel = ThaiSQLAInterface(TrackedFile)
    base_permissions = ["can_list", "can_show", "can_add", "can_move", "can_file", "can_cover",
                        "can_xlsx", "can_dashboard", "can_queue", "can_receive", "can_noted"]
    add_form = ProposeForm
    add_columns = ["subject", "executive_id", "speed", "entry_register", "entry_number", "files"]
    list_columns = show_columns = ["subject"]
    search_columns = ["subject"]

    # A file is never deleted; its attachments are served by ``file``, with the scope.
    def delete(self, pk):
        abort(404)

    def download(self, filename):
        abort(404)

    def edit(self, pk):
        abort(404)

    def may(self, permission):
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _file_or_404(self, pk):
        tracked = ft.visible(db.session, g.user, pk)
        if tracked is None:
            abort(404)
        return tracked

    def _page(self, template, **kwargs):
        return self.render_template(
            template, view=self, format_datetime=thai.format_datetime, days_text=days_text,
            speed_badge=speed_badge, now=thai.utcnow(), **kwargs)

    # ---- lists ------------------------------------------------------------------------------

    @expose("/mine")
    @has_access
    @permission_name("list")
    def mine(self):
        """แฟ้มของฉัน: where each of my files is now, and for how long."""
        return self._page("files/mine.html", files=ft.my_files(db.session, g.user),
                          title=_l("แฟ้มของฉัน"))

    def _criteria(self):
        return {name: request.args.get(name, "").strip() for name in SEARCH_FIELDS}

    @expose("/list/")
    @has_access
    def list(self):
        criteria = self._criteria()
        done = attempt(ft.search, g.user, criteria)
        found = paging.page_of(db.session, done.value, page_arg(), PAGE_SIZE) if done \
            else paging.Page([], False, 1)
        searched = {k: v for k, v in criteria.items() if v}
        return self._page(
            "files/list.html", files=found.rows, more=found.more, page=found.number,
            criteria=criteria, query=urlencode(searched), title=_l("ค้นหาแฟ้ม"),
            executives=ft.executives(db.session),
            stages=db.session.query(FileStage).order_by(FileStage.sort_order).all())

    @expose("/xlsx")
    @has_access
    def xlsx(self):
        done = attempt(ft.search, g.user, self._criteria())
        if not done:
            return redirect(url_for(".list"))
        statement = done.value
        now = thai.utcnow()
        rows = ([f.number_text(), thai.to_bangkok(f.registered_at), f.subject,
                 f.agency.name, f.proposer.get_full_name(), str(f.executive),
                 corr.SPEEDS.get(f.speed, f.speed), f.current.label,
                 f.stage_since and thai.to_bangkok(f.stage_since),
                 round(ft.days_between(f.stage_since, now), 1)]
                for f in db.session.execute(statement).scalars())
        headers = ["เลขที่แฟ้ม", "วันเวลาที่เสนอ", "เรื่อง", "หน่วยงาน", "ผู้เสนอ", "เสนอถึง",
                   "ชั้นความเร็ว", "อยู่ที่ขั้นตอน", "ตั้งแต่", "จำนวนวัน"]
        data = xlsx_bytes("ทะเบียนติดตามแฟ้มเสนอลงนาม", headers, rows,
                          widths=[10, 18, 50, 28, 22, 34, 12, 28, 18, 10])
        audit.record(db.session, "export", detail={"what": "tracked_files",
                                                   "args": request.args.to_dict()})
        db.session.commit()
        return send_file(data, as_attachment=True, mimetype=XLSX_MIME,
                         download_name=thai_file_name("ทะเบียนติดตามแฟ้มเสนอลงนาม", "xlsx"))

    @expose("/queue")
    @has_access
    def queue(self):
        """The secretaries' desk: the files waiting at each stage, oldest first."""
        done = attempt(ft.queue, db.session, g.user)
        if not done:
            return redirect(url_for(".mine"))
        return self._page("files/queue.html", stages=done.value, limit=ft.overdue_days(),
                          first_stage=ft.FIRST_STAGE, title=_l("แฟ้มรอดำเนินการ"))

    @expose("/dashboard")
    @has_access
    def dashboard(self):
        return self._page("files/dashboard.html", rows=ft.dashboard(db.session, g.user),
                          title=_l("สรุปแฟ้มตามขั้นตอน"))

    # ---- propose ------------------------------------------------------------------------------

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        form = ProposeForm.refresh()
        form.executive_id.choices = choices(
            [("", "")] + [(e.id, str(e)) for e in ft.executives(db.session)])
        kept = registers_of(g.user)
        form.entry_register.choices = [("", "")] + [(c, str(REGISTERS[c].label)) for c in kept]
        if request.method == "POST" and form.validate():
            data = {name: form[name].data for name in ("subject", "executive_id", "speed",
                                                       "entry_register", "entry_number")}
            done = attempt(ft.register_file, db.session, g.user, data, uploads=uploads_from())
            if done:
                tracked = done.value
                flash(f"เสนอแฟ้มแล้ว เลขที่แฟ้ม {tracked.number_text()} "
                      "(พิมพ์ใบปะหน้าติดแฟ้มได้จากหน้านี้)", "success")
                return redirect(url_for(".show", pk=tracked.id))
        # Who keeps no register has no register entry to name.
        widget = self._get_add_widget(
            form=form, exclude_cols=[] if kept else ["entry_register", "entry_number"])
        return self.render_template(self.add_template, title=_l("เสนอแฟ้ม"), widgets=widget)

    # ---- one file -------------------------------------------------------------------------------

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        tracked = self._file_or_404(pk)
        # The related register entry, only to those who may see it in its register.
        entry = db.session.execute(select(RegisterEntry).where(
            RegisterEntry.id == tracked.entry_id, entry_scope(g.user))).scalar_one_or_none() \
            if tracked.entry_id else None
        stages = ft.next_stages(db.session, g.user, tracked) if self.may("can_move") else []
        return self._page("files/show.html", tracked=tracked, entry=entry,
                          stays=ft.durations(tracked), next_stages=stages,
                          holders={s.code: ft.holders(db.session, tracked, s) for s in stages},
                          waits_for_owner=ft.waits_for_owner(tracked),
                          is_owner=tracked.proposer_id == g.user.id,
                          entry_register=lambda e: REGISTERS[e.register].label,
                          overdue=ft.overdue_days(), title=tracked.number_text())

    @expose("/move/<pk>", methods=["POST"])
    @has_access
    def move(self, pk):
        tracked = self._file_or_404(pk)
        stage = request.form.get("stage")
        holder = request.form.get(f"holder_{stage}") if isinstance(stage, str) else None
        if attempt(ft.move, db.session, g.user, tracked, stage, request.form.get("note"),
                   holder_id=holder):
            where = f" ({tracked.holder})" if tracked.holder else ""
            flash(f"แฟ้ม {tracked.number_text()}: {tracked.current.label}{where}", "success")
        return redirect(url_for(".show", pk=tracked.id))

    @expose("/receive", methods=["POST"])
    @has_access
    def receive(self):
        """ฝ่ายเลขานุการรับแฟ้ม: several proposed files at once, from the queue."""
        done = attempt(ft.receive, db.session, g.user, request.form.getlist("files"))
        if done:
            received, refused = done.value
            if received:
                flash(f"รับแฟ้มแล้ว {len(received)} แฟ้ม: "
                      + ", ".join(f.number_text() for f in received), "success")
            for tracked, why in refused:
                name = tracked.number_text() if hasattr(tracked, "number_text") else tracked
                flash(f"แฟ้ม {name}: รับไม่ได้ ({why})", "warning")
        return redirect(url_for(".queue"))

    @expose("/noted/<pk>", methods=["POST"])
    @has_access
    def noted(self, pk):
        """The owner took back the file that came back to them."""
        tracked = self._file_or_404(pk)
        if attempt(ft.note_return, db.session, g.user, tracked):
            flash(f"รับแฟ้ม {tracked.number_text()} คืนแล้ว", "success")
        return redirect(url_for(".show", pk=tracked.id))

    @expose("/file/<pk>/<int:file_id>")
    @has_access
    def file(self, pk, file_id):
        tracked = self._file_or_404(pk)
        return serve_file(lambda disposition: ft.open_file(
            db.session, g.user, tracked, file_id, disposition))

    @expose("/cover/<pk>")
    @has_access
    def cover(self, pk):
        """The cover sheet (ใบปะหน้าแฟ้ม): the tracking number and a QR code of the file's page,
        for a secretary to scan from the paper, and a ruled grid for the endorsements written
        on it by hand as the file goes up (ROUTING_GRID)."""
        tracked = self._file_or_404(pk)
        base = current_app.config.get("PUBLIC_URL") or request.url_root
        page_url = base.rstrip("/") + url_for(".show", pk=tracked.id)
        sheet = reports.Sheet(
            title=f"ใบปะหน้าแฟ้มเสนอลงนาม เลขที่แฟ้ม {tracked.number_text()}",
            owner=tracked.agency.name,
            rows=[("เลขที่แฟ้ม", tracked.number_text()), ("เรื่อง", tracked.subject),
                  ("เสนอถึง", str(tracked.executive)),
                  ("ชั้นความเร็ว", corr.SPEEDS.get(tracked.speed, tracked.speed)),
                  ("ผู้เสนอ", f"{tracked.proposer.get_full_name()} "
                              f"({tracked.work_group.name if tracked.work_group else ''})"),
                  ("โทรศัพท์", tracked.proposer.office_phone or tracked.agency.phone or ""),
                  ("วันเวลาที่เสนอ", thai.format_datetime(tracked.registered_at))],
            printed_by=g.user.get_full_name(), printed_at=thai.format_datetime(thai.utcnow()),
            qr=reports.qr_data_uri(page_url), qr_caption=page_url, grids=[ROUTING_GRID])
        return Response(reports.render_sheet_pdf(sheet), mimetype="application/pdf", headers={
            "Content-Disposition": disposition(f"ใบปะหน้าแฟ้ม {tracked.number}-{tracked.year}.pdf")})


# ---- the administrator's: executives and the route ---------------------------------------------


class ExecutiveView(KeepsTypedForm, EOfficeModelView):
    datamodel = ThaiSQLAInterface(Executive)
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    list_title = show_title = _l("ผู้บริหาร")
    add_title = _l("เพิ่มผู้บริหาร")
    edit_title = _l("แก้ไขผู้บริหาร")
    label_columns = {"name": _l("ชื่อ"), "title": _l("ตำแหน่ง"), "kind": _l("ประเภท"),
                     "active": _l("ยังดำรงตำแหน่ง"), "sort_order": _l("ลำดับ")}
    list_columns = ["sort_order", "title", "name", "kind", "active"]
    add_columns = edit_columns = ["name", "title", "kind", "active", "sort_order"]
    formatters_columns = {"kind": lambda v: EXECUTIVE_KINDS.get(v, v)}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField(_l("ประเภท"), choices=choices(EXECUTIVE_KINDS.items()),
                            widget=PlainSelect()),
    }
    base_order = ("sort_order", "asc")


class FileStageView(KeepsTypedForm, EOfficeModelView):
    datamodel = ThaiSQLAInterface(FileStage)
    base_permissions = ["can_list", "can_show", "can_edit"]
    list_title = show_title = _l("ขั้นตอนของแฟ้ม")
    edit_title = _l("แก้ไขขั้นตอน")
    label_columns = {"code": _l("รหัส"), "label": _l("ชื่อขั้นตอน"), "sort_order": _l("ลำดับ"),
                     "terminal": _l("สิ้นสุดเส้นทาง"), "note_required": _l("ต้องบันทึกเหตุผล"),
                     "notify_owner": _l("แจ้งเจ้าของเรื่อง"),
                     "held_by": _l("อยู่ที่ผู้บริหาร (ต้องระบุว่าท่านใด)")}
    list_columns = ["sort_order", "code", "label", "terminal", "note_required", "notify_owner",
                    "held_by"]
    edit_columns = ["label", "sort_order", "note_required", "notify_owner", "held_by"]
    formatters_columns = {"held_by": lambda v: EXECUTIVE_KINDS.get(v, "") if v else ""}
    edit_form_extra_fields = {
        "held_by": SelectField(_l("อยู่ที่ผู้บริหาร (ต้องระบุว่าท่านใด)"),
                               choices=[("", "")] + choices(EXECUTIVE_KINDS.items()),
                               widget=PlainSelect()),
    }

    def pre_update(self, item):
        item.held_by = item.held_by or None  # "" from the form: no executive
        if item.held_by is not None and item.held_by not in EXECUTIVE_KINDS:
            raise ValidationFailed("ประเภทผู้บริหารไม่ถูกต้อง", field="held_by")
        super().pre_update(item)
    base_order = ("sort_order", "asc")


class FileStepView(KeepsTypedForm, EOfficeModelView):
    datamodel = ThaiSQLAInterface(FileStep)
    base_permissions = ["can_list", "can_add", "can_delete"]
    list_title = _l("การส่งต่อที่อนุญาต")
    add_title = _l("เพิ่มการส่งต่อ")
    label_columns = {"from_stage": _l("จากขั้นตอน"), "to_stage": _l("ไปขั้นตอน"),
                     "route": _l("เส้นทาง"), "by": _l("ผู้ส่งต่อ")}
    list_columns = ["from_stage", "to_stage", "route", "by"]
    add_columns = ["from_stage", "to_stage", "route", "by"]
    route_labels = {"any": "ทุกเส้นทาง", "deputy": "แฟ้มถึงรองผู้ว่าฯ", "governor": "แฟ้มถึงผู้ว่าฯ"}
    by_labels = {"secretary": "ฝ่ายเลขานุการ", "owner": "เจ้าของเรื่อง"}
    formatters_columns = {"route": lambda v: FileStepView.route_labels.get(v, v),
                          "by": lambda v: FileStepView.by_labels.get(v, v)}
    add_form_extra_fields = {
        "route": SelectField(_l("เส้นทาง"), choices=choices(route_labels.items()),
                             widget=PlainSelect()),
        "by": SelectField(_l("ผู้ส่งต่อ"), choices=choices(by_labels.items()),
                          widget=PlainSelect()),
    }

    def check_add(self, actor, item):
        """Both ends are stages that exist (their codes are typed): a code that is no stage is
        refused beside its field, not by the database."""
        codes = set(self.datamodel.session.scalars(select(FileStage.code)))
        for name in ("from_stage", "to_stage"):
            if getattr(item, name) not in codes:
                raise ValidationFailed(
                    f"{self.label_columns[name]}: ไม่มีขั้นตอนรหัส \u201c{getattr(item, name)}\u201d "
                    f"(มีรหัส {', '.join(sorted(codes))})", field=name)
