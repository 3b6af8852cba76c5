"""block_device_mapping_v2 as Horizon and novaclient send it: an image
source with a local destination boots that image; anything needing a
volume (no block storage here) is a 400 and writes nothing."""

import pytest

from novalite.tests.functional import helpers


def _create(cloud, **extra):
    body = {'name': 'bdm', 'flavorRef': '42',
            'networks': [{'uuid': cloud.network_id}]}
    body.update(extra)
    return cloud.http('POST', '/servers', json={'server': body})


def test_image_to_local_bdm_boots_that_image(cloud):
    rsp = _create(cloud, imageRef='', block_device_mapping_v2=[{
        'boot_index': '0', 'uuid': cloud.image_id, 'source_type': 'image',
        'destination_type': 'local', 'delete_on_termination': True}])
    assert rsp.status_code == 202, rsp.text
    server_id = rsp.json()['server']['id']
    server = helpers.wait_status(cloud, server_id, 'ACTIVE')
    assert server['image']['id'] == cloud.image_id
    cloud.http('DELETE', '/servers/%s' % server_id)
    helpers.wait_gone(cloud, server_id)


@pytest.mark.parametrize('bdm', [
    {'boot_index': 0, 'uuid': '8a1c7a2e-0000-4000-8000-000000000001',
     'source_type': 'volume', 'destination_type': 'volume'},
    {'boot_index': 0, 'uuid': '8a1c7a2e-0000-4000-8000-000000000002',
     'source_type': 'image', 'destination_type': 'volume',
     'volume_size': 1},
    {'boot_index': 1, 'uuid': '8a1c7a2e-0000-4000-8000-000000000003',
     'source_type': 'snapshot', 'destination_type': 'volume'},
])
def test_volume_block_devices_are_refused(cloud, bdm):
    before = cloud.rows('SELECT COUNT(*) FROM instances')
    rsp = _create(cloud, imageRef=cloud.image_id,
                  block_device_mapping_v2=[bdm])
    assert rsp.status_code == 400, rsp.text
    assert 'no block storage' in rsp.json()['badRequest']['message']
    assert cloud.rows('SELECT COUNT(*) FROM instances') == before
