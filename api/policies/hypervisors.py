"""``os_compute_api:os-hypervisors:*`` (Nova's names and defaults: admin)."""

from novalite.api.policies import base

H = 'os_compute_api:os-hypervisors:%s'
P = '/os-hypervisors'


def list_rules():
    r = base.rule
    a = base.ADMIN
    return [
        r(H % 'list', a, 'List all hypervisors.', [('GET', P)]),
        r(H % 'list-detail', a, 'List all hypervisors with details',
          [('GET', P + '/detail')]),
        r(H % 'statistics', a, 'Show summary statistics for all hypervisors '
          'over all compute nodes (before 2.88).',
          [('GET', P + '/statistics')]),
        r(H % 'show', a, 'Show details for a hypervisor.',
          [('GET', P + '/{hypervisor_id}')]),
        r(H % 'uptime', a, 'Show the uptime of a hypervisor (before 2.88).',
          [('GET', P + '/{hypervisor_id}/uptime')]),
        r(H % 'search', a, 'Search hypervisor by hypervisor_hostname '
          'pattern (before 2.53).',
          [('GET', P + '/{hypervisor_hostname_pattern}/search')]),
        r(H % 'servers', a, 'List all servers on hypervisors that can '
          'match the provided hypervisor_hostname pattern (before 2.53).',
          [('GET', P + '/{hypervisor_hostname_pattern}/servers')]),
    ]
