"""Isolation matrix rows for flavor extra specs and flavor access (joined
to test_isolation_matrix.ROUTES there; ``targets`` makes the private
flavor). Extra specs: everyone reads, admins write. Flavor access: admins
only; a private flavor is a 404 to a project it is not shared with."""

from .test_isolation_matrix import A, C, Route

SPECS = C + '/flavors/1/os-extra_specs'
PRIVATE = C + '/flavors/{private_flavor}'

ROUTES = [
    Route('GET', SPECS, (200, 200, 200, 200, A)),
    Route('POST', SPECS, (200, 403, 403, 403, A),
          body={'extra_specs': {'matrix': 'x'}}),
    Route('GET', SPECS + '/matrix', (200, 200, 200, 200, A)),
    Route('PUT', SPECS + '/matrix', (200, 403, 403, 403, A),
          body={'matrix': 'y'}),
    Route('DELETE', SPECS + '/matrix', (200, 403, 403, 403, A)),
    Route('GET', PRIVATE + '/os-flavor-access', (200, 403, 403, 403, A)),
    Route('POST', PRIVATE + '/action', (200, 403, 403, 403, A),
          body={'addTenantAccess': {'tenant': '{project}'}},
          note="shared with the member's project"),
    Route('GET', PRIVATE, (200, 200, 200, 404, A),
          note='private, shared with the member only'),
    Route('POST', PRIVATE + '/action', (200, 403, 403, 403, A),
          body={'removeTenantAccess': {'tenant': '{project}'}}),
]


def targets(cloud, common, own):
    """Add ``private_flavor`` (to ``common``): a private flavor."""
    rsp = cloud.http('POST', C + '/flavors', 'admin', json={'flavor': {
        'name': 'matrix-private', 'ram': 64, 'vcpus': 1, 'disk': 1,
        'os-flavor-access:is_public': False}})
    assert rsp.status_code == 200, rsp.text
    common['private_flavor'] = rsp.json()['flavor']['id']
