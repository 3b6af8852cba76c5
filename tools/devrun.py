"""`make run` / `make stop`: a local novalite cloud in a state directory.

start: writes the config (SQLite, RabbitMQ on localhost), syncs the database,
creates the default flavors and network, starts the four services as
background processes (logs in <state>/logs), uploads the test guest
(tools/build_test_guest.py: Debian's cloud kernel + a busybox initramfs) as
an AMI trio, boots it through the REST API as a real QEMU guest
(qemu:///system, virt_type = qemu), waits until it is ACTIVE and prints the
marker line from its console; then writes the `novalite` entry of
~/.config/openstack/clouds.yaml. Safe to run again.

LIBVIRT_URI=test:///default boots on libvirt's test hypervisor instead (no
real guest: a small blank qcow2 image, no console).

--auth keystone (`make run AUTH=keystone`) also runs a real Keystone on
127.0.0.1:5000 (tools/keystone.py: its own virtualenv, SQLite and fernet
keys under <state>/keystone), configures the API for it and writes the
clouds novalite-admin, -demo, -alt and -reader (password auth); the
`novalite` cloud is then the admin one. Switching modes restarts the
services with the new configuration.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import time

from novalite.tools import build_test_guest
from novalite.tools import demo_login
from novalite.tools import keystone as keystone_tool
from novalite.tools import localcloud

DEMO_SERVER = 'demo'
DEMO_IMAGE = 'novalite-demo'
GUEST_PREFIX = 'novalite-guest'
GUEST_FLAVOR = 'm1.nano'    # 128 MB: the cloud kernel cannot start in 64
# OS_CLIENT_CONFIG_FILE is where openstacksdk looks first, too.
CLOUDS_YAML = os.environ.get('OS_CLIENT_CONFIG_FILE', os.path.expanduser(
    '~/.config/openstack/clouds.yaml'))


def _uri():
    return os.environ.get('LIBVIRT_URI', 'qemu:///system')


def _real(uri):
    return not uri.startswith('test://')


def _traversable(path):
    """Whether user libvirt-qemu can reach files under ``path`` (o+x on
    the path and every parent)."""
    path = os.path.abspath(path)
    while True:
        if not os.stat(path).st_mode & 0o001:
            return False
        if path == '/':
            return True
        path = os.path.dirname(path)


def instances_path(state):
    """<state>/instances when QEMU can reach it; else a directory of this
    state's own under /var/lib/novalite (a state dir under /root is not
    traversable by libvirt-qemu)."""
    if _traversable(state):
        return os.path.join(state, 'instances')
    tag = hashlib.sha1(state.encode()).hexdigest()[:10]
    return os.path.join('/var/lib/novalite', tag, 'instances')


def _keystone(state):
    return keystone_tool.Keystone(
        os.path.join(state, 'keystone'),
        port=int(os.environ.get('NOVALITE_KEYSTONE_PORT', 5000)))


def _mode_file(state):
    return os.path.join(state, 'auth_strategy')


def _running_mode(state):
    try:
        with open(_mode_file(state)) as src:
            return src.read().strip()
    except FileNotFoundError:
        return 'noauth2'


def _cloud(state, auth=None):
    auth = auth or _running_mode(state)
    uri = _uri()
    port = int(os.environ.get('NOVALITE_API_PORT', 8774))
    extra = {}
    if auth == 'keystone':
        extra['api'] = {'auth_strategy': 'keystone'}
        extra['keystone_authtoken'] = _keystone(state).authtoken_conf()
    if _real(uri):
        path = instances_path(state)
        os.makedirs(path, exist_ok=True)
        for p in (path, os.path.dirname(path)):
            os.chmod(p, os.stat(p).st_mode | 0o005)
        extra['libvirt'] = {'instances_path': path}
    return localcloud.LocalCloud(
        state, localcloud.Database('sqlite', state).url,
        compute_hosts=['compute1'], api_port=port, libvirt_uri=uri,
        virt_type='qemu', extra_conf=extra)


def _demo_image_file(state):
    """A small qcow2 disk (qemu-img), the image `make run` uploads."""
    path = os.path.join(state, 'demo.qcow2')
    if not os.path.exists(path):
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path,
                        '64M'], check=True)
    return path


def _ensure_image(conn, state):
    for image in conn.image.images(name=DEMO_IMAGE):
        if image.status == 'active':
            return image
    image = conn.image.create_image(
        name=DEMO_IMAGE, filename=_demo_image_file(state),
        disk_format='qcow2', container_format='bare', visibility='public',
        wait=True)
    return conn.image.get_image(image.id)


def _ensure_guest_image(conn, state):
    """The test guest's AMI (with its AKI and ARI), uploaded once."""
    for image in conn.image.images(name=GUEST_PREFIX + '-disk'):
        if image.status == 'active':
            return image
    print('building the test guest from Debian packages (cached in %s)'
          % os.path.join(state, 'test-guest'))
    guest = build_test_guest.build(os.path.join(state, 'test-guest'))
    ids = build_test_guest.upload(conn, guest, GUEST_PREFIX)
    return conn.image.get_image(ids['ami'])


def _marker(conn, server, timeout=120):
    """The guest's marker line from os-getConsoleOutput (polled)."""
    deadline = time.monotonic() + timeout
    output = ''
    while time.monotonic() < deadline:
        output = conn.compute.get_server_console_output(server)['output']
        for line in output.splitlines():
            if line.startswith(build_test_guest.MARKER):
                return line.strip()
        time.sleep(0.5)
    raise RuntimeError('no %s on the console of %s after %ss; its tail:\n%s'
                       % (build_test_guest.MARKER, server.id, timeout,
                          '\n'.join(output.splitlines()[-15:])))


def _ensure_server(conn, image, flavor_name='m1.nano', login=False):
    """The demo server; with ``login``, booted with the `demo` keypair, the
    `demo-ssh` group and a config drive, so it can be logged into. The
    server records the keypair's fingerprint: a keypair made anew (its key
    file was lost) replaces a server booted with the old key."""
    fingerprint = None
    if login:
        fingerprint = conn.compute.find_keypair(demo_login.KEYPAIR).fingerprint
    for server in conn.compute.servers(name='^%s$' % DEMO_SERVER):
        if server.status == 'ACTIVE' and server.image.id == image.id and \
                (not login or (server.key_name == demo_login.KEYPAIR and
                               (server.metadata or {}).get('demo-key')
                               == fingerprint)):
            return server
        # From an earlier run in another mode (test:///default vs QEMU),
        # or broken: replace it.
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=60, interval=0.2)
    flavor = conn.compute.find_flavor(flavor_name)
    networks = conn.compute.get('/os-networks').json()['networks']
    network = ([n for n in networks if n['label'] == 'private']
               or networks)[0]
    extra = {}
    if login:
        extra = {'key_name': demo_login.KEYPAIR, 'config_drive': True,
                 'metadata': {'demo-key': fingerprint},
                 'security_groups': [{'name': 'default'},
                                     {'name': demo_login.GROUP}]}
    server = conn.compute.create_server(
        name=DEMO_SERVER, image_id=image.id, flavor_id=flavor.id,
        networks=[{'uuid': network['id']}], **extra)
    return conn.compute.wait_for_server(server, status='ACTIVE', wait=120,
                                        interval=0.2)


def _log_in(state, server):
    """The guest's own `uname -a` and hostname over SSH, and how to log in."""
    key = demo_login.key_path(state)
    (address,) = [a['addr'] for nets in server.addresses.values()
                  for a in nets][:1]
    began = time.monotonic()
    uname = demo_login.ssh(key, address, 'uname -a; hostname')
    print('over SSH (%.2fs): %s' % (time.monotonic() - began,
                                    uname.replace('\n', '\n  hostname: ')))
    print('log in with: %s' % ' '.join(demo_login.ssh_command(key, address)))


def start(state, auth='noauth2'):
    import openstack
    if _running_mode(state) != auth and _cloud(state).pids():
        print('switching from %s to %s: restarting the services'
              % (_running_mode(state), auth))
        stop(state)
    ks = None
    if auth == 'keystone':
        ks = _keystone(state)
        print('Keystone: installing into %s (once), serving %s'
              % (ks.venv_dir, ks.auth_url))
        ks.install()
        ks.configure()
        ks.start()
    cloud = _cloud(state, auth)
    if cloud.pids():
        print('novalite already running from %s (%s)' % (
            state, ', '.join(sorted(cloud.pids()))))
    else:
        cloud.write_config()
        with open(_mode_file(state), 'w') as out:
            out.write(auth + '\n')
        print(cloud.manage('bootstrap').strip())
        cloud.start()
        cloud.wait_ready(timeout=90)
        print('services started: %s (logs in %s)' % (
            ', '.join(sorted(cloud.pids())), cloud.log_dir))
    if ks:
        ks.seed(cloud.endpoint)
        entries = ks.cloud_configs()
        entries['novalite'] = entries['novalite-admin']
        cloud.write_clouds_yaml(CLOUDS_YAML, entries=entries)
        conn = openstack.connect(**entries['novalite-admin'])
    else:
        cloud.write_clouds_yaml(CLOUDS_YAML)
        conn = openstack.connect(**cloud.cloud_config())
    real = _real(cloud.libvirt_uri)
    if real:
        image = _ensure_guest_image(conn, state)
    else:
        image = _ensure_image(conn, state)
    if real:
        demo_login.ensure_keypair(conn, state)
        demo_login.ensure_group(conn)
    began = time.monotonic()
    server = _ensure_server(conn, image,
                            GUEST_FLAVOR if real else 'm1.nano', login=real)
    print('\nserver %s (%s) is %s on host %s, addresses %s (%.2fs)' % (
        server.name, server.id, server.status, server.compute_host,
        server.addresses, time.monotonic() - began))
    if real:
        try:
            marker = _marker(conn, server)
        except openstack.exceptions.NotFoundException:
            # ACTIVE in the database but its domain is gone (the host was
            # rebooted since the last run): boot it again.
            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, wait=60, interval=0.2)
            began = time.monotonic()
            server = _ensure_server(conn, image, GUEST_FLAVOR, login=True)
            marker = _marker(conn, server)
        print('console (%s, QEMU TCG): %s  (%.2fs after the request)' % (
            cloud.libvirt_uri, marker, time.monotonic() - began))
        _log_in(state, server)
    print('\nThe cloud is up: API %s/v2.1, image API %s/image\n'
          'Try:\n'
          '  openstack --os-cloud novalite server list\n'
          '  python -c "import openstack; '
          'print(list(openstack.connect(cloud=\'novalite\').compute.servers()))"\n'
          'Stop it with: make stop' % (cloud.endpoint, cloud.endpoint))
    if ks:
        print('Keystone at %s; clouds: %s (%s)' % (
            ks.auth_url, ', '.join(sorted(ks.cloud_configs())), CLOUDS_YAML))


def stop(state):
    cloud = _cloud(state)
    running = cloud.pids()
    cloud.stop()
    ks = _keystone(state)
    if ks.pid():
        ks.stop()
        running['keystone'] = True
    from novalite.tools import horizon
    if horizon.for_state(state).stop():
        running['horizon'] = True
    print('stopped %s' % (', '.join(sorted(running)) or 'nothing'))


def clean(state):
    """Stop the services, then destroy and undefine the guests whose files
    live in this cloud's instances path and remove those files: nothing of
    the cloud outlives ``make clean`` (a plain stop leaves guests running,
    as stopping nova-compute does)."""
    stop(state)
    path = instances_path(state)
    if _real(_uri()) and os.path.isdir(path):
        import libvirt
        conn = libvirt.open(_uri())
        try:
            for dom in conn.listAllDomains():
                if path + '/' not in dom.XMLDesc(0):
                    continue
                if dom.isActive():
                    dom.destroy()
                dom.undefineFlags(
                    libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
                print('removed guest %s' % dom.name())
        finally:
            conn.close()
    if _real(_uri()):
        demo_login.prune_libvirt(_uri())
    if os.path.isdir(path) and not path.startswith(state + '/'):
        subprocess.run(['rm', '-rf', os.path.dirname(path)], check=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=['start', 'stop', 'clean'])
    parser.add_argument('--state', default=os.path.join(os.getcwd(), '.state'))
    parser.add_argument('--auth', default='noauth2',
                        choices=['noauth2', 'keystone'],
                        help='keystone: also run a real Keystone (start)')
    args = parser.parse_args(argv)
    os.makedirs(args.state, exist_ok=True)
    state = os.path.abspath(args.state)
    if args.action == 'start':
        start(state, args.auth)
    else:
        {'stop': stop, 'clean': clean}[args.action](state)
    return 0


if __name__ == '__main__':
    sys.exit(main())
