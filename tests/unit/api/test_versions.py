def test_root_lists_versions(client):
    resp = client.get('/')
    assert resp.status_code == 200
    ids = {v['id']: v for v in resp.data['versions']}
    assert ids['v2.1']['status'] == 'CURRENT'
    assert ids['v2.1']['version'] == '2.100'
    assert ids['v2.1']['min_version'] == '2.1'
    assert ids['v2.1']['links'][0]['href'] == 'http://localhost/v2.1/'
    assert 'v2.0' in ids


def test_v21_document(client):
    for path in ('/v2.1', '/v2.1/'):
        doc = client.get(path).data['version']
        assert doc['id'] == 'v2.1' and doc['version'] == '2.100'
        assert {link['rel'] for link in doc['links']} == {'self',
                                                          'describedby'}
        assert doc['media-types'][0]['base'] == 'application/json'


def test_microversion_latest_is_echoed(client):
    resp = client.get('/v2.1/flavors', version='latest')
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.100'
    assert resp.headers['X-OpenStack-Nova-API-Version'] == '2.100'
    assert 'OpenStack-API-Version' in resp.headers['Vary']


def test_legacy_header_and_default(client):
    resp = client.get('/v2.1/flavors',
                      headers={'X-OpenStack-Nova-API-Version': '2.19'})
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.19'
    assert client.get('/v2.1/flavors').headers[
        'X-OpenStack-Nova-API-Version'] == '2.1'


def test_unsupported_microversion_is_406(client):
    resp = client.get('/v2.1/servers', version='9.9')
    assert resp.status_code == 406
    assert resp.data == {'notAcceptable': {
        'code': 406,
        'message': 'Version 9.9 is not supported by the API. Minimum is '
                   '2.1 and maximum is 2.100.'}}
    assert 'OpenStack-API-Version' in resp.headers
    assert client.get('/v2.1/servers', version='2.x').status_code == 406


def test_request_id_on_every_response(client):
    for resp in (client.get('/v2.1/flavors'), client.get('/v2.1/nowhere')):
        rid = resp.headers['x-openstack-request-id']
        assert rid.startswith('req-')
        assert resp.headers['x-compute-request-id'] == rid


def test_unknown_route_is_nova_404(client):
    for path in ('/v2.1/no-such-thing', '/v2.1/p1/no-such-thing/at/all',
                 '/v2.1/servers/x/nothing'):
        resp = client.get(path)
        assert resp.status_code == 404, path
        assert resp.data == {'itemNotFound': {
            'code': 404, 'message': 'The resource could not be found.'}}


def test_wrong_method_is_405_fault(client):
    resp = client.request('PUT', '/v2.1/servers', body={})
    assert resp.status_code == 405
    assert resp.data['badMethod']['code'] == 405


def test_project_id_in_url_is_accepted(client, cloud):
    resp = client.get('/v2.1/p1/flavors/1')
    assert resp.status_code == 200
    assert resp.data['flavor']['links'][0]['href'] == \
        'http://localhost/v2.1/p1/flavors/1'
    mismatch = client.get('/v2.1/other/flavors/1')
    assert mismatch.status_code == 400
