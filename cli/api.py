"""novalite-api: the Compute API v2.1 (and the image API) over HTTP,
served by cheroot's threaded WSGI server."""

import signal
import threading

from cheroot import wsgi
from oslo_log import log as logging
from oslo_service import systemd

from novalite.api import app as api_app
from novalite.api import auth
from novalite.cli import launch
from novalite.common.db import services as services_db
from novalite.common.db import session
from novalite.common import context as nl_context

BINARY = 'novalite-api'
LOG = logging.getLogger(__name__)


def main(argv=None):
    conf = launch.prepare(BINARY, argv)
    try:
        application = api_app.setup_app(conf)
    except auth.InsecureDeployment as exc:
        LOG.error('%s', exc)
        raise SystemExit('%s: %s' % (BINARY, exc))
    session.configure(conf)
    server = wsgi.Server((conf.api.listen, conf.api.port), application,
                         numthreads=conf.api.threads,
                         server_name='novalite-api')
    stop = threading.Event()

    def _handle(signum, _frame):
        LOG.info('signal %s received, stopping', signum)
        stop.set()
        # stop() lets requests in flight finish before returning.
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)
    ctx = nl_context.get_admin_context()
    services_db.heartbeat(ctx, conf.host, BINARY)

    def beat():
        while not stop.wait(conf.report_interval):
            try:
                services_db.heartbeat(ctx, conf.host, BINARY)
            except Exception:  # noqa: BLE001 -- keep serving
                LOG.exception('heartbeat failed')
    threading.Thread(target=beat, daemon=True).start()

    server.prepare()
    LOG.info('%s listening on %s:%s', BINARY, conf.api.listen, conf.api.port)
    systemd.notify_once()
    server.serve()
