import pytest

from novalite.common.db import flavors
from novalite.common import exception


def test_create_with_extra_specs_and_lookup(db, admin_ctx):
    made = flavors.create(admin_ctx, {'name': 'f', 'memory_mb': 128,
                                      'vcpus': 1},
                          extra_specs={'hw:cpu_policy': 'dedicated'})
    assert len(made['flavorid']) == 36
    got = flavors.get_by_flavorid(admin_ctx, made['flavorid'])
    assert got['extra_specs'] == {'hw:cpu_policy': 'dedicated'}
    with pytest.raises(exception.FlavorExists):
        flavors.create(admin_ctx, {'flavorid': made['flavorid'],
                                   'name': 'other', 'memory_mb': 1,
                                   'vcpus': 1})
    flavors.destroy(admin_ctx, made['flavorid'])
    with pytest.raises(exception.FlavorNotFound):
        flavors.get_by_flavorid(admin_ctx, made['flavorid'])


def test_private_flavor_visible_to_its_projects(db, admin_ctx):
    flavors.create(admin_ctx, {'flavorid': 'x', 'name': 'x',
                               'memory_mb': 1, 'vcpus': 1,
                               'is_public': False}, projects=['p1'])
    assert flavors.get_all(admin_ctx, {'project_id': 'p2'}) == []
    assert [f['flavorid'] for f in flavors.get_all(
        admin_ctx, {'project_id': 'p1'})] == ['x']
