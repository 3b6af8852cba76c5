"""novalite-api: the Compute API v2.1 (and the image API) over HTTP,
served by cheroot's threaded WSGI server. Under a WSGI server of your own
(uwsgi, gunicorn, mod_wsgi) use ``novalite.api.wsgi:application``."""

import http.client
import threading
import time

from cheroot import wsgi
from oslo_log import log as logging

from novalite.api import app as api_app
from novalite.api import auth
from novalite.api import wsgi as wsgi_app
from novalite.cli import launch
from novalite.common import context as nl_context
from novalite.common.db import services as services_db
from novalite.common.db import session
from novalite.common import service

BINARY = 'novalite-api'
LOG = logging.getLogger(__name__)
ANSWER_TIMEOUT = 30


def build_server(conf, application):
    """cheroot with ``[api] threads`` workers and a ``[api] backlog``
    deep listen queue (cheroot's default of 5 resets clients under load)."""
    return wsgi.Server((conf.api.listen, conf.api.port), application,
                       numthreads=conf.api.threads,
                       request_queue_size=conf.api.backlog,
                       server_name=BINARY)


def wait_answering(bind_addr, timeout=ANSWER_TIMEOUT):
    """Until an HTTP request to our own listener gets any answer: READY=1
    must mean clients are served, not merely that a socket is bound."""
    host, port = bind_addr[:2]
    host = {'0.0.0.0': '127.0.0.1', '::': '::1', '': '127.0.0.1'}.get(
        host, host)
    deadline = time.monotonic() + timeout
    while True:
        conn = http.client.HTTPConnection(host, port, timeout=5)
        try:
            conn.request('GET', '/')
            return conn.getresponse().status
        except OSError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError('%s does not answer on %s:%s: %s' % (
                    BINARY, host, port, exc)) from exc
            time.sleep(0.05)
        finally:
            conn.close()


def main(argv=None):
    conf = launch.prepare(BINARY, argv)
    lifecycle = service.Lifecycle(conf, BINARY)
    try:
        application = wsgi_app.RequestLog(api_app.setup_app(conf))
    except auth.InsecureDeployment as exc:
        LOG.error('%s', exc)
        raise SystemExit('%s: %s' % (BINARY, exc))
    session.configure(conf)
    server = build_server(conf, application)
    stop = threading.Event()
    threads = []
    ctx = nl_context.get_admin_context()

    def beat():
        while not stop.wait(conf.report_interval):
            try:
                services_db.heartbeat(ctx, conf.host, BINARY)
            except Exception as exc:  # noqa: BLE001 -- keep serving
                service.log_failure(exc, 'heartbeat failed')

    def start(notifier):
        notifier.status('registering the service')
        services_db.heartbeat(ctx, conf.host, BINARY)
        threads.append(threading.Thread(target=beat, daemon=True,
                                        name='heartbeat'))
        notifier.status('binding %s:%s' % (conf.api.listen, conf.api.port))
        server.prepare()
        threads.append(threading.Thread(target=server.serve, name='http'))
        for thread in threads:
            thread.start()
        notifier.status('waiting for the listener to answer')
        wait_answering(server.bind_addr)
        LOG.info('%s listening on %s:%s (%d threads)', BINARY,
                 conf.api.listen, conf.api.port, conf.api.threads)

    def drain():
        stop.set()
        # stop() lets requests in flight finish before returning.
        server.stop()
        for thread in threads:
            thread.join(timeout=60)

    lifecycle.run(start, drain)
