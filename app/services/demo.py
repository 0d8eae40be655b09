"""The demo province: Phang Nga (จังหวัดพังงา), its agencies, groups and a user of every level."""

from werkzeug.security import generate_password_hash

from app.models import Agency, DirectoryContact, EOfficeUser, WorkGroup
from app.models.org import DISTRICT, OTHER

DEMO_PASSWORD = "Phangnga2568"

# (name, code, phone, fax, is_provincial_office, [(kind, group name, group code)])
AGENCIES = [
    ("สำนักงานจังหวัดพังงา", "พง 0017.2", "076-481421", "076-481422", True, [
        ("กลุ่ม", "กลุ่มงานบริหารทั่วไป", "พง 0017.1"),
        ("กลุ่ม", "กลุ่มงานยุทธศาสตร์และข้อมูลเพื่อการพัฒนาจังหวัด", "พง 0017.2"),
        ("กลุ่ม", "กลุ่มงานอำนวยการ", "พง 0017.3"),
        ("ฝ่าย", "ฝ่ายสารบรรณกลาง", None),
    ]),
    ("ที่ทำการปกครองจังหวัดพังงา", "พง 0016.1", "076-412003", "076-412004", False, [
        ("ฝ่าย", "ฝ่ายบริหารงานปกครอง", None),
        ("ฝ่าย", "ฝ่ายความมั่นคง", None),
        ("กลุ่ม", "กลุ่มงานการเจ้าหน้าที่", None),
    ]),
    ("สำนักงานพัฒนาชุมชนจังหวัดพังงา", "พง 0019.1", "076-412010", "076-412011", False, [
        ("กลุ่ม", "กลุ่มงานอำนวยการ", None),
        ("กลุ่ม", "กลุ่มงานส่งเสริมและพัฒนาชุมชน", None),
    ]),
    ("สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดพังงา", "พง 0023.1", "076-412020", "076-412021", False, [
        ("กลุ่ม", "กลุ่มงานบริหารทั่วไป", None),
        ("กลุ่ม", "กลุ่มงานการเงิน บัญชี และการตรวจสอบ", None),
    ]),
    ("สำนักงานสาธารณสุขจังหวัดพังงา", "พง 0033.1", "076-481500", "076-481501", False, [
        ("กลุ่ม", "กลุ่มงานบริหารทั่วไป", None),
        ("กลุ่ม", "กลุ่มงานควบคุมโรคติดต่อ", None),
    ]),
    ("สำนักงานเกษตรจังหวัดพังงา", "พง 0008.1", "076-412030", "076-412031", False, [
        ("ฝ่าย", "ฝ่ายบริหารทั่วไป", None),
        ("กลุ่ม", "กลุ่มยุทธศาสตร์และสารสนเทศ", None),
        ("สาขา", "สำนักงานเกษตรอำเภอตะกั่วป่า", None),
    ]),
    ("สำนักงานโยธาธิการและผังเมืองจังหวัดพังงา", "พง 0021.1", "076-412040", "076-412041", False, [
        ("ฝ่าย", "ฝ่ายบริหารทั่วไป", None),
        ("กอง", "กองผังเมือง", None),
    ]),
]

# The district offices (ที่ว่าการอำเภอ) and another agency, which letters reach through the system
# as the agencies above do: (name, code, phone, kind).
DISTRICTS = [
    ("ที่ว่าการอำเภอเมืองพังงา", "พง 0118.1", "076-411121"),
    ("ที่ว่าการอำเภอเกาะยาว", "พง 0118.2", "076-597123"),
    ("ที่ว่าการอำเภอกะปง", "พง 0118.3", "076-499033"),
    ("ที่ว่าการอำเภอตะกั่วทุ่ง", "พง 0118.4", "076-491329"),
    ("ที่ว่าการอำเภอตะกั่วป่า", "พง 0118.5", "076-421020"),
    ("ที่ว่าการอำเภอคุระบุรี", "พง 0118.6", "076-491440"),
    ("ที่ว่าการอำเภอทับปุด", "พง 0118.7", "076-599046"),
    ("ที่ว่าการอำเภอท้ายเหมือง", "พง 0118.8", "076-571340"),
]
OTHER_AGENCIES = [
    ("การประปาส่วนภูมิภาคสาขาพังงา", "พง 9001", "076-412100"),
]

# The lines of the phone directory that are not users: (agency code, group name or None, name,
# position, phone, extension, mobile).
CONTACTS = [
    ("พง 0017.2", "กลุ่มงานอำนวยการ", "สายตรงผู้ว่าราชการจังหวัดพังงา", "ห้องผู้ว่าราชการจังหวัด",
     "076-481400", "2000", None),
    ("พง 0017.2", None, "นายธีรวัฒน์ เจริญพงศ์", "ผู้ว่าราชการจังหวัดพังงา", "076-481401", "2001",
     None),
    ("พง 0118.1", None, "นายอำเภอเมืองพังงา", "นายอำเภอ", "076-411121", None, None),
]

# (username, first, last, level, agency code, group name, position)
USERS = [
    ("admin", "สมศักดิ์", "แก้วเกลี้ยง", 1, "พง 0017.2",
     "กลุ่มงานยุทธศาสตร์และข้อมูลเพื่อการพัฒนาจังหวัด", "นักวิชาการคอมพิวเตอร์ชำนาญการ"),
    ("central", "สุดา", "ใจดี", 2, "พง 0017.2", "ฝ่ายสารบรรณกลาง", "เจ้าพนักงานธุรการชำนาญงาน"),
    ("clerk.dopa", "วิชัย", "รักงาน", 3, "พง 0016.1", "ฝ่ายบริหารงานปกครอง", "เจ้าพนักงานธุรการ"),
    ("clerk.cdd", "มาลี", "ศรีพังงา", 3, "พง 0019.1", "กลุ่มงานอำนวยการ", "เจ้าพนักงานธุรการ"),
    ("group.dopa", "ประเสริฐ", "มั่นคง", 4, "พง 0016.1", "ฝ่ายความมั่นคง", "เจ้าพนักงานปกครอง"),
    ("officer.dopa", "อรุณี", "ทองดี", 5, "พง 0016.1", "ฝ่ายความมั่นคง", "ปลัดอำเภอ"),
    ("officer.cdd", "กมล", "สายชล", 5, "พง 0019.1", "กลุ่มงานส่งเสริมและพัฒนาชุมชน",
     "นักวิชาการพัฒนาชุมชน"),
    # An officer of the Provincial Office who is also the executives' secretary (a role on top).
    ("secretary", "พิมพ์ชนก", "ศรีสุข", 5, "พง 0017.2", "กลุ่มงานอำนวยการ",
     "เจ้าพนักงานธุรการ ฝ่ายเลขานุการผู้บริหาร"),
]
SECRETARIES = ("secretary",)
# (agency code, name, building, capacity, equipment): meeting rooms.
ROOMS = [
    ("พง 0017.2", "ห้องประชุมพังงาราชานุสรณ์", "ศาลากลางจังหวัดพังงา ชั้น 3", 80,
     "โปรเจคเตอร์ 2 เครื่อง ไมโครโฟน 20 ตัว ระบบประชุมทางไกล"),
    ("พง 0017.2", "ห้องประชุมอำนวยการ", "ศาลากลางจังหวัดพังงา ชั้น 2", 20, "จอ LED โปรเจคเตอร์"),
    ("พง 0016.1", "ห้องประชุมที่ทำการปกครองจังหวัด", "อาคารที่ทำการปกครอง ชั้น 1", 30,
     "โปรเจคเตอร์ ไมโครโฟน 6 ตัว"),
]
# (name, title, kind): the executives: files are proposed to the governor and the deputies;
# all of them keep an agenda.
EXECUTIVES = [
    ("นายธีรวัฒน์ เจริญพงศ์", "ผู้ว่าราชการจังหวัดพังงา", "governor"),
    ("นายสมพงษ์ ทองประเสริฐ", "รองผู้ว่าราชการจังหวัดพังงา", "deputy"),
    ("นางวรรณา พรหมวงศ์", "รองผู้ว่าราชการจังหวัดพังงา", "deputy"),
    ("นายปรีชา สุขสวัสดิ์", "หัวหน้าสำนักงานจังหวัดพังงา", "chief"),
]
# username: (internal extension, mobile, whether the mobile is in the phone directory)
PHONES = {
    "admin": ("2104", "081-2345678", True),
    "central": ("2101", "089-1112233", True),
    "clerk.dopa": ("3101", "086-5556677", False),
    "clerk.cdd": ("4101", "087-3334455", True),
    "group.dopa": ("3205", "082-9990011", False),
    "officer.dopa": ("3206", "083-4445566", False),
    "officer.cdd": ("4202", None, False),
    "secretary": ("2001", "084-7778899", True),
}


def load_demo(session):
    """Create the demo province once; returns False (and changes nothing) if agencies exist."""
    if session.query(Agency.id).first() is not None:
        return False
    groups = {}
    for name, code, phone, fax, is_po, group_rows in AGENCIES:
        agency = Agency(name=name, code=code, phone=phone, fax=fax, is_provincial_office=is_po,
                        address=f"{name} ถนนเพชรเกษม ตำบลท้ายช้าง อำเภอเมืองพังงา จังหวัดพังงา 82000")
        session.add(agency)
        for kind, gname, gcode in group_rows:
            group = WorkGroup(agency=agency, kind=kind, name=gname, code=gcode)
            session.add(group)
            groups[(code, gname)] = group
    for kind, rows in ((DISTRICT, DISTRICTS), (OTHER, OTHER_AGENCIES)):
        for name, code, phone in rows:
            session.add(Agency(name=name, code=code, phone=phone, kind=kind,
                               is_provincial_office=False,
                               address=f"{name} จังหวัดพังงา"))
    session.flush()
    by_code = {a.code: a for a in session.query(Agency)}
    for code, gname, name, position, phone, extension, mobile in CONTACTS:
        session.add(DirectoryContact(
            agency=by_code[code], work_group=groups.get((code, gname)), name=name,
            position=position, phone=phone, extension=extension, mobile=mobile))
    password = generate_password_hash(DEMO_PASSWORD)
    for username, first, last, level, code, gname, position in USERS:
        group = groups[(code, gname)]
        extension, mobile, show_mobile = PHONES.get(username, (None, None, False))
        session.add(EOfficeUser(
            extension=extension, mobile_phone=mobile, show_mobile=show_mobile,
            username=username, first_name=first, last_name=last,
            email=f"{username}@phangnga.example", password=password, active=True,
            level=level, agency=group.agency, work_group=group, position=position,
            office_phone=group.agency.phone, must_change_password=False,
        ))
    session.flush()
    from app.access import SECRETARY
    from app.models.filetracking import Executive
    from flask_appbuilder.security.sqla.models import Role

    role = session.query(Role).filter_by(name=SECRETARY.role).one_or_none()
    if role is not None:  # roles synced (`flask eoffice setup` syncs them first)
        for username in SECRETARIES:
            user = session.query(EOfficeUser).filter_by(username=username).one()
            user.roles = list(user.roles) + [role]
    for i, (name, title, kind) in enumerate(EXECUTIVES):
        session.add(Executive(name=name, title=title, kind=kind, active=True, sort_order=i))
    from app.models.rooms import Room

    for code, name, building, capacity, equipment in ROOMS:
        agency = next(g.agency for (c, _n), g in groups.items() if c == code)
        session.add(Room(name=name, agency=agency, building=building, capacity=capacity,
                         equipment=equipment, active=True))
    session.commit()
    return True


def demo_logins():
    """(level, username, password) for the console."""
    seen, logins = set(), []
    for username, _f, _l, level, *_rest in USERS:
        if level not in seen:
            seen.add(level)
            logins.append((level, username, DEMO_PASSWORD))
    return logins


def console_logins():
    """(who, username, password) for the console: one login per level, then each secretary
    (a role on top of a level, which no level's login shows)."""
    from app.levels import SECRETARY_LABEL, level_label

    rows = [(level_label(level), username, password)
            for level, username, password in demo_logins()]
    level_of = {username: level for username, _f, _l, level, *_rest in USERS}
    rows += [(f"{level_label(level_of[username])} + {SECRETARY_LABEL}", username, DEMO_PASSWORD)
             for username in SECRETARIES]
    return rows


# Letters of the demo registers: (username, register, fields)
LETTERS = [
    ("central", "province_in", {
        "doc_number": "มท 0212.3/ว 4512", "sender": "กระทรวงมหาดไทย", "receiver": "ผู้ว่าราชการจังหวัดพังงา",
        "subject": "การประชุมสัมมนาร่วมจัดทำแผนพัฒนาจังหวัด", "speed": "very_urgent"}),
    ("central", "province_in", {
        "doc_number": "พง 0019.1/123", "sender": "สำนักงานพัฒนาชุมชนจังหวัดพังงา",
        "receiver": "ผู้ว่าราชการจังหวัดพังงา",
        "subject": "ขออนุมัติจัดหาระบบคอมพิวเตอร์ที่มีมูลค่าไม่เกิน 5 ล้านบาท"}),
    ("central", "province_in", {
        "doc_number": "สธ 0201/7788", "sender": "สำนักงานปลัดกระทรวงสาธารณสุข",
        "receiver": "ผู้ว่าราชการจังหวัดพังงา",
        "subject": "การเฝ้าระวังโรคติดต่อในช่วงฤดูฝน", "speed": "most_urgent"}),
    ("clerk.dopa", "agency_in", {
        "doc_number": "พง 0017.2/ว 88", "sender": "สำนักงานจังหวัดพังงา",
        "receiver": "ปลัดจังหวัดพังงา", "subject": "ขอเชิญประชุมกรมการจังหวัดประจำเดือน"}),
    ("clerk.dopa", "out_normal", {
        "receiver": "นายอำเภอทุกอำเภอ", "sender": "ที่ทำการปกครองจังหวัดพังงา",
        "subject": "รายงานผลการปฏิบัติงานด้านความมั่นคง", "speed": "urgent"}),
    ("clerk.dopa", "out_circular", {
        "receiver": "ส่วนราชการทุกแห่ง", "sender": "ที่ทำการปกครองจังหวัดพังงา",
        "subject": "ซักซ้อมแนวทางการจัดงานวันสำคัญของชาติ"}),
    ("clerk.dopa", "order", {"subject": "แต่งตั้งคณะกรรมการตรวจรับพัสดุ"}),
    ("group.dopa", "group_in", {
        "doc_number": "พง 0016.1/456", "sender": "ที่ทำการปกครองจังหวัดพังงา",
        "receiver": "หัวหน้าฝ่ายความมั่นคง", "subject": "การเตรียมความพร้อมรับมือสาธารณภัย"}),
    ("clerk.cdd", "agency_in", {
        "doc_number": "พง 0017.2/ว 88", "sender": "สำนักงานจังหวัดพังงา",
        "receiver": "พัฒนาการจังหวัดพังงา", "subject": "ขอเชิญประชุมกรมการจังหวัดประจำเดือน"}),
]


def load_demo_letters(session):
    """Register the demo letters once (through the service, so that they are numbered as any
    clerk's are); returns False if the registers already hold entries."""
    from app.models import RegisterEntry
    from app.services import correspondence

    if session.query(RegisterEntry.id).first() is not None:
        return False
    for username, register, fields in LETTERS:
        user = session.query(EOfficeUser).filter_by(username=username).one()
        correspondence.register_entry(session, user, register, dict(fields))
    return True


def load_demo_contracts(session, today=None):
    """A few contracts of ที่ทำการปกครองจังหวัด (dopa), dated around ``today`` so that the list and
    the home page show what falls due; returns False if any contract exists already."""
    import datetime as dt

    from app.models.contracts import Contract
    from app.services import contracts
    from app import thai

    if session.query(Contract.id).first() is not None:
        return False
    today = today or thai.today()

    def day(offset):
        return today + dt.timedelta(days=offset)

    clerk = session.query(EOfficeUser).filter_by(username="clerk.dopa").one()
    officer = session.query(EOfficeUser).filter_by(username="officer.dopa").one()
    contracts.register_contract(session, clerk, "bid", {
        "doc_date": day(-75), "subject": "ประกวดราคาจ้างปรับปรุงอาคารที่ว่าการอำเภอตะกั่วป่า",
        "amount": "2,450,000", "method": "e_bidding"})
    contracts.register_contract(session, clerk, "hire", {
        "doc_date": day(-60), "party_name": "ห้างหุ้นส่วนจำกัด ตะกั่วป่าการโยธา",
        "tax_id": "0833556001236", "subject": "จ้างปรับปรุงอาคารที่ว่าการอำเภอตะกั่วป่า",
        "amount": "2,380,000", "method": "e_bidding", "start_on": day(-59), "end_on": day(20),
        "deadline_on": day(20), "warranty_months": "24", "guarantee_type": "bank_guarantee",
        "guarantee_amount": "119,000", "officer_id": officer.id})
    bought = {
        "doc_date": day(-400), "party_name": "บริษัท พังงาไอที จำกัด", "tax_id": "0835561000015",
        "subject": "ซื้อเครื่องคอมพิวเตอร์สำหรับงานทะเบียน 10 เครื่อง", "amount": "235,000",
        "method": "specific", "start_on": day(-400), "end_on": day(-370),
        "deadline_on": day(-370), "warranty_months": "12", "guarantee_type": "cash",
        "guarantee_amount": "11,750", "officer_id": officer.id}
    delivered = contracts.register_contract(session, clerk, "purchase", bought)
    # Delivered a year ago; the guarantee is now due back.
    contracts.update_contract(session, clerk, delivered, {**bought, "status": "completed"})
    return True


# The executives' week: (days from today, start, end, executive kind, title, place, attended by,
# public).
APPOINTMENTS = [
    (0, (9, 0), (10, 30), "governor", "ประชุมหัวหน้าส่วนราชการประจำเดือน",
     "ห้องประชุมพังงาราชานุสรณ์", None, True),
    (0, (13, 30), (16, 0), "deputy", "ตรวจติดตามโครงการพัฒนาแหล่งน้ำ อำเภอตะกั่วทุ่ง",
     "ที่ว่าการอำเภอตะกั่วทุ่ง", None, True),
    (0, (15, 0), (16, 0), "governor", "หารือภาคเอกชนเรื่องการท่องเที่ยว", "ห้องรับรองศาลากลาง",
     "รองผู้ว่าราชการจังหวัด", False),
    (1, (10, 0), (12, 0), "chief", "ประชุมคณะทำงานจัดงานกาชาด", "ห้องประชุมอำนวยการ", None, True),
    (2, (9, 30), (12, 0), "governor", "ประชุมคณะกรมการจังหวัด", "ห้องประชุมพังงาราชานุสรณ์",
     None, True),
]


# Announcements: (username, title, body, public, audience agency codes or None for everyone)
ANNOUNCEMENTS = [
    ("central", "ประกาศวันหยุดราชการกรณีพิเศษ",
     "<p>คณะรัฐมนตรีมีมติให้วันศุกร์ที่ 4 ธันวาคม เป็น<strong>วันหยุดราชการเป็นกรณีพิเศษ</strong></p>"
     "<ul><li>ส่วนราชการที่ให้บริการประชาชนจัดเวรตามความเหมาะสม</li>"
     "<li>หนังสือด่วนที่สุดให้ส่งทางระบบตามปกติ</li></ul>", True, None),
    ("clerk.dopa", "งดใช้ห้องประชุมที่ทำการปกครองจังหวัดชั่วคราว",
     "<p>ห้องประชุมที่ทำการปกครองจังหวัดปิดปรับปรุงระบบเสียงในสัปดาห์หน้า "
     "กรุณาจองห้องประชุมอำนวยการแทน</p>", False, ("พง 0016.1", "พง 0017.2")),
]


def load_demo_day(session, today=None):
    """What a working day starts with, so that the home page has something to show: the
    executives' appointments of the coming days, the announcements, a letter from the province
    waiting for two agencies to accept it, and a booking waiting for approval. Returns False if
    any appointment exists already."""
    import datetime as dt

    from app.models import Agency, RegisterEntry
    from app.models.agenda import Appointment
    from app.models.filetracking import Executive
    from app.models.rooms import Room
    from app.services import agenda, announcements, dispatch, rooms
    from app import thai

    if session.query(Appointment.id).first() is not None:
        return False
    today = today or thai.today()

    def user(username):
        return session.query(EOfficeUser).filter_by(username=username).one()

    for days, start, end, kind, title, place, attended_by, public in APPOINTMENTS:
        executive = session.query(Executive).filter_by(kind=kind).order_by(Executive.id).first()
        day = today + dt.timedelta(days=days)
        agenda.save(session, user("secretary"), {
            "executive_id": executive.id, "title": title, "place": place,
            "attended_by": attended_by, "public": public,
            "starts_at": dt.datetime.combine(day, dt.time(*start)),
            "ends_at": dt.datetime.combine(day, dt.time(*end))})
    for username, title, body, public, codes in ANNOUNCEMENTS:
        agencies = [a.id for a in session.query(Agency).filter(Agency.code.in_(codes))] \
            if codes else []
        announcements.post(session, user(username), {
            "title": title, "body": body, "body_format": "html", "public": public,
            "publish_from": dt.datetime.combine(today, dt.time(8, 0)),
            "everyone": not codes, "agency_ids": agencies})
    letter = session.query(RegisterEntry).filter_by(
        register="province_in", subject="การเฝ้าระวังโรคติดต่อในช่วงฤดูฝน").one_or_none()
    if letter is not None:
        dispatch.dispatch(session, user("central"), letter, [
            a.id for a in session.query(Agency).filter(Agency.code.in_(("พง 0016.1", "พง 0033.1")))],
            note="โปรดพิจารณาดำเนินการในส่วนที่เกี่ยวข้อง")
    room = session.query(Room).filter_by(name="ห้องประชุมที่ทำการปกครองจังหวัด").one()
    day = today + dt.timedelta(days=1)
    rooms.book(session, user("officer.dopa"), room.id, {
        "title": "ประชุมเตรียมงานวันสำคัญของชาติ", "attendees": 15, "projector": True,
        "starts_at": dt.datetime.combine(day, dt.time(14, 0)),
        "ends_at": dt.datetime.combine(day, dt.time(16, 0))})
    return True
