"""`make tempest`: real tempest (from PyPI, in its own virtualenv) runs the
compute and image tests of OpenStack's interop guideline 2020.06 against
novalite behind a real Keystone, with pre-provisioned accounts.

    python -m novalite.tools.tempest_run [--state .state] [--subset ci]
        [--concurrency 2] [--list FILE] [--libvirt-uri URI]

By default it brings up what it needs and removes it afterwards: a Keystone
(tools/keystone.py, its virtualenv cached in <state>/keystone-venv) on a
free port and a disposable cloud (SQLite, two compute agents on libvirt's
test:///default, a private RabbitMQ vhost) on a free API port under
<state>/tempest/run-*, so it neither needs nor disturbs the cloud of
`make run` (8774/5000). Then:

* tempest (tools/tempest_schemas.py installs it into <state>/tempest-venv)
  gets a workspace (``tempest init``) with tempest.conf (identity v3 at the
  Keystone, compute/image/network from the catalog, two images and two
  flavors, neutron and glance available, cinder and swift not, validation
  off) and accounts.yaml: pre-provisioned users (``use_dynamic_credentials
  = false``), each in its own project, seeded into the Keystone here;
* ``tempest run --include-list`` runs the interop list
  (``etc/tempest/interop-2020.06-compute-image.txt`` or ``--list``) minus
  the tests that attach volumes (printed with the reason: no block storage
  service), or with ``--subset ci`` a small fixed subset (CI_SUBSET
  below; `make test` runs the whole list);
* prints tempest's result per test and the pass/fail/skip counts, and writes
  them to <state>/tempest/last-result.json.

Exit status 0 when no test failed.
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_STATE = os.path.join(REPO, '.state')
# The list ships with the repository: CI runs from a clone with nothing
# beside it.
INTEROP_LIST = os.environ.get(
    'NOVALITE_TEMPEST_LIST',
    os.path.join(REPO, 'etc', 'tempest', 'interop-2020.06-compute-image.txt'))
# Tests of the list that need a block storage service (Cinder): novalite
# has none, so they are left out (not skipped by tempest: cinder=false
# would skip them too, but the list should say so up front).
EXCLUDED = {
    'tempest.api.compute.volumes.': 'attaches a Cinder volume: novalite has '
                                    'no block storage service',
}
# The fixed subset `make test` runs (tests/functional/test_tempest_run.py):
# one class per area, a few minutes at most on two cores.
CI_SUBSET = (
    'tempest.api.compute.test_versions.TestVersions',
    'tempest.api.compute.flavors.test_flavors.FlavorsV2TestJSON',
    'tempest.api.compute.keypairs.test_keypairs_v22.KeyPairsV22TestJSON',
    'tempest.api.compute.servers.test_availability_zone.AZV2TestJSON',
    'tempest.api.compute.test_quotas.QuotasTestJSON',
    'tempest.api.compute.servers.test_server_metadata.ServerMetadataTestJSON',
    'tempest.api.compute.images.test_images_oneserver.ImagesOneServerTestJSON',
    'tempest.api.image.v2.test_images_tags.ImagesTagsTest',
    'tempest.api.image.v2.test_images_negative.ImagesNegativeTest',
)
# Pre-provisioned accounts: (user, project, roles). tempest locks one
# account per credential type per test class; with --concurrency N it needs
# a primary, an alt and an admin per worker, and the classes' project
# reader must be in the primary's project: each project has a member and a
# reader.
ACCOUNTS = tuple(
    acct for i in range(1, 9) for acct in (
        ('tempest-user%d' % i, 'tempest-project%d' % i, ['member']),
        ('tempest-reader%d' % i, 'tempest-project%d' % i, ['reader']))) + \
    tuple(('tempest-admin%d' % i, 'tempest-admin%d' % i, ['admin'])
          for i in range(1, 5))
IMAGE_NAMES = ('tempest-image', 'tempest-image-alt')
FLAVOR_REF, FLAVOR_REF_ALT = '42', '1'     # m1.nano, m1.tiny
NETWORK = 'private'
SERVING = 'serving'


class TempestError(RuntimeError):
    pass


def _run(cmd, timeout=900, cwd=None, check=True):
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)
    if check and proc.returncode != 0:
        raise TempestError('%s failed (%s):\n%s' % (
            ' '.join(cmd[:4]), proc.returncode,
            ((proc.stdout or '') + (proc.stderr or ''))[-4000:]))
    return proc


def interop_tests(path=INTEROP_LIST):
    with open(path) as src:
        return [line.strip() for line in src
                if line.strip() and not line.startswith('#')]


def selection(subset=None, path=INTEROP_LIST):
    """(tests to run, {excluded test: reason})."""
    tests = interop_tests(path)
    if subset == 'ci':
        tests = [t for t in tests if t.rsplit('.', 1)[0] in CI_SUBSET]
    run, excluded = [], {}
    for test in tests:
        reason = next((why for prefix, why in EXCLUDED.items()
                       if test.startswith(prefix)), None)
        if reason:
            excluded[test] = reason
        else:
            run.append(test)
    return run, excluded


def include_regexes(tests):
    # A test id is the name plus its attributes, e.g. "...test_x[id-...]".
    return ['^%s(\\[|$)' % re.escape(t) for t in tests]


# -- the cloud -------------------------------------------------------------
@contextlib.contextmanager
def keystone_and_cloud(state, run_dir, hosts=2,
                       libvirt_uri='test:///default'):
    """A Keystone on a free port and a disposable cloud behind it; yields
    (Keystone, LocalCloud)."""
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
                vhost_prefix='novalite-tempest', on_teardown=rpc.cleanup,
                compute_hosts=['tempest%d' % i for i in range(1, hosts + 1)],
                libvirt_uri=libvirt_uri, extra_conf=extra) as local:
            ks.seed(local.endpoint)
            yield ks, local
    finally:
        ks.stop()


def seed_accounts(ks, path):
    """The pre-provisioned users and projects in Keystone (each user in a
    project of its own, with one role), and tempest's accounts.yaml for
    them (passwords kept in Keystone's data dir)."""
    import secrets

    import yaml
    from novalite.tools import keystone as keystone_tool
    pw_path = os.path.join(ks.data_dir, 'tempest-passwords.json')
    try:
        with open(pw_path) as src:
            passwords = json.load(src)
    except FileNotFoundError:
        passwords = {}
    for name, _project, _roles in ACCOUNTS:
        passwords.setdefault(name, secrets.token_urlsafe(12))
    fd = os.open(pw_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as out:
        json.dump(passwords, out)
    conn = ks.admin_connection()
    ident = conn.identity
    domain = ident.find_domain(keystone_tool.DOMAIN)
    roles = {r.name: r for r in ident.roles()}
    accounts = []
    for name, project, extra_roles in ACCOUNTS:
        proj = keystone_tool._find_or_create(
            ident.projects(domain_id=domain.id), ident.create_project,
            name=project, domain_id=domain.id)
        user = keystone_tool._find_or_create(
            ident.users(domain_id=domain.id), ident.create_user,
            name=name, domain_id=domain.id, password=passwords[name],
            default_project_id=proj.id)
        for role in extra_roles:
            ident.assign_project_role_to_user(proj, user, roles[role])
        account = {'username': name, 'project_name': project,
                   'password': passwords[name],
                   'domain_name': keystone_tool.DOMAIN,
                   'resources': {'network': NETWORK}}
        # tempest matches credentials by the roles listed here.
        account['roles'] = extra_roles
        accounts.append(account)
    with open(path, 'w') as out:
        yaml.safe_dump(accounts, out, default_flow_style=False)
    os.chmod(path, 0o600)
    warm_up(ks, accounts)


def warm_up(ks, accounts):
    """One password login per account, one after the other: Keystone
    writes a user's ``last_active_at`` at the first login of the day, and
    on SQLite tempest's parallel first logins then fail with "database is
    locked" (a 500 in some class's setUpClass)."""
    import requests
    for acct in accounts:
        rsp = requests.post(ks.auth_url + '/auth/tokens', timeout=60, json={
            'auth': {'identity': {'methods': ['password'], 'password': {
                'user': {'name': acct['username'],
                         'domain': {'name': acct['domain_name']},
                         'password': acct['password']}}},
                'scope': {'project': {
                    'name': acct['project_name'],
                    'domain': {'name': acct['domain_name']}}}}})
        if rsp.status_code != 201:
            raise TempestError('login of %s failed: %s %s' % (
                acct['username'], rsp.status_code, rsp.text[:300]))


def upload_images(ks, run_dir):
    """Two small public raw images: image_ref and image_ref_alt."""
    conn = ks.admin_connection()
    ids = []
    for name in IMAGE_NAMES:
        path = os.path.join(run_dir, name + '.img')
        with open(path, 'wb') as out:
            out.write(b'\0' * 65536)
        image = conn.image.create_image(
            name=name, filename=path, disk_format='raw',
            container_format='bare', visibility='public', wait=True)
        ids.append(image.id)
    return ids


_CONF = """\
[DEFAULT]
log_dir = {workspace}/logs
log_file = tempest.log
use_stderr = false

[oslo_concurrency]
lock_path = {workspace}/lock

[auth]
use_dynamic_credentials = false
test_accounts_file = {accounts}
create_isolated_networks = false
default_credentials_domain_name = Default

[identity]
auth_version = v3
uri_v3 = {auth_url}
region = RegionOne
v3_endpoint_type = public
admin_role = admin
admin_domain_scope = false

[identity-feature-enabled]
api_v2 = false
api_v3 = true

[compute]
region = RegionOne
endpoint_type = publicURL
image_ref = {image_ref}
image_ref_alt = {image_ref_alt}
flavor_ref = {flavor_ref}
flavor_ref_alt = {flavor_ref_alt}
fixed_network_name = {network}
min_microversion = 2.1
max_microversion = latest
build_interval = 1
build_timeout = 120
min_compute_nodes = {hosts}

[compute-feature-enabled]
change_password = false
console_output = true
resize = true
pause = true
shelve = false
suspend = true
cold_migration = false
live_migration = false
vnc_console = false
spice_console = false
serial_console = false
rescue = false
snapshot = true
metadata_service = false
config_drive = true
personality = false
attach_encrypted_volume = false
interface_attach = false
block_migration_for_live_migration = false
disk_config = true

[image]
region = RegionOne
endpoint_type = publicURL
build_interval = 1
build_timeout = 120
image_path =
http_image =

[image-feature-enabled]
api_v2 = true
api_v1 = false
import_image = false
os_glance_reserved = true
# novalite stores image data as given (no format inspection on upload)
image_format_enforcement = false

[network]
region = RegionOne
endpoint_type = publicURL
public_network_id =
floating_network_name =
shared_physical_network = false
project_networks_reachable = false

[network-feature-enabled]
ipv6 = false
floating_ips = false

[service_available]
nova = true
glance = true
neutron = true
cinder = false
swift = false
heat = false
horizon = false

[validation]
run_validation = false
"""


def write_workspace(tempest_bin, workspace, auth_url, image_ids, hosts):
    # tempest init registers the workspace by name: in the run dir, not in
    # ~/.tempest/workspace.yaml.
    run_dir = os.path.dirname(workspace)
    _run([tempest_bin, 'init', '--name', 'novalite-' + os.path.basename(
        run_dir), '--workspace-path', os.path.join(
            run_dir, 'workspace.yaml'), workspace], timeout=300)
    accounts = os.path.join(workspace, 'etc', 'accounts.yaml')
    os.makedirs(os.path.join(workspace, 'lock'), exist_ok=True)
    conf = os.path.join(workspace, 'etc', 'tempest.conf')
    with open(conf, 'w') as out:
        out.write(_CONF.format(
            workspace=workspace, accounts=accounts, auth_url=auth_url,
            image_ref=image_ids[0], image_ref_alt=image_ids[1],
            flavor_ref=FLAVOR_REF, flavor_ref_alt=FLAVOR_REF_ALT,
            network=NETWORK, hosts=hosts))
    return conf, accounts


# -- running tempest -------------------------------------------------------
def run_tempest(venv, workspace, tests, concurrency, timeout=3600):
    """tempest run on the include list; returns ({test id: status},
    tempest's output, seconds)."""
    include = os.path.join(workspace, 'include-list.txt')
    with open(include, 'w') as out:
        out.write('\n'.join(include_regexes(tests)) + '\n')
    began = time.monotonic()
    proc = subprocess.run(
        [os.path.join(venv, 'bin', 'tempest'), 'run', '--include-list',
         include, '--concurrency', str(concurrency), '--config-file',
         os.path.join(workspace, 'etc', 'tempest.conf')],
        cwd=workspace, text=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, timeout=timeout)
    seconds = time.monotonic() - began
    with open(os.path.join(workspace, 'tempest-run.out'), 'w') as out:
        out.write(proc.stdout)
    results = subunit_results(venv, workspace)
    return results, proc.stdout, seconds


def subunit_results(venv, workspace):
    """{test id: (status, details)} from the last stestr run."""
    last = subprocess.run(
        [os.path.join(venv, 'bin', 'stestr'), 'last', '--subunit'],
        cwd=workspace, capture_output=True, timeout=300)
    if last.returncode != 0 or not last.stdout:
        return {}
    stream = last.stdout
    script = (
        'import sys, json, subunit, testtools\n'
        'out = {}\n'
        'class R(testtools.StreamResult):\n'
        '    def status(self, test_id=None, test_status=None, '
        'file_name=None, file_bytes=None, **kw):\n'
        '        if not test_id: return\n'
        '        e = out.setdefault(test_id, ["", ""])\n'
        '        if test_status: e[0] = test_status\n'
        '        if file_bytes and file_name in ("traceback", "reason"):\n'
        '            e[1] += bytes(file_bytes).decode("utf-8", "replace")\n'
        'case = subunit.ByteStreamToStreamResult(sys.stdin.buffer)\n'
        'r = R(); r.startTestRun(); case.run(r); r.stopTestRun()\n'
        'print(json.dumps(out))\n')
    proc = subprocess.run([os.path.join(venv, 'bin', 'python'), '-c', script],
                          input=stream, capture_output=True, timeout=300)
    if proc.returncode != 0:
        raise TempestError('reading the subunit stream failed:\n%s'
                           % proc.stderr.decode()[-3000:])
    return {k: tuple(v) for k, v in json.loads(proc.stdout).items()}


def counts(results):
    tally = {'success': 0, 'fail': 0, 'skip': 0}
    for status, _details in results.values():
        if status in tally:
            tally[status] += 1
    return {'passed': tally['success'], 'failed': tally['fail'],
            'skipped': tally['skip']}


def _short_reason(details):
    lines = [ln for ln in details.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ''


def report(results, excluded, seconds):
    print('\ntempest results:')
    for test in sorted(results):
        status, details = results[test]
        if test.endswith(('setUpClass)', 'tearDownClass)')) \
                and status == 'success':
            continue
        label = {'success': 'ok', 'fail': 'FAIL', 'skip': 'skip'}.get(
            status, status)
        line = '  %-4s %s' % (label, test)
        if status in ('fail', 'skip'):
            line += '\n         ' + _short_reason(details)
        print(line)
    if excluded:
        print('\nexcluded from the run (%d):' % len(excluded))
        for test, why in sorted(excluded.items()):
            print('  %s: %s' % (test, why))
    tally = counts(results)
    print('\ntempest: %(passed)d passed, %(failed)d failed, '
          '%(skipped)d skipped' % tally
          + ', %d excluded; %.0f s' % (len(excluded), seconds))
    return tally


def finish(venv, workspace, tests, excluded, concurrency, subset, home):
    results, output, seconds = run_tempest(venv, workspace, tests,
                                           concurrency)
    if not results:
        print(output[-6000:])
        raise TempestError('tempest ran no test; see %s' % workspace)
    tally = report(results, excluded, seconds)
    summary = dict(tally, excluded=sorted(excluded), seconds=round(seconds),
                   subset=subset or 'interop',
                   failures={t: _short_reason(d) for t, (s, d)
                             in results.items() if s == 'fail'},
                   workspace=workspace)
    with open(os.path.join(home, 'last-result.json'), 'w') as out:
        json.dump(summary, out, indent=2)
    return summary


def run(state=DEFAULT_STATE, subset=None, concurrency=2, list_path=None,
        hosts=2, libvirt_uri='test:///default', workspace=None, serve=False,
        home=None):
    """Run tempest; with ``workspace`` (one ``serve`` set up) on that
    workspace's running cloud; with ``serve``, set everything up and keep
    it running until interrupted, without running tempest."""
    from novalite.tools import tempest_schemas
    state = os.path.abspath(state)
    tests, excluded = selection(subset, list_path or INTEROP_LIST)
    python = tempest_schemas.ensure(state)
    venv = os.path.dirname(os.path.dirname(python))
    if workspace:
        return finish(venv, os.path.abspath(workspace), tests, excluded,
                      concurrency, subset, os.path.join(state, 'tempest'))
    home = home or os.path.join(state, 'tempest')
    os.makedirs(home, exist_ok=True)
    # Only the last run's workspace, Keystone and cloud logs are kept.
    # (Not a --serve run's, still serving.)
    for old in os.listdir(home):
        if old.startswith('run-') and not os.path.exists(
                os.path.join(home, old, SERVING)):
            shutil.rmtree(os.path.join(home, old), ignore_errors=True)
    run_dir = tempfile.mkdtemp(prefix='run-', dir=home)
    print('tempest: %d tests (%s), %d excluded; Keystone and a disposable '
          'cloud (%d compute hosts, %s) in %s' % (
              len(tests), subset or 'interop 2020.06 compute+image',
              len(excluded), hosts, libvirt_uri, run_dir))
    began = time.monotonic()
    with keystone_and_cloud(state, run_dir, hosts, libvirt_uri) as (ks,
                                                                     local):
        workspace = os.path.join(run_dir, 'workspace')
        image_ids = upload_images(ks, run_dir)
        _conf, accounts = write_workspace(
            os.path.join(venv, 'bin', 'tempest'), workspace, ks.auth_url,
            image_ids, hosts)
        seed_accounts(ks, accounts)
        print('cloud %s, Keystone %s ready after %.0f s; running tempest '
              '(concurrency %d)' % (local.endpoint, ks.auth_url,
                                    time.monotonic() - began, concurrency))
        if serve:
            print('serving; run tempest with --workspace %s (Ctrl-C stops)'
                  % workspace, flush=True)
            marker = os.path.join(run_dir, SERVING)
            open(marker, 'w').close()
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return None
            finally:
                os.unlink(marker)
        return finish(venv, workspace, tests, excluded, concurrency, subset,
                      home)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--state', default=DEFAULT_STATE)
    parser.add_argument('--subset', choices=['ci'],
                        help="the small fixed subset `make test` runs")
    parser.add_argument('--list', help='a test list instead of the interop '
                                       'one (one test name a line)')
    parser.add_argument('--concurrency', type=int, default=2)
    parser.add_argument('--hosts', type=int, default=2)
    parser.add_argument('--libvirt-uri', default='test:///default')
    parser.add_argument('--serve', action='store_true',
                        help='set up the cloud and workspace and keep them '
                             'until interrupted (for --workspace)')
    parser.add_argument('--workspace', help="run tempest in a --serve "
                                            "run's workspace (its cloud)")
    args = parser.parse_args(argv)
    if args.serve:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.default_int_handler)
    summary = run(args.state, args.subset, args.concurrency, args.list,
                  args.hosts, args.libvirt_uri, args.workspace, args.serve)
    return 0 if not summary or summary['failed'] == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
