"""The six correspondence registers (ทะเบียนหนังสือ), each described once, as data.

Everything in which one register differs from another is here: its name and screen, whose series
numbers it, how its number is written, which letter fields it records, who keeps it, whether its
numbers may be reserved, to whom its letters are sent on, and which deliveries it accepts. The
services, the views, the API, dispatch and access read these descriptions; none of them asks
``if register == "order"``.

Who keeps a register follows from whose series numbers it: the province's (the central registry),
an agency's (its clerks, and the central registry above them), a group's (its clerk, the agency's
clerks and the central registry). Level 1 keeps every register; level 5 none.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.levels import ADMIN, AGENCY_CLERK, CENTRAL_CLERK, GROUP_CLERK

# To whom a letter is sent on (a delivery's recipient kind): the province (its governor: the
# central registry receives it into หนังสือรับถึงจังหวัด), an agency (the Provincial Office among
# them, as an agency), a group, a person.
TO_PROVINCE, TO_AGENCY, TO_GROUP, TO_PERSON = "province", "agency", "group", "person"

# How a register writes its number (RegisterEntry.number_text).
RECEIPT = "receipt"  # the receipt number alone: 12
LETTER = "letter"  # the agency's code and the number: พง 0017.2/12 (ลับ: พง 0017.2/ลับ 12)
CIRCULAR = "circular"  # a circular letter's: พง 0017.2/ว 12
ORDER = "order"  # an order's number and year: 12/2569

# A letter's fields, in the forms' order; an order records no parties.
LETTER_FIELDS = ("doc_number", "doc_date", "sender", "receiver", "subject", "action", "remarks",
                 "speed", "secrecy")
PARTY_FIELDS = ("doc_number", "sender", "receiver")

# The lowest level that keeps a register whose series is whose.
KEPT_DOWN_TO = {"province": CENTRAL_CLERK, "agency": AGENCY_CLERK, "group": GROUP_CLERK}


@dataclass(frozen=True)
class Register:
    code: str  # as stored in RegisterEntry.register and the number series
    label: object  # its name, lazy Thai
    menu_label: object  # as its menu item reads
    view: str  # its screen's FAB view name (what the levels are granted)
    menu: str  # its menu item's name (likewise)
    icon: str
    incoming: bool  # letters received (a receipt stamp) or sent out (a number of our own)
    owner: str  # whose series numbers it: "province", "agency" or "group"
    number_title: object  # the title of its number column
    number_format: str  # RECEIPT, LETTER, CIRCULAR or ORDER
    list_columns: tuple
    parties: bool = True  # records ที่ (the letter's number), จาก and ถึง; an order has none
    reservable: bool = False  # numbers may be reserved for letters still being drafted
    # To whom its letters may be sent on (TO_*), the first the usual; () for none.
    sends_to: tuple = ()
    accepts: str = None  # the deliveries (TO_*) that enter this register when accepted
    # The letters' usual addressee (ถึง), offered on the form: "governor" (ผู้ว่าราชการจังหวัด),
    # "agency" or "group" (the keeper's own), or None.
    usual_receiver: str = None
    # Its clerks may give the time a letter really arrived, before it was registered.
    backdated_receipt: bool = False

    @property
    def kept_down_to(self):
        return KEPT_DOWN_TO[self.owner]

    def kept_by(self, level):
        """Whether a user of ``level`` keeps this register (registers in it, dispatches from it)."""
        return level is not None and ADMIN <= level <= self.kept_down_to

    def number_text(self, number, year, doc_number=None):
        """The number as the register writes it: a receipt or an order with its year
        (``12/2569``: the series starts again each year), an outgoing letter as its ที่
        (``พง 0017.2/ว 12``)."""
        if self.number_format in (ORDER, RECEIPT):
            return f"{number}/{year}"
        return doc_number or str(number)

    @property
    def issues_code(self):
        """Its numbers carry the keeper's code (พง 0017.2/12, พง 0017.2/ว 12)."""
        return not self.incoming and self.number_format in (LETTER, CIRCULAR)

    def issued_number(self, agency_code, number, secret):
        """The letter's own number (ที่) that an outgoing register issues; None for one that
        receives letters (their number is the sender's)."""
        if self.incoming:
            return None
        mark = "ลับ " if secret else ""
        if self.number_format == CIRCULAR:
            return f"{agency_code}/ว {mark}{number}"
        return f"{agency_code}/{mark}{number}"

    @property
    def letter_fields(self):
        """The fields of a letter this register records, in the form's order."""
        return tuple(f for f in LETTER_FIELDS if self.parties or f not in PARTY_FIELDS)

    @property
    def typed_fields(self):
        """The fields a clerk types: an outgoing register issues the letter's number itself."""
        return tuple(f for f in self.letter_fields if self.incoming or f != "doc_number")


IN_COLUMNS = ("number_text", "received_at", "doc_number", "doc_date", "sender", "subject",
              "action", "speed", "secrecy", "status")
OUT_COLUMNS = ("number_text", "doc_date", "receiver", "subject", "action", "speed", "secrecy",
               "status")
ORDER_COLUMNS = ("number_text", "doc_date", "subject", "speed", "secrecy", "status")

# In the manual's order (7.1 to 7.8), which is the menu's.
REGISTERS = {r.code: r for r in (
    Register("province_in", _l("หนังสือรับถึงจังหวัด"), _l("หนังสือรับถึงจังหวัด"),
             "ProvinceIncomingView", "ProvinceIncoming", "fa-inbox",
             incoming=True, owner="province", number_title=_l("เลขรับ"),
             number_format=RECEIPT, list_columns=IN_COLUMNS, sends_to=(TO_AGENCY, TO_GROUP),
             accepts=TO_PROVINCE, usual_receiver="governor", backdated_receipt=True),
    Register("agency_in", _l("หนังสือรับถึงหน่วยงาน"), _l("หนังสือรับถึงหน่วยงาน"),
             "AgencyIncomingView", "AgencyIncoming", "fa-envelope",
             incoming=True, owner="agency", number_title=_l("เลขรับ"),
             number_format=RECEIPT, list_columns=IN_COLUMNS, sends_to=(TO_GROUP,),
             accepts=TO_AGENCY, usual_receiver="agency"),
    Register("group_in", _l("หนังสือรับถึงกลุ่มงาน"), _l("หนังสือรับถึงกลุ่มงาน"),
             "GroupIncomingView", "GroupIncoming", "fa-envelope-o",
             incoming=True, owner="group", number_title=_l("เลขรับ"),
             number_format=RECEIPT, list_columns=IN_COLUMNS, sends_to=(TO_PERSON,),
             accepts=TO_GROUP, usual_receiver="group"),
    Register("out_circular", _l("หนังสือส่งเวียน"), _l("หนังสือส่ง (เวียน)"),
             "OutgoingCircularView", "OutgoingCircular", "fa-bullhorn",
             incoming=False, owner="agency", number_title=_l("เลขที่หนังสือเวียน"),
             number_format=CIRCULAR, list_columns=OUT_COLUMNS, reservable=True,
             sends_to=(TO_AGENCY, TO_PROVINCE)),
    Register("out_normal", _l("หนังสือส่งปกติ"), _l("หนังสือส่ง (ปกติ)"),
             "OutgoingNormalView", "OutgoingNormal", "fa-paper-plane",
             incoming=False, owner="agency", number_title=_l("เลขที่หนังสือส่ง"),
             number_format=LETTER, list_columns=OUT_COLUMNS, reservable=True,
             sends_to=(TO_AGENCY, TO_PROVINCE)),
    Register("order", _l("หนังสือคำสั่ง"), _l("หนังสือคำสั่ง"),
             "OrderView", "Orders", "fa-gavel",
             incoming=False, owner="agency", number_title=_l("เลขที่คำสั่ง"),
             number_format=ORDER, list_columns=ORDER_COLUMNS, parties=False, reservable=True),
)}


def kept_by(level):
    """The codes of the registers a user of ``level`` keeps, in the menu's order."""
    return tuple(code for code, register in REGISTERS.items() if register.kept_by(level))


def accepting(kind):
    """The register that a delivery to a recipient of ``kind`` enters when accepted; None for a
    person (who reads a letter, and numbers nothing)."""
    return next((r for r in REGISTERS.values() if r.accepts == kind), None)
