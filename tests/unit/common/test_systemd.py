"""The sd_notify protocol against a real AF_UNIX datagram socket."""

import os
import socket
import threading

import pytest

from novalite.common import systemd


@pytest.fixture
def listener(tmp_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / 'notify'))
    sock.settimeout(5)
    yield sock
    sock.close()


def _recv(sock):
    return sock.recv(4096).decode().split('\n')


def test_without_notify_socket_nothing_is_sent():
    notifier = systemd.Notifier({})
    assert not notifier.enabled
    assert notifier.ready() is False


def test_messages_keep_flowing_after_ready(listener):
    env = {'NOTIFY_SOCKET': listener.getsockname()}
    notifier = systemd.Notifier(env)
    # Children (qemu-img, ...) must not inherit our socket.
    assert 'NOTIFY_SOCKET' not in env
    notifier.status('starting')
    assert _recv(listener) == ['STATUS=starting']
    notifier.ready('running')
    assert _recv(listener) == ['READY=1', 'STATUS=running']
    notifier.reloading()
    lines = _recv(listener)
    assert lines[0] == 'RELOADING=1'
    assert lines[1].startswith('MONOTONIC_USEC=')
    notifier.ready()
    assert _recv(listener) == ['READY=1']
    notifier.stopping()
    assert _recv(listener)[0] == 'STOPPING=1'


def test_abstract_socket_names():
    name = '@novalite-test-%d' % os.getpid()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind('\0' + name[1:])
    sock.settimeout(5)
    try:
        assert systemd.Notifier({'NOTIFY_SOCKET': name}).ready()
        assert _recv(sock) == ['READY=1']
    finally:
        sock.close()


def test_watchdog_pings_at_half_the_interval(listener):
    notifier = systemd.Notifier({'NOTIFY_SOCKET': listener.getsockname(),
                                 'WATCHDOG_USEC': '100000'})
    stop = threading.Event()
    thread = notifier.start_watchdog(stop)
    try:
        for _ in range(3):
            assert _recv(listener) == ['WATCHDOG=1']
    finally:
        stop.set()
        thread.join(2)


def test_watchdog_meant_for_another_pid_is_ignored(listener):
    notifier = systemd.Notifier({'NOTIFY_SOCKET': listener.getsockname(),
                                 'WATCHDOG_USEC': '100000',
                                 'WATCHDOG_PID': '1'})
    assert notifier.start_watchdog(threading.Event()) is None
