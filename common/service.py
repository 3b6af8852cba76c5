"""Runs a service process: its RPC server (threading executor), a
heartbeat, its periodic tasks; SIGHUP reloads the mutable options, SIGTERM
drains and stops; each step is reported to systemd (common/systemd.py).

``Lifecycle`` is the one place where signals and sd_notify meet: the RPC
services (``serve``) and novalite-api (cli/api.py) both run under it.
"""

import functools
import logging as std_logging
import signal
import sys
import threading

from oslo_log import log as logging

from novalite.common import context as nl_context
from novalite.common import rpc
from novalite.common import systemd

LOG = logging.getLogger(__name__)


def _transient(exc):
    """An outage rather than a bug: the database unreachable or locked (as
    the database layer judges it, in processes that have one: the compute
    agent never imports it), or an RPC call that timed out."""
    if isinstance(exc, rpc.MessagingTimeout):
        return True
    session = sys.modules.get('novalite.common.db.session')
    return bool(session and session.is_unavailable(exc))


def log_failure(exc, message, *args):
    """One warning line per failed attempt during an outage (a periodic
    loop would otherwise log a traceback every few seconds); a traceback
    for anything else."""
    if _transient(exc):
        LOG.warning(message + ': %s', *(args + (exc,)))
    else:
        LOG.exception(message, *args)


class LoggedEndpoint:
    """``manager`` as its RPC server sees it: each exposed method logs its
    arrival at DEBUG, under the request's context (so with the request
    ids it came with), never its arguments (they carry passwords and
    user_data). Everything else is the manager's own attribute."""

    def __init__(self, manager):
        self._manager = manager

    def __getattr__(self, name):
        attr = getattr(self._manager, name)
        if not (callable(attr) and getattr(attr, 'exposed', False)):
            return attr

        @functools.wraps(attr)
        def logged(ctxt, *args, **kwargs):
            LOG.debug('RPC %s received', name, context=ctxt)
            return attr(ctxt, *args, **kwargs)
        return logged


def rpc_server(conf, topic, version, manager):
    """The RPC server of a service: ``manager``'s exposed methods on
    ``topic`` (and as ``server=[DEFAULT] host``)."""
    return rpc.get_server(conf, topic, conf.host, version,
                          [LoggedEndpoint(manager)], exposed_only=True)


def reload_config(conf):
    """Re-read the config files; only options marked ``mutable=True``
    change (oslo.config logs each change and warns about the others).
    oslo.log's own mutate hook applies ``debug`` and
    ``log_config_append``.

    :returns: ``{(group, name): (old, new)}`` of what changed.
    """
    return conf.mutate_config_files()


class Lifecycle:
    """Signals and systemd notifications of one service process.

    :param name: the binary, for STATUS= lines and logs.
    :param notifier: a ``systemd.Notifier`` (one from the environment
        by default).
    """

    def __init__(self, conf, name, notifier=None):
        self.conf = conf
        self.name = name
        self.notifier = notifier or systemd.Notifier()
        self._wake = threading.Event()
        self._stopping = False
        self._reloads = 0

    def _on_signal(self, signum, _frame):
        # Only flags here: the work happens in run()'s loop, outside the
        # handler, so a signal never interrupts a reload or a drain.
        if signum == signal.SIGHUP:
            self._reloads += 1
        else:
            self._stopping = True
        self._wake.set()

    def install_signal_handlers(self):
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    def request_stop(self):
        self._stopping = True
        self._wake.set()

    def run(self, start, stop, on_reload=None):
        """``start(notifier)``, READY=1, then serve signals until SIGTERM
        or SIGINT: STOPPING=1 and ``stop()`` (which drains).

        ``start`` returns only once the service can do its job; it may send
        ``STATUS=`` lines on the way. ``on_reload()`` runs after the config
        files were re-read on SIGHUP.
        """
        self.install_signal_handlers()
        self.notifier.status('starting %s' % self.name)
        # As Nova does: every option (secrets masked) when debugging.
        self.conf.log_opt_values(LOG, std_logging.DEBUG)
        start(self.notifier)
        watchdog_stop = threading.Event()
        self.notifier.start_watchdog(watchdog_stop)
        if not self._stopping:
            self.notifier.ready('%s running' % self.name)
        try:
            while not self._stopping:
                self._wake.wait(1.0)
                self._wake.clear()
                if self._reloads and not self._stopping:
                    self._reloads = 0
                    self.reload(on_reload)
        finally:
            LOG.info('%s stopping', self.name)
            self.notifier.stopping()
            watchdog_stop.set()
            stop()

    def reload(self, on_reload=None):
        """SIGHUP: RELOADING=1, re-read the mutable options, READY=1.
        Work in flight goes on: nothing is stopped or restarted."""
        self.notifier.reloading()
        LOG.info('%s reloading its configuration', self.name)
        try:
            changed = reload_config(self.conf)
            if on_reload:
                on_reload()
            LOG.info('%s reloaded its configuration; changed: %s',
                     self.name, ', '.join(sorted(
                         '%s.%s' % (g or 'DEFAULT', o) for g, o in changed))
                     or 'nothing')
            self.conf.log_opt_values(LOG, std_logging.DEBUG)
        except Exception:  # noqa: BLE001 -- a bad file must not kill us
            LOG.exception('%s: reloading the configuration failed; the '
                          'previous values stay', self.name)
        self.notifier.ready('%s running' % self.name)


class Service:
    """A manager on the bus.

    :param manager: the RPC endpoint; only its methods marked
        ``@rpc.expose`` are callable over the bus. It may define
        ``init_host()``, ``cleanup_host()``, ``periodic_tasks()`` (a list of
        ``(interval_seconds, callable(ctx))``, asked again on reload for
        new intervals) and ``reset()`` (called after a config reload).
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
        self._intervals = []

    def start(self, notifier=None):
        notifier = notifier or systemd.Notifier({})
        ctx = nl_context.get_admin_context()
        init_host = getattr(self.manager, 'init_host', None)
        if init_host:
            notifier.status('initialising host %s' % self.conf.host)
            init_host()
        notifier.status('starting the RPC server on %s' % self.topic)
        self.rpcserver = rpc_server(self.conf, self.topic, self.version,
                                    self.manager)
        # start() returns once the queues are declared and consumed.
        self.rpcserver.start()
        self._beat(ctx)
        self._every(lambda: self.conf.report_interval, self._beat)
        tasks = getattr(self.manager, 'periodic_tasks', lambda: [])()
        self._intervals = [interval for interval, _task in tasks]
        for index, (_interval, task) in enumerate(tasks):
            self._every(lambda i=index: self._intervals[i], task)
        LOG.info('%s started on host %s (topic %s)', self.binary,
                 self.conf.host, self.topic)

    def reset(self):
        """After a config reload: new periodic intervals, and the
        manager's own ``reset()`` (e.g. rebuilding scheduler filters)."""
        tasks = getattr(self.manager, 'periodic_tasks', lambda: [])()
        if len(tasks) == len(self._intervals):
            self._intervals[:] = [interval for interval, _task in tasks]
        manager_reset = getattr(self.manager, 'reset', None)
        if manager_reset:
            manager_reset()

    def _beat(self, ctx):
        try:
            self.heartbeat(ctx)
        except Exception as exc:  # noqa: BLE001 -- a missed beat must not kill us
            log_failure(exc, 'heartbeat of %s failed', self.binary)

    def _every(self, interval, task):
        """Run ``task(ctx)`` every ``interval()`` seconds (asked anew each
        time, so a reloaded interval applies from the next run)."""
        def loop():
            ctx = nl_context.get_admin_context()
            while not self._stop.wait(interval()):
                try:
                    task(ctx)
                except Exception as exc:  # noqa: BLE001 -- keep the loop alive
                    log_failure(exc, 'periodic task %s failed', task)
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


def serve(service, lifecycle=None):
    """Run ``service`` until SIGTERM or SIGINT, then drain; SIGHUP
    reloads the mutable options."""
    lifecycle = lifecycle or Lifecycle(service.conf, service.binary)
    try:
        lifecycle.run(service.start, service.stop, service.reset)
    finally:
        rpc.cleanup()
