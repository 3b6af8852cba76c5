"""tools.demo_login without a cloud: where `make run` keeps the demo key,
the SSH command it prints (the README's, plus options that keep a fresh
guest's host key out of the user's known_hosts) and how it runs SSH into
the guest (a stand-in `ssh` on PATH records the command line; the real
OpenSSH client checks that it parses it as meant). What talks to the cloud
(ensure_keypair, ensure_group) is tested against a real one in
tests/functional/test_make_run.py."""

import json
import os
import re
import subprocess
import sys
import time

import pytest

from novalite.tools import demo_login

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
OPTIONS = ['-o', 'StrictHostKeyChecking=no',
           '-o', 'UserKnownHostsFile=' + os.devnull,
           '-o', 'LogLevel=ERROR']


def _without_options(argv):
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == '-o':
            skip = True
        else:
            out.append(arg)
    return out


def test_names_the_readme_uses():
    assert demo_login.KEYPAIR == 'demo'
    assert demo_login.GROUP == 'demo-ssh'
    assert demo_login.key_path('/x/.state') == '/x/.state/demo-key'


def test_login_command_is_the_readmes():
    """README: "the command to log in: ssh -i .state/demo-key root@10.0.0.2";
    what `make run` prints is that command plus -o options."""
    with open(os.path.join(REPO, 'README.md')) as src:
        readme = src.read()
    (promised,) = re.findall(r'^ssh -i \S+ root@\S+$', readme, re.M)
    key, address = '.state/demo-key', promised.rsplit('@', 1)[1]
    argv = demo_login.ssh_command(key, address)
    assert ' '.join(_without_options(argv)) == promised
    assert argv == ['ssh', '-i', key] + OPTIONS + ['root@' + address]


def test_login_command_as_openssh_reads_it(tmp_path):
    """The real client (`ssh -G` resolves, never connects): user root, the
    demo key, no host key checking or recording, and the options ssh()
    adds after the destination still apply."""
    key = tmp_path / 'demo-key'
    key.write_text('not a key\n')
    key.chmod(0o600)
    argv = demo_login.ssh_command(str(key), '10.0.0.2') + [
        '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5']
    proc = subprocess.run(['ssh', '-G'] + argv[1:], capture_output=True,
                          text=True, timeout=30, check=True)
    conf = {}
    for line in proc.stdout.splitlines():
        name, _, value = line.partition(' ')
        conf.setdefault(name, []).append(value)
    assert conf['user'] == ['root']
    assert conf['hostname'] == ['10.0.0.2']
    assert conf['identityfile'][0] == str(key)
    assert conf['stricthostkeychecking'] == ['false']
    assert conf['userknownhostsfile'] == [os.devnull]
    assert conf['batchmode'] == ['yes']
    assert conf['connecttimeout'] == ['5']


@pytest.fixture
def fake_ssh(tmp_path, monkeypatch):
    """An `ssh` first on PATH: records its argv (one JSON line a call),
    fails with "Connection refused" while ``fail`` calls remain, then
    prints a guest's uname and hostname."""
    bindir, log = tmp_path / 'bin', tmp_path / 'ssh.log'
    bindir.mkdir()
    budget = tmp_path / 'fail'

    script = bindir / 'ssh'
    script.write_text(
        '#!%s\n'
        'import json, sys\n'
        'with open(%r, "a") as out:\n'
        '    out.write(json.dumps(sys.argv[1:]) + "\\n")\n'
        'with open(%r) as src:\n'
        '    left = int(src.read())\n'
        'if left:\n'
        '    with open(%r, "w") as out:\n'
        '        out.write(str(left - 1))\n'
        '    sys.stderr.write("ssh: connect to host 10.0.0.2 port 22: '
        'Connection refused\\n")\n'
        '    sys.exit(255)\n'
        'print("Linux demo 6.1.0-28-cloud-amd64 #1 SMP x86_64 GNU/Linux")\n'
        'print("demo")\n' % (sys.executable, str(log), str(budget),
                             str(budget)))
    script.chmod(0o755)
    monkeypatch.setenv('PATH', '%s%s%s' % (bindir, os.pathsep,
                                           os.environ['PATH']))

    class Fake:
        def fail(self, times):
            budget.write_text(str(times))

        def calls(self):
            if not log.exists():
                return []
            return [json.loads(line) for line in log.read_text().splitlines()]

    fake = Fake()
    fake.fail(0)
    return fake


def test_ssh_runs_the_login_command_in_batch_mode(fake_ssh):
    out = demo_login.ssh('/s/demo-key', '10.0.0.2', 'uname -a; hostname')
    assert out == ('Linux demo 6.1.0-28-cloud-amd64 #1 SMP x86_64 GNU/Linux'
                   '\ndemo')
    (argv,) = fake_ssh.calls()
    # Exactly the printed login command, then no prompts, a short connect
    # timeout and the remote command last.
    assert ['ssh'] + argv == demo_login.ssh_command(
        '/s/demo-key', '10.0.0.2') + [
        '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5',
        'uname -a; hostname']


def test_ssh_retries_until_the_guest_answers(fake_ssh):
    """A guest that is ACTIVE has not started dropbear yet: refused
    connections are retried (every 2 s)."""
    fake_ssh.fail(1)
    began = time.monotonic()
    assert demo_login.ssh('/s/demo-key', '10.0.0.2', 'hostname',
                          timeout=60).endswith('demo')
    assert len(fake_ssh.calls()) == 2
    assert time.monotonic() - began < 30


def test_ssh_gives_up_after_timeout_with_the_reason(fake_ssh):
    fake_ssh.fail(1000)
    with pytest.raises(RuntimeError) as err:
        demo_login.ssh('/s/demo-key', '10.0.0.2', 'hostname', timeout=0)
    assert 'root@10.0.0.2' in str(err.value)
    assert 'Connection refused' in str(err.value)
    assert len(fake_ssh.calls()) == 1

