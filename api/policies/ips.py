"""``os_compute_api:ips:*`` (Nova's names and defaults)."""

from novalite.api.policies import base

P = 'os_compute_api:ips:%s'
PATH = '/servers/{server_id}/ips'


def list_rules():
    r = base.rule
    reader = base.PROJECT_READER_OR_ADMIN
    return [
        r(P % 'index', reader, 'List IP addresses that are assigned to an '
          'instance', [('GET', PATH)]),
        r(P % 'show', reader, 'Show IP addresses details for a network '
          'label of a server', [('GET', PATH + '/{network_label}')]),
    ]
