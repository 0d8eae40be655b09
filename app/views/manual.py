"""(Being built this session: a placeholder so that the menu and the app load.)"""

from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name


def install(app):
    """Hooks this part adds to the app (template globals for the login page, ...)."""


class ManualView(BaseView):
    route_base = "/manual"
    default_view = "read"

    @expose("/")
    @has_access
    @permission_name("read")
    def read(self):
        return "..."
