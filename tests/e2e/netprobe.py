"""A probe on a guest network: a network namespace the test makes, joined
to the network's isolated bridge by a veth pair. Everything the tests send
to guests leaves from here; nothing is routed or NATed anywhere else (the
namespace has one interface, on the bridge, and no default route)."""

import os
import subprocess
import uuid


def _ip(*args, check=True):
    proc = subprocess.run(['ip', *args], capture_output=True, text=True,
                          timeout=30)
    if check and proc.returncode != 0:
        raise AssertionError('ip %s: %s' % (' '.join(args),
                                            proc.stderr.strip()))
    return proc


class Probe:
    """``with Probe(bridge, '10.77.0.250/24') as probe: probe.run(...)``"""

    def __init__(self, bridge, address):
        tag = uuid.uuid4().hex[:6]
        self.bridge = bridge
        self.address = address
        self.netns = 'nle2e-' + tag
        self.host_end = 'nlvh' + tag
        self.ns_end = 'nlvn' + tag

    def __enter__(self):
        _ip('netns', 'add', self.netns)
        try:
            _ip('link', 'add', self.host_end, 'type', 'veth', 'peer', 'name',
                self.ns_end)
            _ip('link', 'set', self.ns_end, 'netns', self.netns)
            _ip('link', 'set', self.host_end, 'master', self.bridge)
            _ip('link', 'set', self.host_end, 'up')
            self._in_ns('ip', 'addr', 'add', self.address, 'dev', self.ns_end)
            self._in_ns('ip', 'link', 'set', self.ns_end, 'up')
            self._in_ns('ip', 'link', 'set', 'lo', 'up')
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        _ip('link', 'del', self.host_end, check=False)
        _ip('netns', 'del', self.netns, check=False)

    def _in_ns(self, *cmd):
        proc = subprocess.run(['ip', 'netns', 'exec', self.netns, *cmd],
                              capture_output=True, text=True, timeout=30)
        if proc.returncode != 0:
            raise AssertionError('%s: %s' % (' '.join(cmd),
                                             proc.stderr.strip()))

    def run(self, *cmd, timeout=60):
        """Run ``cmd`` inside the namespace; the CompletedProcess."""
        return subprocess.run(['ip', 'netns', 'exec', self.netns, *cmd],
                              capture_output=True, text=True,
                              timeout=timeout)

    def ssh(self, key_file, address, command, connect_timeout=5):
        """``ssh root@address command`` from the namespace with the key.

        A session whose packets start being dropped after it connected
        (a security group removed mid-handshake) would hang: keep-alives
        end it, and one that still hangs reads as timed out (exit 255),
        as a refused connect does."""
        cmd = ('ssh', '-i', key_file, '-o', 'StrictHostKeyChecking=no',
               '-o', 'UserKnownHostsFile=' + os.devnull,
               '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR',
               '-o', 'ConnectTimeout=%d' % connect_timeout,
               '-o', 'ServerAliveInterval=2', '-o', 'ServerAliveCountMax=3',
               'root@' + address, command)
        try:
            return self.run(*cmd, timeout=connect_timeout + 30)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(
                cmd, 255, '', 'ssh: session timed out (no answer within '
                '%d s)' % (connect_timeout + 30))
