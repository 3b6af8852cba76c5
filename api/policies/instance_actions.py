"""``os_compute_api:os-instance-actions:*`` (Nova's names and defaults)."""

from novalite.api.policies import base

A = 'os_compute_api:os-instance-actions:%s'
PATH = '/servers/{server_id}/os-instance-actions'
ONE = PATH + '/{request_id}'


def list_rules():
    r = base.rule
    return [
        r(A % 'events:details', base.ADMIN,
          'Add "details" key in action events for a server (2.84)',
          [('GET', ONE)]),
        r(A % 'events', base.ADMIN,
          'Add events details in action details for a server (all events '
          'with traceback, and host from 2.62)', [('GET', ONE)]),
        r(A % 'list', base.PROJECT_READER_OR_ADMIN,
          'List actions for a server', [('GET', PATH)]),
        r(A % 'show', base.PROJECT_READER_OR_ADMIN,
          'Show action details for a server', [('GET', ONE)]),
    ]
