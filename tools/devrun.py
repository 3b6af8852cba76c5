"""`make run` / `make stop`: a local novalite cloud in a state directory.

start: writes the config (SQLite, RabbitMQ on localhost), syncs the database,
creates the default flavors, network and an image, starts the four services
as background processes (logs in <state>/logs), boots a server through the
REST API, waits until it is ACTIVE and writes the `novalite` entry of
~/.config/openstack/clouds.yaml. Safe to run again.
"""

import argparse
import os
import subprocess
import sys
import time

from novalite.tools import localcloud

DEMO_SERVER = 'demo'
DEMO_IMAGE = 'novalite-demo'
CLOUDS_YAML = os.path.expanduser('~/.config/openstack/clouds.yaml')


def _cloud(state):
    return localcloud.LocalCloud(
        state, localcloud.Database('sqlite', state).url,
        compute_hosts=['compute1'], api_port=int(os.environ.get(
            'NOVALITE_API_PORT', 8774)),
        libvirt_uri=os.environ.get('LIBVIRT_URI', 'test:///default'))


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


def _ensure_server(conn, image):
    for server in conn.compute.servers(name='^%s$' % DEMO_SERVER):
        if server.status == 'ACTIVE':
            return server
    flavor = conn.compute.find_flavor('m1.nano')
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
    image = _ensure_image(conn, state)
    began = time.monotonic()
    server = _ensure_server(conn, image)
    print('\nserver %s (%s) is %s on host %s, addresses %s (%.2fs)' % (
        server.name, server.id, server.status, server.compute_host,
        server.addresses, time.monotonic() - began))
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('action', choices=['start', 'stop'])
    parser.add_argument('--state', default=os.path.join(os.getcwd(), '.state'))
    args = parser.parse_args(argv)
    os.makedirs(args.state, exist_ok=True)
    {'start': start, 'stop': stop}[args.action](os.path.abspath(args.state))
    return 0


if __name__ == '__main__':
    sys.exit(main())
