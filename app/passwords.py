"""The password rule, shared by every form that sets a password (FAB calls it by config)."""

import re

from flask_appbuilder.exceptions import PasswordComplexityValidationError

MIN_LENGTH = 10


def password_complexity(password):
    """At least 10 characters with an upper-case and a lower-case Latin letter and a digit."""
    problems = []
    if len(password or "") < MIN_LENGTH:
        problems.append(f"ยาวอย่างน้อย {MIN_LENGTH} ตัวอักษร")
    if not re.search(r"[A-Z]", password or ""):
        problems.append("มีอักษรภาษาอังกฤษตัวพิมพ์ใหญ่")
    if not re.search(r"[a-z]", password or ""):
        problems.append("มีอักษรภาษาอังกฤษตัวพิมพ์เล็ก")
    if not re.search(r"\d", password or ""):
        problems.append("มีตัวเลข")
    if problems:
        raise PasswordComplexityValidationError("รหัสผ่านต้อง" + " ".join(problems))
