"""Isolation matrix rows for a server's security groups (joined to
test_isolation_matrix.ROUTES there; ``targets`` makes the groups they act
on). The project's readers list the groups of its server, its members add
and remove them (each acting persona its own group, made in the server's
project), another project's server is a 404 whatever the body, an unknown
group a 404 past the policy."""

from .test_isolation_matrix import A, SERVER, UNPLACED, Route, _action

ROUTES = [
    Route('GET', SERVER + '/os-security-groups', (200, 200, 200, 404, A)),
    _action({'addSecurityGroup': {'name': 'matrix-sg-{persona}'}},
            (202, 202, 403, 404, A), note="own group each, in the "
            "server's project"),
    _action({'addSecurityGroup': {'name': 'matrix-sg-nosuch'}},
            (404, 404, 403, 404, A), UNPLACED,
            note='unknown group: 404 past the policy'),
    _action({'removeSecurityGroup': {'name': 'matrix-sg-{persona}'}},
            (202, 202, 403, 404, A), note='own group each'),
]


def targets(cloud, common, own):
    """The groups ``matrix-sg-admin`` and ``matrix-sg-member`` in the
    member's project (the server's), made through the network API."""
    for persona in ('admin', 'member'):
        rsp = cloud.http('POST', '/network/v2.0/security-groups', 'member',
                         json={'security_group': {
                             'name': 'matrix-sg-' + persona}})
        assert rsp.status_code == 201, rsp.text
