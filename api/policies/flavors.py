"""Flavor APIs: reading is open to every authenticated caller (as in Nova,
where flavor index/show carry no policy); managing them is admin-only."""

from novalite.api.policies import base

M = 'os_compute_api:os-flavor-manage:%s'
ES = 'os_compute_api:os-flavor-extra-specs:%s'
ESPEC = '/flavors/{flavor_id}/os-extra_specs'
FA = 'os_compute_api:os-flavor-access'


def list_rules():
    r = base.rule
    return [
        r(M % 'create', base.ADMIN, 'Create a flavor', [('POST', '/flavors')]),
        r(M % 'update', base.ADMIN, 'Update a flavor',
          [('PUT', '/flavors/{flavor_id}')]),
        r(M % 'delete', base.ADMIN, 'Delete a flavor',
          [('DELETE', '/flavors/{flavor_id}')]),
        r('os_compute_api:os-flavor-extra-specs:index',
          base.PROJECT_READER_OR_ADMIN, 'List extra specs of a flavor',
          [('GET', '/flavors/{flavor_id}/os-extra_specs'),
           ('GET', '/flavors/detail')]),
        r(ES % 'show', base.PROJECT_READER_OR_ADMIN,
          'Show an extra spec for a flavor',
          [('GET', ESPEC + '/{flavor_extra_spec_key}')]),
        r(ES % 'create', base.ADMIN, 'Create extra specs for a flavor',
          [('POST', ESPEC)]),
        r(ES % 'update', base.ADMIN, 'Update an extra spec for a flavor',
          [('PUT', ESPEC + '/{flavor_extra_spec_key}')]),
        r(ES % 'delete', base.ADMIN, 'Delete an extra spec for a flavor',
          [('DELETE', ESPEC + '/{flavor_extra_spec_key}')]),
        r(FA, base.ADMIN, 'List flavor access information',
          [('GET', '/flavors/{flavor_id}/os-flavor-access')]),
        r(FA + ':add_tenant_access', base.ADMIN,
          'Add flavor access to a tenant',
          [('POST', '/flavors/{flavor_id}/action (addTenantAccess)')]),
        r(FA + ':remove_tenant_access', base.ADMIN,
          'Remove flavor access from a tenant',
          [('POST', '/flavors/{flavor_id}/action (removeTenantAccess)')]),
    ]
