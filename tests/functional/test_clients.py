"""Stock clients from PyPI work unchanged: the openstack CLI (through a
clouds.yaml entry like the one `make run` writes) and python-novaclient."""

import json
import os
import subprocess
import sys

from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client

from novalite.tests.functional import helpers


def _openstack(cloud, tmp_path, *args):
    clouds = tmp_path / 'clouds.yaml'
    cloud.local.write_clouds_yaml(str(clouds), name='novalite')
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(clouds))
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'openstack'),
         '--os-cloud', 'novalite', *args, '-f', 'json'],
        capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_openstack_cli_lists_and_shows_servers(cloud, tmp_path):
    server = cloud.sdk.compute.create_server(
        name='cli-visible', image_id=cloud.image_id, flavor_id='42',
        networks=[{'uuid': cloud.network_id}])
    helpers.wait_status(cloud, server.id, 'ACTIVE')
    try:
        listed = _openstack(cloud, tmp_path, 'server', 'list')
        (row,) = [r for r in listed if r['ID'] == server.id]
        assert row['Name'] == 'cli-visible'
        assert row['Status'] == 'ACTIVE'
        assert row['Flavor'] == 'm1.nano'
        assert list(row['Networks']) == ['private']
        shown = _openstack(cloud, tmp_path, 'server', 'show', server.id)
        assert shown['OS-EXT-STS:vm_state'] == 'active'
        flavors = _openstack(cloud, tmp_path, 'flavor', 'list')
        assert {'m1.nano', 'm1.tiny', 'm1.xlarge'} <= {f['Name'] for f in
                                                       flavors}
        images = _openstack(cloud, tmp_path, 'image', 'list')
        assert 'func-image' in {i['Name'] for i in images}
    finally:
        cloud.sdk.compute.delete_server(server)
        helpers.wait_gone(cloud, server.id)


def test_novaclient_boots_lists_and_deletes(cloud):
    sess = ks_session.Session(auth=noauth.NoAuth())
    nova = nova_client.Client('2.1', session=sess,
                              endpoint_override=cloud.compute_url)
    flavor = nova.flavors.find(name='m1.nano')
    server = nova.servers.create('novaclient-vm', cloud.image_id, flavor,
                                 nics=[{'net-id': cloud.network_id}])
    helpers.wait_status(cloud, server.id, 'ACTIVE')
    assert 'novaclient-vm' in [s.name for s in nova.servers.list()]
    fetched = nova.servers.get(server.id)
    assert fetched.status == 'ACTIVE'
    assert list(fetched.networks) == ['private']
    nova.servers.delete(server.id)
    helpers.wait_gone(cloud, server.id)
