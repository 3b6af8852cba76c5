"""Bad requests get Nova's status code and message, and leave nothing behind
in the database (nor on a hypervisor)."""


import pytest

from novalite.tests.functional import helpers


def _body(cloud, **overrides):
    server = {'name': 'bad-input', 'imageRef': cloud.image_id,
              'flavorRef': '1', 'min_count': 1, 'max_count': 1,
              'networks': [{'uuid': cloud.network_id}]}
    server.update(overrides)
    return {'server': {k: v for k, v in server.items() if v is not None}}


def _rows(cloud):
    return tuple(cloud.count('SELECT COUNT(*) FROM %s' % table)
                 for table in ('instances', 'ports', 'request_specs',
                               'allocations', 'instance_actions'))


def _fault(rsp, code):
    assert rsp.status_code == code, rsp.text
    (name, fault), = rsp.json().items()
    assert fault['code'] == code
    return name, fault['message']


@pytest.mark.parametrize('overrides,message', [
    ({'flavorRef': None}, "'flavorRef' is a required property"),
    ({'flavorRef': '999'}, 'Invalid flavorRef provided.'),
    ({'imageRef': 'c0ffee00-0000-4000-8000-000000000000'},
     'Image c0ffee00-0000-4000-8000-000000000000 could not be found.'),
    ({'networks': [{'uuid': 'c0ffee00-0000-4000-8000-00000000beef'}]},
     'Network c0ffee00-0000-4000-8000-00000000beef could not be found.'),
    ({'name': 'x' * 256}, 'is too long'),
    ({'min_count': 3, 'max_count': 2}, 'min_count must be <= max_count'),
    ({'name': ' leading-space'},
     "An invalid 'name' value was provided. The name must be: printable "
     "characters. Can not start or end with whitespace."),
])
def test_bad_create_body_is_rejected_and_writes_nothing(cloud, overrides,
                                                        message):
    before = _rows(cloud)
    rsp = cloud.http('POST', '/servers', json=_body(cloud, **overrides))
    name, text = _fault(rsp, 400)
    assert name == 'badRequest'
    assert message in text
    assert _rows(cloud) == before


def test_malformed_json(cloud):
    before = _rows(cloud)
    rsp = cloud.http('POST', '/servers', data='{"server": {',
                     headers={'Content-Type': 'application/json'})
    assert _fault(rsp, 400) == ('badRequest', 'Malformed request body')
    assert _rows(cloud) == before


def test_unsupported_microversion(cloud):
    before = _rows(cloud)
    rsp = cloud.http('POST', '/servers', json=_body(cloud), version='9.9')
    name, text = _fault(rsp, 406)
    assert 'Version 9.9 is not supported by the API' in text
    assert rsp.headers['OpenStack-API-Version'].startswith('compute ')
    assert _rows(cloud) == before


def test_a_boot_that_fits_no_host_errors_with_fault(cloud):
    # An admin-made flavor larger than either compute host.
    flavor = {'flavor': {'name': 'huge-%s' % cloud.backend, 'ram': 10 ** 8,
                         'vcpus': 1, 'disk': 1}}
    rsp = cloud.http('POST', '/flavors', json=flavor)
    assert rsp.status_code == 200, rsp.text
    flavor_id = rsp.json()['flavor']['id']
    allocations = cloud.count('SELECT COUNT(*) FROM allocations')

    rsp = cloud.http('POST', '/servers',
                     json=_body(cloud, name='too-big', flavorRef=flavor_id))
    assert rsp.status_code == 202, rsp.text
    server_id = rsp.json()['server']['id']
    server = helpers.wait_status(cloud, server_id, 'ERROR')
    assert server['fault']['code'] == 500
    assert server['fault']['message'].startswith('No valid host was found')
    assert server['OS-EXT-SRV-ATTR:host'] is None
    assert cloud.count('SELECT COUNT(*) FROM allocations') == allocations

    assert cloud.http('DELETE', '/servers/%s' % server_id).status_code == 204
    helpers.wait_gone(cloud, server_id)
    assert cloud.http('DELETE', '/flavors/%s' % flavor_id).status_code == 202
