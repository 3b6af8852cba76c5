"""Isolation matrix rows for server ips and metadata, instance actions,
availability zones, aggregates, services, hypervisors and usage (joined to
test_isolation_matrix.ROUTES there). Admin-only APIs are a 403 for every
other persona; writes of the admin APIs aim at ids that do not exist, so
the admin's cell is the 404 after the policy check."""

from .test_isolation_matrix import A, C, SERVER, Route

ADMIN_ONLY = (200, 403, 403, 403, A)
ADMIN_404 = (404, 403, 403, 403, A)
NO_AGG = C + '/os-aggregates/999999'

ROUTES = [
    # -- server ips ----------------------------------------------------------
    Route('GET', SERVER + '/ips', (200, 200, 200, 404, A)),
    Route('GET', SERVER + '/ips/private', (200, 200, 200, 404, A),
          note='the network the server booted on'),
    Route('GET', SERVER + '/ips/matrix-none', (404, 404, 404, 404, A),
          note='not a network of the server'),
    # -- server metadata ---------------------------------------------------
    Route('GET', SERVER + '/metadata', (200, 200, 200, 404, A)),
    Route('PUT', SERVER + '/metadata/matrix', (200, 200, 403, 404, A),
          body={'meta': {'matrix': 'v'}}),
    Route('GET', SERVER + '/metadata/matrix', (200, 200, 200, 404, A)),
    Route('POST', SERVER + '/metadata', (200, 200, 403, 404, A),
          body={'metadata': {'member': 'x', 'admin': 'x'}},
          note='a key for each persona'),
    Route('DELETE', SERVER + '/metadata/{persona}', (204, 204, 403, 404, A),
          note='own key each'),
    Route('PUT', SERVER + '/metadata', (200, 200, 403, 404, A),
          body={'metadata': {'matrix': 'replaced'}}),
    # -- instance actions --------------------------------------------------
    Route('GET', SERVER + '/os-instance-actions', (200, 200, 200, 404, A)),
    Route('GET', SERVER + '/os-instance-actions/req-matrix',
          (404, 404, 404, 404, A), note='"Action req-matrix not found" '
          'past the policy; another project: the server is a 404'),
    # -- availability zones ------------------------------------------------
    Route('GET', C + '/os-availability-zone', (200, 200, 200, 200, A)),
    Route('GET', C + '/os-availability-zone/detail', ADMIN_ONLY),
    # -- aggregates --------------------------------------------------------
    Route('GET', C + '/os-aggregates', ADMIN_ONLY),
    Route('POST', C + '/os-aggregates', ADMIN_ONLY,
          body={'aggregate': {'name': 'matrix-{persona}'}}),
    Route('GET', NO_AGG, ADMIN_404),
    Route('PUT', NO_AGG, ADMIN_404, body={'aggregate': {'name': 'x'}}),
    Route('DELETE', NO_AGG, ADMIN_404),
    Route('POST', NO_AGG + '/action', ADMIN_404,
          body={'add_host': {'host': 'matrix-nohost'}}),
    Route('POST', NO_AGG + '/action', ADMIN_404,
          body={'remove_host': {'host': 'matrix-nohost'}}),
    Route('POST', NO_AGG + '/action', ADMIN_404,
          body={'set_metadata': {'metadata': {'k': 'v'}}}),
    # -- services and hypervisors ------------------------------------------
    Route('GET', C + '/os-services', ADMIN_ONLY),
    Route('PUT', C + '/os-services/disable', ADMIN_404,
          body={'host': 'matrix-nohost', 'binary': 'novalite-compute'}),
    Route('PUT', C + '/os-services/00000000-0000-0000-0000-000000000000',
          ADMIN_404, body={'status': 'enabled'}, version='2.53'),
    Route('DELETE', C + '/os-services/999999', ADMIN_404),
    Route('GET', C + '/os-hypervisors', ADMIN_ONLY),
    Route('GET', C + '/os-hypervisors/detail', ADMIN_ONLY),
    Route('GET', C + '/os-hypervisors/statistics', ADMIN_ONLY),
    Route('GET', C + '/os-hypervisors/999999', ADMIN_404),
    Route('GET', C + '/os-hypervisors/compute/search', ADMIN_ONLY),
    Route('GET', C + '/os-hypervisors/compute/servers', ADMIN_ONLY),
    # -- usage -------------------------------------------------------------
    Route('GET', C + '/os-simple-tenant-usage', ADMIN_ONLY),
    Route('GET', C + '/os-simple-tenant-usage/{project}',
          (200, 200, 200, 403, A), note="the member's project"),
]
