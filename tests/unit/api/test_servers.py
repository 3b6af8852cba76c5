import threading
import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from novalite.common.db import flavors
from novalite.common.db import instances
from novalite.common.db import models
from novalite.common.db import services
from novalite.common.db import session
from novalite.common import rpc


def _count(ctx, model):
    with session.reader(ctx) as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def _nothing_written(ctx):
    return all(_count(ctx, m) == 0 for m in (
        models.Instance, models.Port, models.RequestSpec,
        models.InstanceAction))


class _Conductor:
    """A real RPC server on the fake transport that records casts."""

    def __init__(self):
        self.calls = []
        self.event = threading.Event()

    def schedule_and_build_instances(self, ctxt, **kwargs):
        self.calls.append((ctxt, kwargs))
        self.event.set()


@pytest.fixture
def conductor(db):
    rpc.cleanup()  # a fresh fake bus: no casts left over from other tests
    endpoint = _Conductor()
    server = rpc.get_server(db, 'novalite-conductor', 'unit-host', '1.0',
                            [endpoint], exposed_only=False)
    server.start()
    yield endpoint
    server.stop()
    server.wait()
    rpc.cleanup()


def _body(cloud, **extra):
    server = {'name': 'vm', 'imageRef': cloud['image']['id'],
              'flavorRef': '1', 'availability_zone': 'nova',
              'OS-DCF:diskConfig': 'AUTO', 'max_count': 1, 'min_count': 1,
              'networks': [{'uuid': cloud['network']['uuid']}],
              'security_groups': [{'name': 'default'}]}
    server.update(extra)
    return {'server': server}


def test_create_writes_rows_and_casts(client, cloud, conductor, admin):
    resp = client.post('/v2.1/servers', _body(cloud))
    assert resp.status_code == 202
    server = resp.data['server']
    assert len(server['adminPass']) == 12
    assert server['OS-DCF:diskConfig'] == 'AUTO'
    assert server['security_groups'] == [{'name': 'default'}]
    assert resp.headers['Location'] == \
        'http://localhost/v2.1/servers/' + server['id']
    inst = instances.get(admin, server['id'])
    assert (inst['vm_state'], inst['task_state'], inst['power_state']) == (
        'building', 'scheduling', 0)
    assert inst['flavor']['memory_mb'] == 512
    assert inst['reservation_id'].startswith('r-')
    assert instances.request_spec_get(admin, server['id'])[
        'instance_uuids'] == [server['id']]
    assert conductor.event.wait(5)
    ctxt, kwargs = conductor.calls[0]
    assert kwargs['instance_uuids'] == [server['id']]
    assert kwargs['admin_password'] == server['adminPass']
    assert ctxt.project_id == 'p1'


def test_created_server_shows_in_detail(client, cloud, conductor):
    sid = client.post('/v2.1/servers', _body(cloud)).data['server']['id']
    shown = client.get('/v2.1/servers/' + sid, version='2.37').data['server']
    assert shown['status'] == 'BUILD'
    assert shown['tenant_id'] == 'p1' and shown['user_id'] == 'alice'
    assert shown['flavor']['id'] == '1'
    assert shown['image']['id'] == cloud['image']['id']
    assert shown['addresses']['private'][0]['addr'] == '10.0.0.2'
    assert shown['hostId'] == '' and shown['tags'] == []
    assert shown['locked'] is False and shown['description'] is None
    assert 'OS-EXT-SRV-ATTR:host' not in shown  # not for members
    listed = client.get('/v2.1/servers').data['servers']
    assert [s['id'] for s in listed] == [sid]
    assert client.get('/v2.1/servers/detail', token='bob:p2').data[
        'servers'] == []
    assert client.get('/v2.1/servers/' + sid,
                      token='bob:p2').status_code == 404


def test_multiple_create_names_and_reservation(client, cloud, conductor,
                                               admin):
    resp = client.post('/v2.1/servers', _body(
        cloud, min_count=2, max_count=2, return_reservation_id=True))
    assert resp.status_code == 202
    res_id = resp.data['reservation_id']
    rows = instances.get_all(admin)
    assert sorted(r['display_name'] for r in rows) == ['vm-1', 'vm-2']
    assert {r['reservation_id'] for r in rows} == {res_id}


def test_admin_sees_extended_attributes(client, cloud, conductor):
    sid = client.post('/v2.1/servers', _body(cloud)).data['server']['id']
    shown = client.get('/v2.1/servers/' + sid, token='admin:admin',
                       version='2.16').data['server']
    assert shown['OS-EXT-SRV-ATTR:instance_name'].startswith('instance-')
    assert shown['OS-EXT-SRV-ATTR:launch_index'] == 0
    assert shown['host_status'] == ''
    everyone = client.get('/v2.1/servers?all_tenants=1',
                          token='admin:admin').data['servers']
    assert [s['id'] for s in everyone] == [sid]


def test_error_server_shows_fault(client, cloud, conductor, admin):
    sid = client.post('/v2.1/servers', _body(cloud)).data['server']['id']
    instances.update(admin, sid, {'vm_state': 'error', 'task_state': None})
    instances.fault_create(admin, sid, 500, 'No valid host was found. ')
    shown = client.get('/v2.1/servers/' + sid).data['server']
    assert shown['status'] == 'ERROR'
    assert shown['fault']['message'] == 'No valid host was found. '
    assert 'details' not in shown['fault']


@pytest.mark.parametrize('change, message', [
    ({'flavorRef': None}, None),
    ({'flavorRef': '99'}, 'Invalid flavorRef provided.'),
    ({'imageRef': '11111111-2222-3333-4444-555555555555'},
     'Image 11111111-2222-3333-4444-555555555555 could not be found.'),
    ({'networks': [{'uuid': 'nonet'}]}, 'Network nonet could not be found.'),
    ({'name': 'x' * 256}, None),
    ({'name': ' padded'}, None),
    ({'min_count': 3, 'max_count': 2}, 'min_count must be <= max_count'),
    ({'availability_zone': 'elsewhere'},
     'The requested availability zone is not available'),
    ({'security_groups': [{'name': 'nosuch'}]},
     'Security group nosuch not found.'),
])
def test_bad_create_is_400_and_writes_nothing(client, cloud, conductor,
                                              admin, change, message):
    body = _body(cloud, **change)
    if change.get('flavorRef', '') is None:
        del body['server']['flavorRef']
    resp = client.post('/v2.1/servers', body)
    assert resp.status_code == 400, resp.data
    got = resp.data['badRequest']['message']
    if message is not None:
        assert got == message
    assert _nothing_written(admin)
    assert conductor.calls == []


def test_validation_messages_are_novas(client, cloud, conductor):
    resp = client.post('/v2.1/servers', _body(cloud, name='x' * 256))
    msg = resp.data['badRequest']['message']
    assert msg.startswith('Invalid input for field/attribute name. Value: ')
    assert msg.endswith('is too long')
    resp = client.post('/v2.1/servers', {'server': {'name': 'a'}})
    assert "'flavorRef' is a required property" in \
        resp.data['badRequest']['message']


def test_queued_image_rejected(client, cloud, conductor, admin):
    image_id = cloud['queued_image']['id']
    resp = client.post('/v2.1/servers', _body(cloud, imageRef=image_id))
    assert resp.status_code == 400
    assert resp.data['badRequest']['message'] == \
        'Image %s is not active.' % image_id
    assert _nothing_written(admin)


def test_malformed_json_is_400(client, cloud, admin):
    resp = client.request('POST', '/v2.1/servers',
                          headers={'Content-Type': 'application/json'},
                          raw=b'{"server": ')
    assert resp.status_code == 400
    assert resp.data == {'badRequest': {'code': 400,
                                        'message': 'Malformed request body'}}
    assert _nothing_written(admin)


def test_unsupported_microversion_writes_nothing(client, cloud, admin):
    resp = client.post('/v2.1/servers', _body(cloud), version='2.101')
    assert resp.status_code == 406
    assert _nothing_written(admin)


def test_networks_required_at_237(client, cloud, conductor, admin):
    body = _body(cloud)
    del body['server']['networks']
    assert client.post('/v2.1/servers', body,
                       version='2.37').status_code == 400
    assert _nothing_written(admin)
    none = _body(cloud, networks='none')
    sid = client.post('/v2.1/servers', none, version='2.37').data[
        'server']['id']
    assert client.get('/v2.1/servers/' + sid).data['server'][
        'addresses'] == {}
    auto = client.post('/v2.1/servers', _body(cloud, networks='auto'),
                       version='2.37').data['server']['id']
    assert list(client.get('/v2.1/servers/' + auto).data['server'][
        'addresses']) == ['private']
    # below 2.37 no networks means the default network
    old = client.post('/v2.1/servers', body).data['server']['id']
    assert list(client.get('/v2.1/servers/' + old).data['server'][
        'addresses']) == ['private']


def test_delete_unscheduled_server_locally(client, cloud, conductor, admin):
    sid = client.post('/v2.1/servers', _body(cloud)).data['server']['id']
    resp = client.delete('/v2.1/servers/' + sid)
    assert resp.status_code == 204
    assert resp.body == b""
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.1'
    gone = client.get('/v2.1/servers/' + sid)
    assert gone.status_code == 404
    assert gone.data['itemNotFound']['message'] == \
        'Instance %s could not be found.' % sid
    assert _count(admin, models.Port) == 0


def test_delete_on_live_host_casts_terminate(client, cloud, conductor,
                                             admin, db):
    seen = threading.Event()

    class Compute:
        def terminate_instance(self, ctxt, instance):
            seen.instance = instance
            seen.set()

    server = rpc.get_server(db, 'novalite-compute', 'h1', '1.0', [Compute()],
                            exposed_only=False)
    server.start()
    try:
        sid = client.post('/v2.1/servers', _body(cloud)).data['server']['id']
        instances.update(admin, sid, {'host': 'h1', 'node': 'h1',
                                      'vm_state': 'active',
                                      'task_state': None})
        services.heartbeat(admin, 'h1', 'novalite-compute')
        assert client.delete('/v2.1/servers/' + sid).status_code == 204
        assert seen.wait(5)
        assert seen.instance['uuid'] == sid
        assert instances.get(admin, sid)['task_state'] == 'deleting'
    finally:
        server.stop()
        server.wait()


def test_list_paging_and_bad_marker(client, cloud, conductor):
    for _ in range(3):
        client.post('/v2.1/servers', _body(cloud))
    page = client.get('/v2.1/servers?limit=2').data
    assert len(page['servers']) == 2 and 'servers_links' in page
    marker = page['servers'][-1]['id']
    rest = client.get('/v2.1/servers?marker=' + marker).data['servers']
    assert len(rest) == 1
    bad = client.get('/v2.1/servers?marker=nope')
    assert bad.status_code == 400
    assert client.get('/v2.1/servers/detail?status=ACTIVE').data[
        'servers'] == []
    assert len(client.get('/v2.1/servers/detail?status=BUILD').data[
        'servers']) == 3


def test_quota_refuses_what_does_not_fit_and_writes_nothing(
        client, cloud, conductor, admin, db):
    db.set_override('instances', 2, group='quota')
    try:
        rsp = client.post('/v2.1/servers', _body(cloud, min_count=3,
                                                 max_count=3))
        assert rsp.status_code == 403
        assert rsp.data['forbidden']['message'] == (
            'Quota exceeded for instances: Requested 3, but already used 0 '
            'of 2 instances')
        assert _nothing_written(admin)
        # With room for fewer than max_count, as many as fit are created.
        rsp = client.post('/v2.1/servers', _body(cloud, min_count=1,
                                                 max_count=5))
        assert rsp.status_code == 202
        assert len(instances.get_all(admin, {'project_id': 'p1'})) == 2
        rsp = client.post('/v2.1/servers', _body(cloud))
        assert rsp.status_code == 403
        assert 'already used 2 of 2 instances' in rsp.data['forbidden'][
            'message']
    finally:
        db.clear_override('instances', group='quota')


def test_quota_counts_cores_of_the_flavor(client, cloud, conductor, db):
    db.set_override('cores', 3, group='quota')
    try:
        # m1.medium has 2 vCPUs: one fits, two do not.
        assert client.post('/v2.1/servers', _body(
            cloud, flavorRef='3')).status_code == 202
        rsp = client.post('/v2.1/servers', _body(cloud, flavorRef='3'))
        assert rsp.status_code == 403
        assert rsp.data['forbidden']['message'] == (
            'Quota exceeded for cores: Requested 2, but already used 2 of 3 '
            'cores')
    finally:
        db.clear_override('cores', group='quota')


def test_bad_name_regex_filter_is_a_400(client, cloud):
    rsp = client.get('/v2.1/servers?name=(')
    assert rsp.status_code == 400
    assert 'not a valid regular expression' in rsp.data['badRequest'][
        'message']


@pytest.fixture
def unlimited_quota(db):
    for resource in ('instances', 'cores', 'ram'):
        db.set_override(resource, -1, group='quota')
    yield db
    for resource in ('instances', 'cores', 'ram'):
        db.clear_override(resource, group='quota')


def test_max_count_over_the_per_request_cap_is_400(
        client, cloud, conductor, admin, unlimited_quota):
    # Unlimited quota does not mean unbounded: one request writes at most
    # [api] max_instances_per_request rows.
    rsp = client.post('/v2.1/servers', _body(cloud, max_count=10 ** 9))
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == (
        'max_count (1000000000) exceeds the maximum number of instances '
        'per request (200).')
    unlimited_quota.set_override('max_instances_per_request', 3,
                                 group='api')
    try:
        rsp = client.post('/v2.1/servers', _body(cloud, min_count=1,
                                                 max_count=4))
        assert rsp.status_code == 400
        assert 'per request (3)' in rsp.data['badRequest']['message']
        assert _nothing_written(admin)
        assert conductor.calls == []
        assert client.post('/v2.1/servers', _body(
            cloud, min_count=3, max_count=3)).status_code == 202
    finally:
        unlimited_quota.clear_override('max_instances_per_request',
                                       group='api')


def test_multi_create_is_written_in_batches(client, cloud, conductor, admin,
                                            unlimited_quota, monkeypatch):
    monkeypatch.setattr(instances, 'CREATE_BATCH', 2)
    rsp = client.post('/v2.1/servers', _body(cloud, min_count=5,
                                             max_count=5))
    assert rsp.status_code == 202
    rows = instances.get_all(admin)
    assert len(rows) == 5
    assert _count(admin, models.Port) == 5
    with session.reader(admin) as s:
        addresses = s.execute(select(models.Port.address)).scalars().all()
    assert len(set(addresses)) == 5


def _image(admin, **values):
    from novalite.common.db import images
    values = dict({'name': 'big', 'status': 'active', 'visibility': 'public',
                   'disk_format': 'qcow2', 'container_format': 'bare',
                   'size': 3}, **values)
    return images.create(admin, values)


@pytest.mark.parametrize('image, flavor, message', [
    ({'min_ram': 1024}, '1',
     "Flavor's memory is too small for requested image."),
    ({'min_disk': 2}, '1',
     "Flavor's disk is smaller than the minimum size specified in image "
     "metadata. Flavor disk is 1073741824 bytes, minimum size is "
     "2147483648 bytes."),
    ({'size': 2 * 1024 ** 3}, '1',
     "Flavor's disk is too small for requested image. Flavor disk is "
     "1073741824 bytes, image is 2147483648 bytes."),
])
def test_image_that_does_not_fit_the_flavor_is_400(
        client, cloud, conductor, admin, image, flavor, message):
    img = _image(admin, **image)
    rsp = client.post('/v2.1/servers', _body(cloud, imageRef=img['id'],
                                             flavorRef=flavor))
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == message
    assert _nothing_written(admin)
    assert conductor.calls == []


def test_image_fits_the_flavor(client, cloud, conductor, admin):
    img = _image(admin, min_ram=512, min_disk=1, size=1024 ** 3)
    assert client.post('/v2.1/servers', _body(
        cloud, imageRef=img['id'], flavorRef='1')).status_code == 202


def test_zero_disk_flavor_skips_the_disk_check(client, cloud, conductor,
                                               admin):
    # As Nova: a root_gb 0 flavor's disk takes the image's size.
    flavors.create(admin, {'flavorid': 'zero', 'name': 'zero',
                           'memory_mb': 512, 'vcpus': 1, 'root_gb': 0})
    img = _image(admin, min_disk=5, size=3 * 1024 ** 3)
    assert client.post('/v2.1/servers', _body(
        cloud, imageRef=img['id'], flavorRef='zero')).status_code == 202


def _named(admin, *names, project='p1'):
    return instances.create_instances(admin, [
        {'display_name': n, 'project_id': project, 'user_id': 'alice',
         'image_ref': 'img', 'flavor': {}} for n in names], {}, [])


def test_catastrophic_name_regex_answers_at_once(client, cloud, admin):
    # (a+)+$ backtracks 2^n steps in Python's re on "aaa...a!".
    _named(admin, 'a' * 200 + '!', 'a' * 50)
    started = time.monotonic()
    rsp = client.get('/v2.1/servers?name=' + urllib.parse.quote('(a+)+$'))
    assert time.monotonic() - started < 5
    assert rsp.status_code == 200
    assert [s['name'] for s in rsp.data['servers']] == ['a' * 50]


@pytest.mark.parametrize('pattern, reason', [
    ('x' * 256, 'longer than 255 characters'),
    (r'(a)\1', 'backreference'),
    ('(?=a)b', 'lookaround'),
    ('(a{100}){100}', 'too complex'),
])
def test_name_regex_refused_is_a_400(client, cloud, pattern, reason):
    rsp = client.get('/v2.1/servers?name=' + urllib.parse.quote(pattern))
    assert rsp.status_code == 400
    message = rsp.data['badRequest']['message']
    assert message.startswith('Invalid input for query parameters name.')
    assert reason in message


def test_name_filter_honors_limit_and_pages_with_the_filter(client, cloud,
                                                            admin):
    _named(admin, 'web-1', 'db-1', 'web-2', 'db-2', 'web-3')
    page = client.get('/v2.1/servers/detail?name=^web&limit=2').data
    assert [s['name'] for s in page['servers']] == ['web-3', 'web-2']
    (link,) = page['servers_links']
    assert link['rel'] == 'next'
    assert link['href'].startswith('http://localhost/v2.1/servers/detail?')
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link['href']).query)
    assert query == {'name': ['^web'], 'limit': ['2'],
                     'marker': [page['servers'][-1]['id']]}
    rest = client.get(link['href'][len('http://localhost'):]).data
    assert [s['name'] for s in rest['servers']] == ['web-1']
    assert 'servers_links' not in rest
    literal = client.get('/v2.1/servers?name=db&limit=5').data
    assert [s['name'] for s in literal['servers']] == ['db-2', 'db-1']


@pytest.mark.parametrize('counts', [
    {'max_count': '9' * 5000}, {'min_count': '9' * 5000},
    {'max_count': 10 ** 30}])
def test_absurd_counts_are_400(client, cloud, conductor, admin, counts):
    rsp = client.post('/v2.1/servers', _body(cloud, **counts))
    assert rsp.status_code == 400, rsp.data
    assert _nothing_written(admin)


@pytest.mark.parametrize('limit, code', [
    ('9' * 5000, 200), ('\u00b2', 400), ('-1', 400), ('0002', 200)])
def test_list_limit_values(client, cloud, limit, code):
    rsp = client.get('/v2.1/servers?limit=' + urllib.parse.quote(limit))
    assert rsp.status_code == code, rsp.data
