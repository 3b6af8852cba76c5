"""``os-networks`` (Nova's proxy API to the network service)."""

from novalite.api.policies import base

N = 'os_compute_api:os-networks:%s'


def list_rules():
    r = base.rule
    return [
        r(N % 'list', base.PROJECT_READER_OR_ADMIN, 'List networks',
          [('GET', '/os-networks')]),
        r(N % 'view', base.PROJECT_READER_OR_ADMIN, 'Show network details',
          [('GET', '/os-networks/{network_id}')]),
    ]
