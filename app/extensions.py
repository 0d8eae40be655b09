"""Extension objects shared by the whole app. The AppBuilder itself is built per app in
create_app (a module-level one reused by a second app registers no routes)."""

from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

db = SQLA()
migrate = Migrate()
csrf = CSRFProtect()
