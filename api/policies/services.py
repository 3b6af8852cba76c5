"""``os_compute_api:os-services:*`` (Nova's names and defaults: admin)."""

from novalite.api.policies import base

S = 'os_compute_api:os-services:%s'


def list_rules():
    r = base.rule
    return [
        r(S % 'list', base.ADMIN, 'List all running Compute services in a '
          'region.', [('GET', '/os-services')]),
        r(S % 'update', base.ADMIN, 'Update a Compute service.',
          [('PUT', '/os-services/{service_id}'),
           ('PUT', '/os-services/enable'), ('PUT', '/os-services/disable'),
           ('PUT', '/os-services/disable-log-reason'),
           ('PUT', '/os-services/force-down')]),
        r(S % 'delete', base.ADMIN, 'Delete a Compute service.',
          [('DELETE', '/os-services/{service_id}')]),
    ]
