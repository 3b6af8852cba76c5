"""Server group APIs (Nova's ``os_compute_api:os-server-groups:*`` names
and defaults): a project's members create and delete its groups, its
readers list and show them, admins see every project's
(``all_projects``)."""

from novalite.api.policies import base

P = 'os_compute_api:os-server-groups:%s'
GROUPS = '/os-server-groups'
GROUP = GROUPS + '/{server_group_id}'


def list_rules():
    r = base.rule
    return [
        r(P % 'create', base.PROJECT_MEMBER, 'Create a new server group',
          [('POST', GROUPS)]),
        r(P % 'delete', base.PROJECT_MEMBER_OR_ADMIN,
          'Delete a server group', [('DELETE', GROUP)]),
        r(P % 'index', base.PROJECT_READER_OR_ADMIN,
          'List all server groups', [('GET', GROUPS)]),
        r(P % 'index:all_projects', base.ADMIN,
          'List all server groups for all projects', [('GET', GROUPS)]),
        r(P % 'show', base.PROJECT_READER_OR_ADMIN,
          'Show details of a server group', [('GET', GROUP)]),
    ]
