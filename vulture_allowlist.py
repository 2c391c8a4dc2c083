"""Names vulture (dead-code search, tests/test_house.py) cannot see used, each with why. Reviewed:
add a name here only with its reason."""
# Used by campaigns/schemas.py, which vulture does not read (marshmallow fields look unused).
SECTION_TYPES  # noqa
RANK_KEYS  # noqa
# Attributes set for a library, which reads them itself.
Meta  # noqa (marshmallow reads a schema's Meta: the template schemas of campaigns/copies.py)
_.exclude  # marshmallow's Meta.exclude
_.autocommit  # psycopg2 connections
_.ensure_ascii, _.sort_keys  # Flask's JSON provider
_.session_interface  # Flask
_.permanent  # Flask's session
_.max_content_length  # werkzeug's request
_.msg  # logging.LogRecord
_.alignment  # openpyxl cells
_.border, _.number_format  # openpyxl cells (the 汇总表's borders and number formats)
_.print_title_rows, _.print_area, _.orientation, _.paperSize  # openpyxl worksheets' print setup
_.fitToWidth, _.fitToHeight, _.fitToPage, _.horizontalCentered  # openpyxl page setup: one page wide
_.atoms_wrapper_class  # gunicorn's logger
_.cornerRefinementMethod  # OpenCV's ArUco detector parameters (ballots/omr.py)
_.load_config  # gunicorn's BaseApplication calls it
# Read back through flask.g by name (g.get / g.pop).
_.db_pool
_.time_zone
# A dataclass field the templates read (row.commitment on the ballot page).
_.commitment
# pytest reads a module's pytestmark.
pytestmark  # noqa
# Error classes raised by their code, not their name: the domain's TransitionRefused names the
# code (service.core.errors.of), and werkzeug's 405 becomes its status's generic class.
NotReady, NotConfirmed, PublicityNotEnded, InvalidTransition  # noqa
BackdatedWithoutReason, WindowAlreadyOver  # noqa
MethodNotAllowed  # noqa
# Click commands: run by name from the command line (`python -m service audit-key show|rotate`).
show_cmd  # noqa
rotate_cmd  # noqa
# `python -m service api-keys list`.
list_cmd  # noqa
# The webhook worker's command, run by name (`python -m service worker`).
worker_cmd  # noqa
# http.server calls its handlers' methods by name (tests/test_webhooks.py's receiver, the embed test's portal).
do_GET  # noqa
do_POST  # noqa
log_message  # noqa
# service/web's LARGE_UPLOADS names the setting that bounds an upload (getattr by name).
scan_max_bytes  # noqa
