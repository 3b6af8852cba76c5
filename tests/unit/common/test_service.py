"""Lifecycle: SIGHUP re-reads mutable options without stopping the
service, SIGTERM stops it; every step is reported to systemd."""

import os
import signal
import threading

from oslo_config import cfg

from novalite.common import service
from novalite.common import systemd


class RecordingNotifier(systemd.Notifier):
    def __init__(self):
        super().__init__({})
        self.sent = []
        self.ready_sent = threading.Event()

    def send(self, *lines):
        self.sent.append(lines[0])
        if lines[0] == 'READY=1':
            self.ready_sent.set()
        return True


def _conf(tmp_path, interval):
    path = tmp_path / 'test.conf'
    path.write_text('[DEFAULT]\nmutable_interval = %d\n'
                    'fixed_interval = %d\n' % (interval, interval))
    conf = cfg.ConfigOpts()
    conf.register_opts([cfg.IntOpt('mutable_interval', mutable=True),
                        cfg.IntOpt('fixed_interval')])
    conf([], default_config_files=[str(path)])
    return conf, path


def test_sighup_reloads_mutable_options_then_sigterm_stops(tmp_path):
    conf, path = _conf(tmp_path, 10)
    notifier = RecordingNotifier()
    life = service.Lifecycle(conf, 'novalite-test', notifier)
    events = []
    reloaded = threading.Event()

    def start(notif):
        notif.status('warming up')
        events.append('start')

    def on_reload():
        events.append(('reload', conf.mutable_interval, conf.fixed_interval))
        reloaded.set()

    def poke():
        # Signals are handled by the main thread, in run()'s loop.
        assert notifier.ready_sent.wait(10)
        path.write_text('[DEFAULT]\nmutable_interval = 20\n'
                        'fixed_interval = 20\n')
        os.kill(os.getpid(), signal.SIGHUP)
        assert reloaded.wait(10)
        os.kill(os.getpid(), signal.SIGTERM)

    old = {s: signal.getsignal(s) for s in (signal.SIGHUP, signal.SIGTERM,
                                            signal.SIGINT)}
    poker = threading.Thread(target=poke)
    poker.start()
    try:
        life.run(start, lambda: events.append('stop'), on_reload)
    finally:
        poker.join(10)
        for sig, handler in old.items():
            signal.signal(sig, handler)
    # The immutable option keeps its value until a restart.
    assert events == ['start', ('reload', 20, 10), 'stop']
    assert notifier.sent == ['STATUS=starting novalite-test',
                             'STATUS=warming up', 'READY=1',
                             'RELOADING=1', 'READY=1', 'STOPPING=1']


class _Manager:
    def __init__(self):
        self.interval = 5
        self.resets = 0

    def periodic_tasks(self):
        return [(self.interval, lambda ctx: None)]

    def reset(self):
        self.resets += 1


def test_service_reset_takes_new_intervals_and_resets_manager(conf):
    manager = _Manager()
    svc = service.Service(conf, 'novalite-test', 't', manager, '1.0',
                          heartbeat=lambda ctx: None)
    svc._intervals = [5]
    manager.interval = 7
    svc.reset()
    assert svc._intervals == [7]
    assert manager.resets == 1


def test_an_outage_logs_one_line_not_a_traceback(caplog):
    from oslo_db import exception as db_exc
    from novalite.common.db import session  # noqa: F401 -- a DB process
    from novalite.common import rpc as nl_rpc
    from novalite.common import service as nl_service
    for exc in (db_exc.DBConnectionError('gone'),
                nl_rpc.MessagingTimeout('no answer')):
        caplog.clear()
        nl_service.log_failure(exc, 'heartbeat of %s failed', 'x')
        (record,) = caplog.records
        assert record.levelname == 'WARNING' and record.exc_info is None
    caplog.clear()
    try:
        raise KeyError('a bug')
    except KeyError as exc:
        nl_service.log_failure(exc, 'periodic task %s failed', 'y')
    (record,) = caplog.records
    assert record.levelname == 'ERROR' and record.exc_info
