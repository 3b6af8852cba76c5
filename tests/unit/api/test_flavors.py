from novalite.common.db import flavors


def test_list_detail_show(client, cloud):
    listed = client.get('/v2.1/flavors').data['flavors']
    assert [f['id'] for f in listed] == ['1', '2', '3', '4', '42', '5']
    assert set(listed[0]) == {'id', 'name', 'links'}
    tiny = client.get('/v2.1/flavors/1').data['flavor']
    assert (tiny['name'], tiny['ram'], tiny['disk'], tiny['vcpus']) == (
        'm1.tiny', 512, 1, 1)
    assert tiny['swap'] == '' and tiny['OS-FLV-EXT-DATA:ephemeral'] == 0
    assert tiny['os-flavor-access:is_public'] is True
    detail = client.get('/v2.1/flavors/detail?minRam=8192').data['flavors']
    assert sorted(f['name'] for f in detail) == ['m1.large', 'm1.xlarge']
    page = client.get('/v2.1/flavors?limit=2&marker=2').data['flavors']
    assert [f['id'] for f in page] == ['3', '4']


def test_missing_flavor_404(client, cloud):
    resp = client.get('/v2.1/flavors/nope')
    assert resp.status_code == 404
    assert resp.data['itemNotFound']['message'] == \
        'Flavor nope could not be found.'


def test_create_and_delete_admin_only(client, db, admin):
    body = {'flavor': {'name': 'custom', 'ram': 1024, 'vcpus': 2,
                       'disk': 10}}
    assert client.post('/v2.1/flavors', body).status_code == 403
    assert flavors.get_all(admin, {'is_public': None}) == []
    resp = client.post('/v2.1/flavors', body, token='admin:admin')
    assert resp.status_code == 200
    made = resp.data['flavor']
    assert len(made['id']) == 36 and made['ram'] == 1024
    dup = client.post('/v2.1/flavors', body, token='admin:admin')
    assert dup.status_code == 409
    assert dup.data['conflictingRequest']['message'] == \
        'Flavor with name custom already exists.'
    path = '/v2.1/flavors/' + made['id']
    assert client.delete(path).status_code == 403
    assert client.delete(path, token='admin:admin').status_code == 202
    assert client.get(path).status_code == 404


def test_create_schema_errors(client, db):
    resp = client.post('/v2.1/flavors', {'flavor': {
        'name': 'x', 'ram': 0, 'vcpus': 1, 'disk': 1}}, token='admin:admin')
    assert resp.status_code == 400
    assert 'ram' in resp.data['badRequest']['message']


def test_private_flavor_only_listed_with_is_public_none(client, admin, db):
    flavors.create(admin, {'flavorid': 'p', 'name': 'priv', 'memory_mb': 1,
                           'vcpus': 1, 'is_public': False})
    assert client.get('/v2.1/flavors').data['flavors'] == []
    ids = [f['id'] for f in client.get('/v2.1/flavors?is_public=none',
                                       token='admin:admin').data['flavors']]
    assert ids == ['p']


def test_create_default_flavors_idempotent(db, admin):
    assert len(flavors.create_default_flavors(admin)) == 6
    assert flavors.create_default_flavors(admin) == []
    assert flavors.get_by_flavorid(admin, '42')['memory_mb'] == 128
