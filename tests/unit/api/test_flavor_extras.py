"""Flavor extra specs (os-extra_specs, validated from 2.86 as Nova does)
and flavor access for private flavors (os-flavor-access, addTenantAccess,
removeTenantAccess), with Nova's codes and messages."""

import pytest

from novalite.common.db import flavors

ADMIN = 'admin:admin'


@pytest.fixture
def private(admin, db):
    return flavors.create(admin, {'flavorid': 'priv', 'name': 'private',
                                  'memory_mb': 64, 'vcpus': 1, 'root_gb': 1,
                                  'is_public': False})


@pytest.fixture
def public(admin, db):
    return flavors.create(admin, {'flavorid': 'pub', 'name': 'public',
                                  'memory_mb': 64, 'vcpus': 1, 'root_gb': 1})


SPECS = '/v2.1/flavors/pub/os-extra_specs'


def test_extra_specs_crud(client, public):
    rsp = client.post(SPECS, {'extra_specs': {'hw:cpu_policy': 'dedicated',
                                              'other': 3, 'flag': True}},
                      token=ADMIN)
    assert rsp.status_code == 200, rsp.data
    assert rsp.data == {'extra_specs': {'hw:cpu_policy': 'dedicated',
                                        'other': 3, 'flag': True}}
    listed = client.get(SPECS).data['extra_specs']
    assert listed == {'hw:cpu_policy': 'dedicated', 'other': '3',
                      'flag': 'True'}
    assert client.get(SPECS + '/other').data == {'other': '3'}
    rsp = client.request('PUT', SPECS + '/other', {'other': 'four'},
                         token=ADMIN)
    assert rsp.status_code == 200 and rsp.data == {'other': 'four'}
    rsp = client.request('PUT', SPECS + '/other', {'another': 'x'},
                         token=ADMIN)
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == \
        'Request body and URI mismatch'
    rsp = client.delete(SPECS + '/other', token=ADMIN)
    assert rsp.status_code == 200 and rsp.body == b''
    rsp = client.get(SPECS + '/other')
    assert rsp.status_code == 404
    assert rsp.data['itemNotFound']['message'] == \
        'Flavor pub has no extra specs with key other.'
    assert client.delete(SPECS + '/other', token=ADMIN).status_code == 404
    # The flavor shows them from 2.61.
    shown = client.get('/v2.1/flavors/pub', version='2.61').data['flavor']
    assert shown['extra_specs'] == {'hw:cpu_policy': 'dedicated',
                                    'flag': 'True'}
    assert client.get('/v2.1/flavors/nosuch/os-extra_specs').status_code \
        == 404


def test_extra_specs_writes_are_admin_only(client, public):
    assert client.post(SPECS, {'extra_specs': {'a': 'b'}}).status_code == 403
    assert client.request('PUT', SPECS + '/a', {'a': 'b'}).status_code == 403
    assert client.delete(SPECS + '/a').status_code == 403
    assert client.get(SPECS).status_code == 200


@pytest.mark.parametrize('specs, message', [
    ({'hw:cpu_policy': 'bogus'},
     "Validation failed; 'bogus' is not one of: dedicated, shared, mixed."),
    ({'hw:numa_nodes': '0'},
     "Validation failed; '0' is less than the min value of '1'."),
    ({'hw:numa_nodes': 'two'},
     "Validation failed; 'two' is not a valid integer value."),
    ({'hw:boot_menu': 'maybe'},
     "Validation failed; 'maybe' is not a valid boolean-like value."),
    ({'hw:mem_page_size': 'huge'}, "Validation failed; 'huge' is not of "
     "the format '(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)'."),
    ({'hw:no_such_thing': '1'}, "Validation failed; extra spec "
     "'hw:no_such_thing' does not appear to be a valid extra spec."),
    ({'trait:HW_CPU_X86_AVX': 'maybe'}, "is not one of: required, "
     "forbidden."),
    ({'resources:VCPU': 'x'}, 'is not a valid integer value'),
    ({'resources1:NO_SUCH_CLASS': '1'}, 'does not appear to be a valid'),
])
def test_known_namespaces_validated_from_286(client, public, specs,
                                             message):
    rsp = client.post(SPECS, {'extra_specs': specs}, token=ADMIN,
                      version='2.86')
    assert rsp.status_code == 400
    assert message in rsp.data['badRequest']['message']
    (key, value), = specs.items()
    rsp = client.request('PUT', '%s/%s' % (SPECS, key), specs, token=ADMIN,
                         version='2.86')
    assert rsp.status_code == 400
    # Before 2.86 Nova stores what it is given.
    assert client.post(SPECS, {'extra_specs': specs}, token=ADMIN,
                       version='2.85').status_code == 200


@pytest.mark.parametrize('key, value', [
    ('hw:cpu_policy', 'dedicated'), ('hw:numa_nodes', 2),
    ('hw:boot_menu', 'yes'), ('hw:mem_page_size', '2MB'),
    ('hw:numa_cpus.0', '0-3,^2'), ('hw:numa_mem.1', '512'),
    ('quota:disk_read_bytes_sec', '1000'), ('trait:HW_CPU_X86_AVX',
                                            'required'),
    ('resources:VCPU', '2'), ('resources_a:CUSTOM_GPU', '1'),
    ('hw_rng:allowed', 'True'), ('os:secure_boot', 'required'),
    ('aggregate_instance_extra_specs:ssd', 'true'),
    ('mycompany:anything', 'goes'), ('nonamespace', 'x')])
def test_valid_specs_pass_at_286(client, public, key, value):
    rsp = client.post(SPECS, {'extra_specs': {key: value}}, token=ADMIN,
                      version='2.86')
    assert rsp.status_code == 200, rsp.data


def test_bad_spec_bodies(client, public):
    for body in ({'extra_specs': {'bad key!': 'x'}},
                 {'extra_specs': {'k': 'x' * 256}}, {'specs': {}},
                 {'extra_specs': {'k': None}}):
        assert client.post(SPECS, body, token=ADMIN).status_code == 400
    assert client.request('PUT', SPECS + '/a', {'a': '1', 'b': '2'},
                          token=ADMIN).status_code == 400


ACTION = '/v2.1/flavors/priv/action'


def test_flavor_access_for_private_flavors(client, private, public):
    # A private flavor is invisible to projects it is not shared with.
    assert client.get('/v2.1/flavors/priv').status_code == 404
    assert client.get('/v2.1/flavors/priv/os-extra_specs').status_code == \
        404
    assert client.get('/v2.1/flavors/priv', token=ADMIN).status_code == 200
    rsp = client.get('/v2.1/flavors/priv/os-flavor-access', token=ADMIN)
    assert rsp.status_code == 200 and rsp.data == {'flavor_access': []}
    rsp = client.post(ACTION, {'addTenantAccess': {'tenant': 'p1'}},
                      token=ADMIN)
    assert rsp.status_code == 200, rsp.data
    assert rsp.data == {'flavor_access': [{'flavor_id': 'priv',
                                           'tenant_id': 'p1'}]}
    assert client.get('/v2.1/flavors/priv').status_code == 200
    assert 'priv' in [f['id'] for f in
                      client.get('/v2.1/flavors').data['flavors']]
    assert client.get('/v2.1/flavors/priv', token='bob:p2').status_code == \
        404
    rsp = client.post(ACTION, {'addTenantAccess': {'tenant': 'p1'}},
                      token=ADMIN)
    assert rsp.status_code == 409
    assert rsp.data['conflictingRequest']['message'] == (
        'Flavor access already exists for flavor priv and project p1 '
        'combination.')
    rsp = client.post(ACTION, {'removeTenantAccess': {'tenant': 'p1'}},
                      token=ADMIN)
    assert rsp.status_code == 200 and rsp.data == {'flavor_access': []}
    assert client.get('/v2.1/flavors/priv').status_code == 404
    rsp = client.post(ACTION, {'removeTenantAccess': {'tenant': 'p1'}},
                      token=ADMIN)
    assert rsp.status_code == 404
    assert rsp.data['itemNotFound']['message'] == (
        'Flavor access not found for priv / p1 combination.')


def test_flavor_access_refusals(client, private, public):
    rsp = client.get('/v2.1/flavors/pub/os-flavor-access', token=ADMIN)
    assert rsp.status_code == 404
    assert rsp.data['itemNotFound']['message'] == \
        'Access list not available for public flavors.'
    rsp = client.post('/v2.1/flavors/pub/action',
                      {'addTenantAccess': {'tenant': 'p1'}}, token=ADMIN,
                      version='2.7')
    assert rsp.status_code == 409
    assert rsp.data['conflictingRequest']['message'] == \
        'Can not add access to a public flavor.'
    # Before 2.7 Nova records it (it changes nothing for a public flavor).
    assert client.post('/v2.1/flavors/pub/action',
                       {'addTenantAccess': {'tenant': 'p1'}},
                       token=ADMIN).status_code == 200
    assert client.get('/v2.1/flavors/priv/os-flavor-access').status_code \
        == 403
    for name in ('addTenantAccess', 'removeTenantAccess'):
        assert client.post(ACTION, {name: {'tenant': 'p1'}}).status_code \
            == 403
        assert client.post(ACTION, {name: {}}, token=ADMIN).status_code \
            == 400
        assert client.post('/v2.1/flavors/nosuch/action',
                           {name: {'tenant': 'p1'}},
                           token=ADMIN).status_code == 404
    rsp = client.post(ACTION, {'bogus': {}}, token=ADMIN)
    assert rsp.status_code == 400


def test_server_create_with_an_unshared_private_flavor_is_400(
        client, cloud, private):
    body = {'server': {'name': 'vm', 'imageRef': cloud['image']['id'],
                       'flavorRef': 'priv',
                       'networks': [{'uuid': cloud['network']['uuid']}]}}
    rsp = client.post('/v2.1/servers', body)
    assert rsp.status_code == 400
    assert rsp.data['badRequest']['message'] == 'Invalid flavorRef provided.'
