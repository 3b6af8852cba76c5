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
"""

import argparse
import hashlib
import os
import subprocess
import sys
import time

from novalite.tools import build_test_guest
from novalite.tools import localcloud

DEMO_SERVER = 'demo'
DEMO_IMAGE = 'novalite-demo'
GUEST_PREFIX = 'novalite-guest'
GUEST_FLAVOR = 'm1.tiny'    # the cloud kernel wants more than m1.nano's 64 MB
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


def _cloud(state):
    uri = _uri()
    port = int(os.environ.get('NOVALITE_API_PORT', 8774))
    extra = {}
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


def _ensure_server(conn, image, flavor_name='m1.nano'):
    for server in conn.compute.servers(name='^%s$' % DEMO_SERVER):
        if server.status == 'ACTIVE' and server.image.id == image.id:
            return server
        # From an earlier run in another mode (test:///default vs QEMU),
        # or broken: replace it.
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=60, interval=0.2)
    flavor = conn.compute.find_flavor(flavor_name)
    network = conn.compute.get('/os-networks').json()['networks'][0]
    server = conn.compute.create_server(
        name=DEMO_SERVER, image_id=image.id, flavor_id=flavor.id,
        networks=[{'uuid': network['id']}])
    return conn.compute.wait_for_server(server, status='ACTIVE', wait=120,
                                        interval=0.2)


def start(state):
    import openstack
    cloud = _cloud(state)
    if cloud.pids():
        print('novalite already running from %s (%s)' % (
            state, ', '.join(sorted(cloud.pids()))))
    else:
        cloud.write_config()
        print(cloud.manage('bootstrap').strip())
        cloud.start()
        cloud.wait_ready(timeout=90)
        print('services started: %s (logs in %s)' % (
            ', '.join(sorted(cloud.pids())), cloud.log_dir))
    cloud.write_clouds_yaml(CLOUDS_YAML)
    conn = openstack.connect(**cloud.cloud_config())
    real = _real(cloud.libvirt_uri)
    if real:
        image = _ensure_guest_image(conn, state)
    else:
        image = _ensure_image(conn, state)
    began = time.monotonic()
    server = _ensure_server(conn, image,
                            GUEST_FLAVOR if real else 'm1.nano')
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
            server = _ensure_server(conn, image, GUEST_FLAVOR)
            marker = _marker(conn, server)
        print('console (%s, QEMU TCG): %s  (%.2fs after the request)' % (
            cloud.libvirt_uri, marker, time.monotonic() - began))
    print('\nThe cloud is up: API %s/v2.1, image API %s/image\n'
          'Try:\n'
          '  openstack --os-cloud novalite server list\n'
          '  python -c "import openstack; '
          'print(list(openstack.connect(cloud=\'novalite\').compute.servers()))"\n'
          'Stop it with: make stop' % (cloud.endpoint, cloud.endpoint))


def stop(state):
    cloud = _cloud(state)
    running = cloud.pids()
    cloud.stop()
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
    if os.path.isdir(path) and not path.startswith(state + '/'):
        subprocess.run(['rm', '-rf', os.path.dirname(path)], check=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=['start', 'stop', 'clean'])
    parser.add_argument('--state', default=os.path.join(os.getcwd(), '.state'))
    args = parser.parse_args(argv)
    os.makedirs(args.state, exist_ok=True)
    {'start': start, 'stop': stop, 'clean': clean}[args.action](os.path.abspath(args.state))
    return 0


if __name__ == '__main__':
    sys.exit(main())
