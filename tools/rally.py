"""`make rally`: real Rally (rally-openstack from PyPI, in its own virtualenv)
runs rally-jobs/novalite.yaml against novalite behind a real Keystone, then
writes Rally's HTML and JSON reports and prints Rally's table.

    python -m novalite.tools.rally [--state .state] [--task-args JSON]
    python -m novalite.tools.rally --cloud novalite   (a running cloud)

By default it brings up what it needs and removes it afterwards: a Keystone
(tools/keystone.py, its virtualenv cached in <state>/keystone-venv) on a
free port and a disposable cloud (SQLite, two compute agents on libvirt's
test:///default, a private RabbitMQ vhost, quotas lifted) under
<state>/rally/run, so it neither needs nor disturbs the cloud of `make run`.
``--cloud PREFIX`` instead uses the clouds ``PREFIX-admin`` and
``PREFIX-demo`` of clouds.yaml, e.g. those `make run AUTH=keystone` writes
(mind its quota: Nova's default of 10 instances per project is less than
boot_server's ``times`` leaves behind until Rally's cleanup).

Rally's state lives in <state>/rally: the virtualenv (<state>/rally-venv),
rally.conf with every ``nova_server_*`` poll interval and pre-poll delay at
0.1 s (Rally's defaults are 1–3 s, which would hide novalite's speed), the
Rally database, and the reports (rally-report.html, rally-report.json).
Then, unless ``--no-builtin``, the built-in runner (novalite-bench) runs the
same task on the same cloud as the same user, so the two tables can be read
side by side (its reports in <state>/rally/builtin).
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASK = os.path.join(REPO, 'rally-jobs', 'novalite.yaml')
RALLY_PIP = os.environ.get('NOVALITE_RALLY_PIP', 'rally-openstack')
POLL = 0.1
IMAGE_NAME = 'novalite-bench'
ENV_NAME = 'novalite'
CLOUDS_YAML = os.environ.get('OS_CLIENT_CONFIG_FILE', os.path.expanduser(
    '~/.config/openstack/clouds.yaml'))


class RallyError(RuntimeError):
    pass


def _run(cmd, timeout=1800, check=True, env=None, capture=True):
    proc = subprocess.run(cmd, capture_output=capture, text=True,
                          timeout=timeout, env=env)
    if check and proc.returncode != 0:
        raise RallyError('%s failed (%s):\n%s' % (
            ' '.join(cmd[:4]), proc.returncode,
            ((proc.stdout or '') + (proc.stderr or ''))[-4000:]))
    return proc


class Rally:
    """One Rally installation and its configuration under ``state``."""

    def __init__(self, state):
        self.state = os.path.abspath(state)
        self.venv = os.path.join(self.state, 'rally-venv')
        self.home = os.path.join(self.state, 'rally')
        self.conf = os.path.join(self.home, 'rally.conf')
        self.html = os.path.join(self.home, 'rally-report.html')
        self.json = os.path.join(self.home, 'rally-report.json')

    def bin(self, name):
        return os.path.join(self.venv, 'bin', name)

    def install(self):
        """rally-openstack in its own virtualenv (once; reused after)."""
        stamp = os.path.join(self.venv, '.novalite-installed')
        if os.path.exists(stamp) and os.path.exists(self.bin('rally')):
            return
        if not os.path.exists(self.bin('rally')):
            print('installing %s into %s (once)' % (RALLY_PIP, self.venv))
            if not os.path.exists(self.bin('python')):
                _run([sys.executable, '-m', 'venv', self.venv])
            _run([self.bin('pip'), 'install', '-q', RALLY_PIP])
        with open(stamp, 'w') as out:
            out.write(RALLY_PIP + '\n')

    def poll_defaults(self):
        """{option: Rally's default} of every nova_server poll option."""
        proc = _run([self.bin('python'), '-c',
                     'import json\n'
                     'from rally_openstack.common.cfg import nova\n'
                     'print(json.dumps({o.name: o.default for o in '
                     'nova.OPTS["openstack"] if "poll" in o.name}))'])
        return json.loads(proc.stdout)

    def configure(self):
        os.makedirs(self.home, exist_ok=True)
        defaults = self.poll_defaults()
        lines = ['[DEFAULT]', 'log_file = %s' % os.path.join(
                     self.home, 'rally.log'), '',
                 '[database]', 'connection = sqlite:///%s' % os.path.join(
                     self.home, 'rally.sqlite'), '', '[openstack]']
        print('rally.conf [openstack] (Rally default -> here):')
        for name in sorted(defaults):
            if name.startswith('nova_server_'):
                # A pre-poll delay Rally already has at 0 stays 0.
                value = min(float(defaults[name]), POLL)
                lines.append('%s = %s' % (name, value))
                print('  %-44s %4s s -> %s s' % (name, defaults[name], value))
        with open(self.conf, 'w') as out:
            out.write('\n'.join(lines) + '\n')
        _run(self.cmd('db', 'recreate'))

    def cmd(self, *args):
        return [self.bin('rally'), '--config-file', self.conf, *args]

    def create_env(self, spec):
        path = os.path.join(self.home, 'env.json')
        with open(path, 'w') as out:
            json.dump({'existing@openstack': spec}, out, indent=2)
        os.chmod(path, 0o600)
        _run(self.cmd('env', 'delete', '--env', ENV_NAME, '--force'),
             check=False)
        _run(self.cmd('env', 'create', '--name', ENV_NAME, '--spec', path))
        check = _run(self.cmd('env', 'check', '--env', ENV_NAME),
                     check=False)
        print(check.stdout.strip())
        if check.returncode != 0:
            raise RallyError('rally env check failed:\n%s%s' % (
                check.stdout, check.stderr))

    def run_task(self, task_args):
        """Rally's task start (its own table streams to the terminal),
        then the reports; returns (task uuid, passed SLA)."""
        began = time.monotonic()
        proc = subprocess.run(
            self.cmd('task', 'start', TASK, '--task-args',
                     json.dumps(task_args), '--tag', 'novalite'),
            text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=3600)
        out = proc.stdout
        uuid = _task_uuid(out)
        print(_rally_tables(out))
        print('rally task start: exit %s after %.1f s'
              % (proc.returncode, time.monotonic() - began))
        if uuid is None:
            raise RallyError('Rally started no task:\n%s' % out[-4000:])
        _run(self.cmd('task', 'report', '--uuid', uuid, '--html-static',
                      '--out', self.html))
        _run(self.cmd('task', 'report', '--uuid', uuid, '--json',
                      '--out', self.json))
        sla = _run(self.cmd('task', 'sla-check', '--uuid', uuid),
                   check=False)
        print(sla.stdout.strip())
        print('Rally reports: %s\n               %s' % (self.html, self.json))
        return uuid, proc.returncode == 0 and sla.returncode == 0


def _task_uuid(output):
    for line in output.splitlines():
        if line.startswith('Task ') and ':' in line:
            candidate = line.split()[1].rstrip(':')
            if len(candidate) == 36:
                return candidate
    return None


def _rally_tables(output):
    """Rally's own per-workload tables (and load durations) from its
    output, without the log lines around them."""
    keep, skip, lines = False, False, []
    for line in output.splitlines():
        if line.startswith('Task ') and 'finished' in line:
            keep = True
        # Each workload's echoed arguments: the task file has them.
        if line.startswith('args values:'):
            skip = True
        elif skip and line.startswith('----'):
            skip = False
        if keep and not skip and not line.startswith(('20', 'HINTS')):
            lines.append(line)
    return '\n'.join(lines) if lines else output[-6000:]


def user_spec(cfg):
    auth = cfg['auth']
    return {key: auth[key] for key in (
        'username', 'password', 'project_name', 'user_domain_name',
        'project_domain_name')}


def env_spec(admin_cfg, user_cfgs):
    return {'auth_url': admin_cfg['auth']['auth_url'],
            'region_name': admin_cfg.get('region_name', 'RegionOne'),
            'endpoint_type': 'public',
            'admin': user_spec(admin_cfg),
            'users': [user_spec(c) for c in user_cfgs]}


def ensure_image(admin_cfg, state):
    """A small public raw image named novalite-bench (the task's image)."""
    import openstack
    conn = openstack.connect(**admin_cfg)
    for image in conn.image.images(name=IMAGE_NAME):
        if image.status == 'active':
            return image.id
    path = os.path.join(state, 'rally', IMAGE_NAME + '.img')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as out:
        out.write(b'\0' * 65536)
    image = conn.image.create_image(
        name=IMAGE_NAME, filename=path, disk_format='raw',
        container_format='bare', visibility='public', wait=True)
    return image.id


def _clouds(prefix):
    import yaml
    with open(CLOUDS_YAML) as src:
        clouds = yaml.safe_load(src)['clouds']
    try:
        return clouds[prefix + '-admin'], [clouds[prefix + '-demo']]
    except KeyError as exc:
        raise RallyError('%s has no cloud %s (run `make run AUTH=keystone` '
                         'first)' % (CLOUDS_YAML, exc)) from exc


def run(state, task_args, cloud=None, hosts=2, builtin=True):
    rally = Rally(state)
    rally.install()
    rally.configure()
    if cloud:
        admin, users = _clouds(cloud)
        return _run_against(rally, state, admin, users, task_args, builtin)
    os.makedirs(rally.home, exist_ok=True)
    # Only the last run's Keystone and cloud logs are kept.
    for old in os.listdir(rally.home):
        if old.startswith('run-'):
            shutil.rmtree(os.path.join(rally.home, old), ignore_errors=True)
    run_dir = tempfile.mkdtemp(prefix='run-', dir=rally.home)
    print('starting Keystone and a disposable cloud (%d compute hosts, '
          'test:///default) in %s' % (hosts, run_dir))
    with keystone_and_cloud(state, run_dir, hosts) as configs:
        return _run_against(rally, state, configs['novalite-admin'],
                            [configs['novalite-demo']], task_args, builtin)


@contextlib.contextmanager
def keystone_and_cloud(state, run_dir, hosts):
    """A Keystone on a free port and a disposable cloud behind it (as
    tests/functional/keystone_cloud.py); yields the clouds.yaml entries."""
    from novalite.common import rpc
    from novalite.tools import keystone as keystone_tool
    from novalite.tools import localcloud
    ks = keystone_tool.Keystone(os.path.join(run_dir, 'keystone'),
                                venv_dir=os.path.join(state, 'keystone-venv'),
                                port=localcloud.free_port())
    ks.install()
    ks.configure()
    ks.start()
    try:
        extra = {'api': {'auth_strategy': 'keystone'},
                 'keystone_authtoken': ks.authtoken_conf()}
        with localcloud.disposable_cloud(
                'sqlite', os.path.join(run_dir, 'cloud'),
                vhost_prefix='novalite-rally', on_teardown=rpc.cleanup,
                compute_hosts=['rally%d' % i for i in range(hosts)],
                extra_conf=extra) as local:
            ks.seed(local.endpoint)
            yield ks.cloud_configs()
    finally:
        ks.stop()


def _run_against(rally, state, admin, users, task_args, builtin=True):
    ensure_image(admin, state)
    rally.create_env(env_spec(admin, users))
    uuid, passed = rally.run_task(task_args)
    if builtin:
        passed = run_builtin(rally, users[0], task_args) and passed
    return uuid, passed


def run_builtin(rally, user_cfg, task_args):
    """The built-in runner on the same task, cloud and user, right after
    Rally: the two tables side by side (reports in <state>/rally/builtin)."""
    from novalite.bench.runner import cli
    from novalite.bench.runner import client
    from novalite.bench.runner import task as task_mod
    print('\nThe built-in runner (novalite-bench) on the same task, cloud '
          'and user:')
    cloud = client.Cloud.from_config(config=user_cfg)
    results, paths = cli.run_task(task_mod.load(TASK, task_args), cloud,
                                  os.path.join(rally.home, 'builtin'))
    print('novalite-bench reports: %s\n                        %s' % (
        paths['json'], paths['html']))
    return all(r['pass_sla'] for r in results)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--state', default=os.path.join(REPO, '.state'))
    parser.add_argument('--task-args', default='{}',
                        help='JSON task arguments (times, concurrency, '
                             'count, image_name, flavor_name)')
    parser.add_argument('--cloud', help='use the clouds PREFIX-admin and '
                                        'PREFIX-demo of clouds.yaml instead '
                                        'of starting a cloud')
    parser.add_argument('--hosts', type=int, default=2)
    parser.add_argument('--no-builtin', action='store_true',
                        help='skip the built-in runner after Rally')
    args = parser.parse_args(argv)
    _uuid, passed = run(args.state, json.loads(args.task_args), args.cloud,
                        args.hosts, builtin=not args.no_builtin)
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())
