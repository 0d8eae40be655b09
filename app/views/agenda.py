"""(Being built this session: a placeholder so that the menu and the app load.)"""

from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, permission_name


class AgendaView(BaseView):
    route_base = "/agenda"
    default_view = "day"

    @expose("/")
    @has_access
    @permission_name("day")
    def day(self):
        return "..."

    @expose("/week")
    @has_access
    @permission_name("week")
    def week(self):
        return "..."

    @expose("/new")
    @has_access
    @permission_name("add")
    def new(self):
        return "..."
