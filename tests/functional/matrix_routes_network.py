"""Isolation matrix rows for the Neutron-shaped network API under
/network (joined to test_isolation_matrix.ROUTES there). The shared
``private`` network is everyone's to read and to put ports on; what a
persona creates is its own (``matrix-{persona}``); another project's
resource is a 404, a reader's write a 403."""

from .test_isolation_matrix import A, Route

N = '/network/v2.0'
MISSING = '00000000-0000-0000-0000-000000000000'

ROUTES = [
    Route('GET', '/network/', (200, 200, 200, 200, 200),
          note='version document'),
    Route('GET', N + '/extensions', (200, 200, 200, 200, A)),
    Route('GET', N + '/networks', (200, 200, 200, 200, A)),
    Route('GET', N + '/networks/{network}', (200, 200, 200, 200, A),
          note='the shared default network'),
    Route('GET', N + '/networks/' + MISSING, (404, 404, 404, 404, A)),
    Route('POST', N + '/networks', (201, 201, 403, 201, A),
          body={'network': {'name': 'matrix-{persona}'}},
          note='own network each'),
    Route('POST', N + '/networks?shared', (201, 403, 403, 403, A),
          body={'network': {'name': 'matrix-shared-{persona}',
                            'shared': True}}, note='shared: admin only'),
    Route('GET', N + '/subnets', (200, 200, 200, 200, A)),
    Route('GET', N + '/ports', (200, 200, 200, 200, A)),
    Route('GET', N + '/ports?device_id={server}', (200, 200, 200, 200, A),
          note="another project's ports are filtered out"),
    Route('POST', N + '/ports', (201, 201, 403, 201, A),
          body={'port': {'network_id': '{network}',
                         'name': 'matrix-{persona}'}},
          note='on the shared network'),
    Route('GET', N + '/ports/' + MISSING, (404, 404, 404, 404, A)),
    Route('GET', N + '/security-groups', (200, 200, 200, 200, A)),
    Route('POST', N + '/security-groups', (201, 201, 403, 201, A),
          body={'security_group': {'name': 'matrix-{persona}'}},
          note='own group each'),
    Route('GET', N + '/security-groups/' + MISSING, (404, 404, 404, 404, A)),
    Route('GET', N + '/security-group-rules', (200, 200, 200, 200, A)),
]
