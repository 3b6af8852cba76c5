"""What real tempest's interop 2020.06 compute and image tests (make
tempest, tools/tempest_run.py) expect of details Nova and Glance get
right; each test here failed before its fix."""

import pytest

from novalite.common import states
from novalite.tests.unit.api import test_server_actions as actions


@pytest.mark.parametrize('vm_state, shown', [
    (states.ACTIVE, True), (states.STOPPED, False), (states.ERROR, False),
    (states.BUILDING, True)])
def test_progress_only_in_nova_progress_statuses(client, cloud, admin,
                                                 vm_state, shown):
    # tempest's test_update_server_name: a SHUTOFF server has no
    # 'progress', neither in the PUT answer nor in GET.
    inst = actions._server(admin, cloud, vm_state=vm_state)
    got = client.get('/v2.1/servers/' + inst['uuid']).data['server']
    assert ('progress' in got) == shown
    put = client.request('PUT', '/v2.1/servers/' + inst['uuid'],
                         {'server': {'name': 'renamed'}})
    assert put.status_code == 200, put.data
    assert ('progress' in put.data['server']) == shown


# -- /v2.1/images: Nova's image proxy (tempest's ImagesOneServerTestJSON
# waits for a snapshot through it at 2.1 and got 404 for every image) ------
def test_image_proxy_show_in_novas_words(client, cloud):
    img = cloud['image']
    got = client.get('/v2.1/images/' + img['id'])
    assert got.status_code == 200, got.data
    body = got.data['image']
    assert body['id'] == img['id'] and body['name'] == 'cirros'
    assert body['status'] == 'ACTIVE' and body['progress'] == 100
    assert body['minRam'] == 0 and body['minDisk'] == 0
    assert body['metadata'] == {} and body['OS-EXT-IMG-SIZE:size'] == 3
    assert body['created'].endswith('Z')
    assert [link['rel'] for link in body['links']] == [
        'self', 'bookmark', 'alternate']
    queued = client.get('/v2.1/images/' + cloud['queued_image']['id'])
    assert queued.data['image']['status'] == 'SAVING'
    assert queued.data['image']['progress'] == 25


def test_image_proxy_snapshot_names_its_server(client, cloud, admin):
    from novalite.common.context import RequestContext
    from novalite.common.db import images
    snap = images.create(RequestContext(user_id='alice', project_id='p1'), {
        'name': 'snap', 'properties': {'instance_uuid': 'abc',
                                       'image_type': 'snapshot'}})
    body = client.get('/v2.1/images/' + snap['id']).data['image']
    assert body['server']['id'] == 'abc'
    assert body['metadata']['image_type'] == 'snapshot'


def test_image_proxy_list_detail_and_visibility(client, cloud):
    listed = client.get('/v2.1/images')
    assert listed.status_code == 200, listed.data
    ids = {i['id'] for i in listed.data['images']}
    assert cloud['image']['id'] in ids
    assert set(listed.data['images'][0]) == {'id', 'name', 'links'}
    detail = client.get('/v2.1/images/detail?status=ACTIVE').data['images']
    assert [i['id'] for i in detail] == [cloud['image']['id']]
    # Another project's private image: not listed, 404 to show or delete.
    other = client.get('/v2.1/images', token='bob:p2').data['images']
    assert cloud['image']['id'] not in {i['id'] for i in other}
    assert client.get('/v2.1/images/' + cloud['image']['id'],
                      token='bob:p2').status_code == 404
    assert client.delete('/v2.1/images/' + cloud['image']['id'],
                         token='bob:p2').status_code == 404


def test_image_proxy_delete_and_gone_after_2_35(client, cloud):
    img = cloud['image']['id']
    assert client.get('/v2.1/images/' + img,
                      version='2.36').status_code == 404
    assert client.get('/v2.1/images', version='2.36').status_code == 404
    assert client.get('/v2.1/images/' + img,
                      version='2.35').status_code == 200
    assert client.delete('/v2.1/images/' + img).status_code == 204
    assert client.get('/v2.1/images/' + img).status_code == 404
    assert client.get('/image/v2/images/' + img).status_code == 404


compute = actions.compute


def test_snapshot_metadata_overrides_the_snapshot_properties(client, cloud,
                                                             compute, admin):
    # tempest's test_create_delete_image: metadata {'image_type': 'test'}
    # is read back as given (Nova applies extra_properties last).
    from novalite.common.db import images
    inst = actions._server(admin, cloud, vm_state=states.STOPPED)
    resp = actions._action(client, inst['uuid'], {'createImage': {
        'name': 'snap', 'metadata': {'image_type': 'test'}}})
    assert resp.status_code == 202, resp.body
    image_id = resp.headers['Location'].rsplit('/', 1)[1]
    props = images.get(admin, image_id)['properties']
    assert props['image_type'] == 'test'
    assert props['instance_uuid'] == inst['uuid']


def test_glance_list_filters_on_size_min_ram_min_disk(client, cloud):
    # tempest's test_list_images_param_size: ?size=N is the image column,
    # not a property of that name.
    got = client.get('/image/v2/images?size=3')
    assert got.status_code == 200, got.data
    assert [i['id'] for i in got.data['images']] == [cloud['image']['id']]
    assert client.get('/image/v2/images?size=4').data['images'] == []
    assert len(client.get('/image/v2/images?min_ram=0').data['images']) == 2
    assert client.get('/image/v2/images?size=big').status_code == 400
