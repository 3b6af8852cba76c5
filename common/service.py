"""Runs one manager as a service process: its RPC server (threading
executor), a heartbeat, its periodic tasks, and a clean stop on SIGTERM."""

import signal
import threading

from oslo_log import log as logging
from oslo_service import systemd

from novalite.common import context as nl_context
from novalite.common import rpc

LOG = logging.getLogger(__name__)


def rpc_server(conf, topic, version, manager):
    """The RPC server of a service: ``manager``'s exposed methods on
    ``topic`` (and as ``server=[DEFAULT] host``)."""
    return rpc.get_server(conf, topic, conf.host, version, [manager],
                          exposed_only=True)


class Service:
    """A manager on the bus.

    :param manager: the RPC endpoint; only its methods marked
        ``@rpc.expose`` are callable over the bus. It may define
        ``init_host()``, ``cleanup_host()`` and ``periodic_tasks()`` (a
        list of ``(interval_seconds, callable(ctx))``).
    :param heartbeat: ``callable(ctx)`` that marks this service up; it
        runs at start and every ``report_interval``.
    """

    def __init__(self, conf, binary, topic, manager, version, heartbeat):
        self.conf = conf
        self.binary = binary
        self.topic = topic
        self.manager = manager
        self.version = version
        self.heartbeat = heartbeat
        self.rpcserver = None
        self._stop = threading.Event()
        self._threads = []

    def start(self):
        ctx = nl_context.get_admin_context()
        init_host = getattr(self.manager, 'init_host', None)
        if init_host:
            init_host()
        self.rpcserver = rpc_server(self.conf, self.topic, self.version,
                                    self.manager)
        self.rpcserver.start()
        self._beat(ctx)
        self._every(self.conf.report_interval, self._beat)
        for interval, task in getattr(self.manager, 'periodic_tasks',
                                      lambda: [])():
            self._every(interval, task)
        LOG.info('%s started on host %s (topic %s)', self.binary,
                 self.conf.host, self.topic)
        systemd.notify_once()

    def _beat(self, ctx):
        try:
            self.heartbeat(ctx)
        except Exception:  # noqa: BLE001 -- a missed beat must not kill us
            LOG.exception('heartbeat of %s failed', self.binary)

    def _every(self, interval, task):
        def loop():
            ctx = nl_context.get_admin_context()
            while not self._stop.wait(interval):
                try:
                    task(ctx)
                except Exception:  # noqa: BLE001 -- keep the loop alive
                    LOG.exception('periodic task %s failed', task)
        thread = threading.Thread(target=loop, daemon=True,
                                  name='periodic-%s' % getattr(
                                      task, '__name__', 'task'))
        thread.start()
        self._threads.append(thread)

    def stop(self):
        """Stop taking messages, let in-flight ones finish, then clean up."""
        self._stop.set()
        if self.rpcserver is not None:
            self.rpcserver.stop()
            self.rpcserver.wait()
        cleanup = getattr(self.manager, 'cleanup_host', None)
        if cleanup:
            cleanup()
        LOG.info('%s stopped', self.binary)

    def wait(self):
        self._stop.wait()


def serve(service):
    """Start ``service`` and block until SIGTERM or SIGINT, then drain."""
    stopping = threading.Event()

    def _handle(signum, _frame):
        LOG.info('signal %s received, stopping', signum)
        stopping.set()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)
    service.start()
    while not stopping.wait(1.0):
        pass
    service.stop()
    rpc.cleanup()
