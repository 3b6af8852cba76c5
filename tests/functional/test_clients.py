"""Stock clients from PyPI work unchanged: the openstack CLI (through a
clouds.yaml entry like the one `make run` writes) and python-novaclient."""


from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client

from novalite.tests.functional import helpers


_openstack = helpers.openstack_cli


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


def test_novaclient_create_with_every_argument_horizon_passes(cloud):
    """What Horizon's api.nova.server_create hands novaclient (at 2.67, the
    version Horizon picks when the cloud offers it)."""
    sess = ks_session.Session(auth=noauth.NoAuth())
    nova = nova_client.Client('2.67', session=sess,
                              endpoint_override=cloud.compute_url)
    nova.keypairs.create('hz-args-key', public_key=(
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIKbgsNuh9D5fYDp2Pk2wYTXafPNs'
        'J1FcpF1mh0X+iWA hz@novalite'))
    group = nova.server_groups.create('hz-args-group', 'anti-affinity')
    try:
        created = nova.servers.create(
            'hz-args', None, '42', key_name='hz-args-key',
            userdata='#!/bin/sh\necho horizon\n',
            security_groups=['default'],
            block_device_mapping_v2=[{
                'boot_index': '0', 'uuid': cloud.image_id,
                'source_type': 'image', 'destination_type': 'local',
                'delete_on_termination': True}],
            nics=[{'net-id': cloud.network_id}],
            availability_zone='nova', min_count=1, max_count=1,
            admin_pass='Horizon-pass-1', disk_config='AUTO',
            config_drive=True, meta={'from': 'horizon'},
            scheduler_hints={'group': group.id},
            description='launched as Horizon does')
        helpers.wait_status(cloud, created.id, 'ACTIVE')
        server = cloud.http('GET', '/servers/%s' % created.id,
                            version='2.67').json()['server']
        assert server['key_name'] == 'hz-args-key'
        assert server['image']['id'] == cloud.image_id
        assert server['metadata'] == {'from': 'horizon'}
        assert server['OS-DCF:diskConfig'] == 'AUTO'
        assert server['config_drive'] in (True, 'True')
        assert server['description'] == 'launched as Horizon does'
        assert server['OS-EXT-AZ:availability_zone'] == 'nova'
        assert list(server['addresses']) == ['private']
        assert [g['name'] for g in server['security_groups']] == ['default']
        assert nova.server_groups.get(group.id).members == [created.id]
        nova.servers.delete(created.id)
        helpers.wait_gone(cloud, created.id)
    finally:
        nova.server_groups.delete(group.id)
        nova.keypairs.delete('hz-args-key')
