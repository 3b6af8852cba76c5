"""WSGI entry point of the compute API, for uwsgi, gunicorn or mod_wsgi
(as Nova's ``nova.wsgi.osapi_compute``)::

    gunicorn -w 4 -b 0.0.0.0:8774 novalite.api.wsgi:application
    uwsgi --http11-socket :8774 --lazy-apps \
        --module novalite.api.wsgi_app:application

The configuration comes from ``$NOVALITE_CONFIG_FILE`` (one path, or
several separated by commas, read in order) or oslo.config's default
places (``/etc/novalite/novalite.conf``, ``~/.novalite/novalite.conf``,
...). ``application`` is built on first access, once per worker process
(PEP 562; uwsgi looks the callable up in the module's dict instead, so it
imports ``novalite.api.wsgi_app``, which builds it on import).
"""

import os
import threading
import time

from oslo_log import log as logging

from novalite.api import app as api_app
from novalite.api import middleware
from novalite.common import config
from novalite.common import context as nl_context
from novalite.common.conf import CONF
from novalite.common.db import services as services_db
from novalite.common.db import session

BINARY = 'novalite-api'
CONFIG_ENV = 'NOVALITE_CONFIG_FILE'
LOG = logging.getLogger(__name__)
_LOCK = threading.Lock()
_APPLICATION = None


def config_files(environ=None):
    """The config files ``$NOVALITE_CONFIG_FILE`` names, or None for
    oslo.config's default search."""
    environ = os.environ if environ is None else environ
    value = environ.get(CONFIG_ENV, '')
    files = [p.strip() for p in value.split(',') if p.strip()]
    for path in files:
        if not os.path.isfile(path):
            raise RuntimeError('%s names %s, which is not a file' % (
                CONFIG_ENV, path))
    return files or None


class RequestLog:
    """One INFO line per request, as Nova's API logs them, carrying the
    request's ids (its context's ``request_id`` and the client's
    ``global_request_id``). Method, path, status, length and time only:
    never headers, query strings or bodies (tokens, passwords,
    user_data)."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        began = time.monotonic()
        seen = {}

        def _start(status, headers, exc_info=None):
            seen['status'] = status.split(' ', 1)[0]
            seen['length'] = dict((k.lower(), v) for k, v in headers).get(
                'content-length', '-')
            return start_response(status, headers, exc_info)

        try:
            return self.application(environ, _start)
        finally:
            ctx = environ.get(middleware.CONTEXT_KEY)
            LOG.info('%s "%s %s" status: %s len: %s time: %.4f',
                     environ.get('REMOTE_ADDR', '-'),
                     environ.get('REQUEST_METHOD'),
                     environ.get('PATH_INFO'), seen.get('status', '-'),
                     seen.get('length', '-'), time.monotonic() - began,
                     **({'context': ctx} if ctx is not None else {}))


def _heartbeat(conf):
    """The API shows up (and stays up) in ``novalite-manage service list``
    and ``status``, whichever server runs it."""
    ctx = nl_context.get_admin_context()
    stop = threading.Event()

    def beat():
        while True:
            try:
                services_db.heartbeat(ctx, conf.host, BINARY)
            except Exception:  # noqa: BLE001 -- keep serving
                LOG.exception('heartbeat failed')
            if stop.wait(conf.report_interval):
                return
    threading.Thread(target=beat, daemon=True, name='heartbeat').start()
    return stop


def init_application(conf=CONF, environ=None):
    """Parse the config, set up logging and the database, and return the
    WSGI application (what ``application`` is)."""
    config.parse_args([], conf=conf,
                      default_config_files=config_files(environ))
    config.setup_logging(conf, BINARY)
    session.configure(conf)
    application = RequestLog(api_app.setup_app(conf))
    _heartbeat(conf)
    LOG.info('%s WSGI application ready', BINARY)
    return application


def __getattr__(name):
    # PEP 562: built when the server first asks for it, not on import.
    global _APPLICATION
    if name != 'application':
        raise AttributeError(name)
    with _LOCK:
        if _APPLICATION is None:
            _APPLICATION = init_application()
    return _APPLICATION
