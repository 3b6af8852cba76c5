"""``os_compute_api:os-aggregates:*`` and ``os-availability-zone:*``
(Nova's names and defaults)."""

from novalite.api.policies import base

G = 'os_compute_api:os-aggregates:%s'
Z = 'os_compute_api:os-availability-zone:%s'
P = '/os-aggregates'
ONE = P + '/{aggregate_id}'
ACTION = ONE + '/action (%s)'


def list_rules():
    r = base.rule
    a = base.ADMIN
    return [
        r(G % 'set_metadata', a, 'Create or replace metadata for an '
          'aggregate', [('POST', ACTION % 'set_metadata')]),
        r(G % 'add_host', a, 'Add a host to an aggregate',
          [('POST', ACTION % 'add_host')]),
        r(G % 'create', a, 'Create an aggregate', [('POST', P)]),
        r(G % 'remove_host', a, 'Remove a host from an aggregate',
          [('POST', ACTION % 'remove_host')]),
        r(G % 'update', a, 'Update name and/or availability zone for an '
          'aggregate', [('PUT', ONE)]),
        r(G % 'index', a, 'List all aggregates', [('GET', P)]),
        r(G % 'delete', a, 'Delete an aggregate', [('DELETE', ONE)]),
        r(G % 'show', a, 'Show details for an aggregate', [('GET', ONE)]),
        r(Z % 'list', base.PROJECT_READER_OR_ADMIN,
          'List availability zone information without host information',
          [('GET', '/os-availability-zone')]),
        r(Z % 'detail', a, 'List detailed availability zone information '
          'with host information', [('GET', '/os-availability-zone/detail')]),
    ]
