"""Flavor APIs: reading is open to every authenticated caller (as in Nova,
where flavor index/show carry no policy); managing them is admin-only."""

from novalite.api.policies import base

M = 'os_compute_api:os-flavor-manage:%s'


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
    ]
