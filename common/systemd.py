"""The sd_notify protocol (systemd.exec(5), sd_notify(3)) for every
novalite service: READY/STATUS/RELOADING/STOPPING and the watchdog.

oslo.service's ``systemd`` module only sends ``READY=1`` and then forgets
``$NOTIFY_SOCKET``, so a later reload or stop could not be reported; this
keeps the socket address for the life of the process.
"""

import os
import socket
import threading
import time

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def _address(name):
    # '@name' is a socket in the abstract namespace.
    return '\0' + name[1:] if name.startswith('@') else name


class Notifier:
    """Sends notifications to the service manager, when there is one
    (``$NOTIFY_SOCKET`` set); otherwise every method does nothing.

    :param environ: the environment to read ``NOTIFY_SOCKET``,
        ``WATCHDOG_USEC`` and ``WATCHDOG_PID`` from.
    """

    def __init__(self, environ=None):
        environ = os.environ if environ is None else environ
        self.socket_name = environ.get('NOTIFY_SOCKET') or None
        self.watchdog_usec = 0
        usec = environ.get('WATCHDOG_USEC', '')
        pid = environ.get('WATCHDOG_PID', '')
        # WATCHDOG_PID names the process meant to ping (not a child of it).
        if usec.isdigit() and (not pid or pid == str(os.getpid())):
            self.watchdog_usec = int(usec)
        # Children we start must not talk to the manager as if they were us.
        for var in ('NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'):
            environ.pop(var, None)

    @property
    def enabled(self):
        return self.socket_name is not None

    def send(self, *lines):
        """Send one datagram of ``KEY=value`` lines; False if not sent."""
        if not self.enabled:
            return False
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.connect(_address(self.socket_name))
            sock.sendall('\n'.join(lines).encode())
            return True
        except OSError as exc:
            LOG.debug('sd_notify %s failed: %s', lines, exc)
            return False
        finally:
            sock.close()

    def status(self, text):
        return self.send('STATUS=' + text)

    def ready(self, text=None):
        return self.send('READY=1', *(['STATUS=' + text] if text else []))

    def reloading(self):
        # MONOTONIC_USEC lets systemd (Type=notify-reload) match the reload.
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.send('RELOADING=1', 'MONOTONIC_USEC=%d' % usec,
                         'STATUS=reloading configuration')

    def stopping(self):
        return self.send('STOPPING=1', 'STATUS=stopping')

    def watchdog(self):
        return self.send('WATCHDOG=1')

    def start_watchdog(self, stop):
        """Ping the watchdog every half ``WatchdogSec`` until ``stop`` (an
        Event) is set; None when no watchdog is asked for."""
        if not (self.enabled and self.watchdog_usec):
            return None
        interval = self.watchdog_usec / 2e6

        def loop():
            while not stop.wait(interval):
                self.watchdog()
        thread = threading.Thread(target=loop, daemon=True,
                                  name='sd-watchdog')
        self.watchdog()
        thread.start()
        return thread
