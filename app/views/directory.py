"""(Being built this session: a placeholder so that the menu and the app load.)"""

from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name


def install(app):
    """Hooks this part adds to the app (template globals for the login page, ...)."""


class DirectoryView(BaseView):
    route_base = "/directory"
    default_view = "list"

    @expose("/")
    @has_access
    @permission_name("list")
    def list(self):
        return "..."
