"""FAB's security REST API (``/api/v1/security/...``), as much of it as the e-office offers.

Read only: roles (with each role's permissions), groups, permissions, resources and
permission-resources, for the administrator's tools and audits. Their JSON is answered in Thai
like every API's (``app/views/api.py``).

Nothing is written through it, because every write has its rules in one place already:
- a role's permissions change on the Roles screen (``app/services/roles.py``): the levels' roles
  keep their names, the administrators' role keeps its access to that screen, the change is
  audited with Thai labels, and a level's default can be restored;
- permissions and resources are what the code declares and ``flask eoffice sync-roles`` writes:
  one made by hand names no screen;
- users are managed through ``/api/v1/users/``, which applies the levels' and agencies' rules
  (a clerk manages the users of the own agency, below the own level) and never deletes a user;
  FAB's ``/security/users`` knew none of it, and its groups would give a user roles beside the
  level's.
"""

from flask_appbuilder.security.sqla.apis import (
    GroupApi,
    PermissionApi,
    PermissionViewMenuApi,
    RoleApi,
    ViewMenuApi,
)

READ_ONLY = {"get", "get_list", "info"}


class ReadOnlyRoleApi(RoleApi):
    include_route_methods = READ_ONLY | {"list_role_permissions"}


class ReadOnlyGroupApi(GroupApi):
    include_route_methods = READ_ONLY


class ReadOnlyPermissionApi(PermissionApi):
    include_route_methods = READ_ONLY


class ReadOnlyViewMenuApi(ViewMenuApi):
    include_route_methods = READ_ONLY


class ReadOnlyPermissionViewMenuApi(PermissionViewMenuApi):
    include_route_methods = READ_ONLY


SECURITY_APIS = (ReadOnlyRoleApi, ReadOnlyGroupApi, ReadOnlyPermissionApi, ReadOnlyViewMenuApi,
                 ReadOnlyPermissionViewMenuApi)
