"""``os_compute_api:server-metadata:*`` (Nova's names and defaults)."""

from novalite.api.policies import base

M = 'os_compute_api:server-metadata:%s'
PATH = '/servers/{server_id}/metadata'
KEY = PATH + '/{key}'


def list_rules():
    r = base.rule
    member, reader = base.PROJECT_MEMBER_OR_ADMIN, base.PROJECT_READER_OR_ADMIN
    return [
        r(M % 'index', reader, 'List all metadata of a server',
          [('GET', PATH)]),
        r(M % 'show', reader, 'Show metadata for a server', [('GET', KEY)]),
        r(M % 'create', member, 'Create metadata for a server',
          [('POST', PATH)]),
        r(M % 'update_all', member, 'Replace metadata for a server',
          [('PUT', PATH)]),
        r(M % 'update', member, 'Update metadata from a server',
          [('PUT', KEY)]),
        r(M % 'delete', member, 'Delete metadata from a server',
          [('DELETE', KEY)]),
    ]
