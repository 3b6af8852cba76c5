"""Isolation matrix rows for server groups (joined to
test_isolation_matrix.ROUTES there; ``targets`` adds the groups they act
on to its setup). A project's readers list and show its groups, its
members create and delete them, another project's group is a 404, an
admin sees any; ``all_projects`` is ignored for non-admins (Nova)."""

import uuid

from .test_isolation_matrix import A, C, Route

SG = C + '/os-server-groups'

ROUTES = [
    Route('GET', SG, (200, 200, 200, 200, A), note="own project's list"),
    Route('GET', SG + '?all_projects=1', (200, 200, 200, 200, A),
          note='non-admins: their own (Nova)'),
    Route('POST', SG, (200, 200, 403, 200, A),
          body={'server_group': {'name': 'matrix-{persona}',
                                 'policies': ['anti-affinity']}},
          note="in the caller's own project"),
    Route('GET', SG + '/{server_group}', (200, 200, 200, 404, A),
          note="the member's group"),
    Route('GET', SG + '/{no_group}', (404, 404, 404, 404, A)),
    Route('DELETE', SG + '/{sg_victim}', (204, 204, 403, 404, A),
          note='own victim group each'),
]


def targets(cloud, common, own):
    """Add ``server_group``, ``no_group`` (to ``common``) and each
    acting persona's ``sg_victim`` (to ``own``)."""
    def create(persona, name):
        rsp = cloud.http('POST', SG, persona, json={'server_group': {
            'name': name, 'policies': ['affinity']}})
        assert rsp.status_code == 200, rsp.text
        return rsp.json()['server_group']['id']
    common['server_group'] = create('member', 'matrix-main')
    common['no_group'] = str(uuid.uuid4())
    for persona in ('admin', 'member'):
        own[persona]['sg_victim'] = create(persona, 'matrix-victim-'
                                           + persona)
