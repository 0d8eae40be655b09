"""The e-office application factory: the only place that builds an app.

It wires what the rest declares: the configuration (config.py), the request gate and the API's
strict fields (app/views/inputs.py, app/views/api.py, before any view is built), the database and
its listeners, FAB with the menu (app/views/menu.py), the one mapping of errors
(app/views/errors.py), the request hooks (app/views/hooks.py) and the ``flask eoffice`` commands.
"""

import logging
import os

from flask import Blueprint, Flask
from flask_appbuilder import AppBuilder

log = logging.getLogger(__name__)
# FAB's security API declares filters on relations it cannot filter, and says so at every start.
logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              "migrations")


def create_app(config=None):
    """Build the app. ``config`` (a dict) overrides the environment-driven defaults."""
    from config import build_config

    from app import i18n, permission_labels, thai
    from app.cli import eoffice
    from app.extensions import csrf, db, migrate
    from app.services import audit, org, tally
    from app.views import announcements, api, chat, errors, hooks, inputs, labels, menu
    from app.views.base import close_fab_routes
    from app.views.home import HomeView

    # Our static files under /eoffice/static: Flask's own /static would overlap FAB's.
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(build_config(config))
    app.json.ensure_ascii = False  # the API's Thai readable as Thai, not \u0e00 escapes
    app.jinja_env.add_extension("jinja2.ext.do")  # templates build a field's attributes
    if app.config.get("TEMPLATES_STRICT"):
        # The tests draw every page with a name a template uses but no view gave as an error,
        # not as an empty string a clerk would never notice.
        from jinja2 import StrictUndefined

        app.jinja_env.undefined = StrictUndefined
    if app.config.get("TRUSTED_PROXIES"):
        # Behind that many reverse proxies, the client is the address they forward (the login
        # throttle and the audit log count it); never without them (config.TRUSTED_PROXIES).
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.register_blueprint(Blueprint("eoffice", __name__, static_folder="static",
                                     static_url_path="/eoffice/static"))

    # Before the views are built: their <int:> routes take the bounded converter, and FAB's
    # API schemas the strict related fields.
    inputs.install(app)
    api.install()
    db.init_app(app)
    migrate.init_app(app, db, directory=app.config.get("MIGRATIONS_DIR", MIGRATIONS_DIR))
    csrf.init_app(app)
    i18n.install()
    permission_labels.install()
    thai.register_jinja_filters(app)
    labels.install(app)  # filekind: a file's kind, never its MIME type
    audit.install_listeners()
    org.install_listeners()
    tally.install_listeners()

    with app.app_context():
        appbuilder = AppBuilder(indexview=HomeView, update_perms=False)
        appbuilder.init_app(app, db.session)
        menu.install(appbuilder)
    close_fab_routes(app)
    errors.install(app)
    hooks.install(app)
    announcements.install(app)
    chat.install(app)
    app.cli.add_command(eoffice)
    return app
