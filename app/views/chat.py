"""(Being built this session: a placeholder so that the menu and the app load.)"""

from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name


def install(app):
    """Hooks this part adds to the app (template globals for the login page, ...)."""


class ChatView(BaseView):
    route_base = "/help"
    default_view = "mine"

    @expose("/")
    @has_access
    @permission_name("mine")
    def mine(self):
        return "..."

    @expose("/inbox")
    @has_access
    @permission_name("inbox")
    def inbox(self):
        return "..."
