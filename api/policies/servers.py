"""``os_compute_api:servers:*`` and the server action APIs, with Nova's
names and defaults."""

from novalite.api.policies import base

S = 'os_compute_api:servers:%s'
SERVER = '/servers/{server_id}'
ACTION = SERVER + '/action (%s)'
T = 'os_compute_api:os-server-tags:%s'
TAGS = SERVER + '/tags'


def _rules():
    r = base.rule
    member, reader, admin = (base.PROJECT_MEMBER_OR_ADMIN,
                             base.PROJECT_READER_OR_ADMIN, base.ADMIN)
    return [
        r(S % 'index', reader, 'List all servers', [('GET', '/servers')]),
        r(S % 'detail', reader, 'List all servers with detailed information',
          [('GET', '/servers/detail')]),
        r(S % 'index:get_all_tenants', admin,
          'List all servers for all projects', [('GET', '/servers')]),
        r(S % 'detail:get_all_tenants', admin,
          'List all servers with detailed information for all projects',
          [('GET', '/servers/detail')]),
        r(S % 'allow_all_filters', admin,
          'Allow all filters when listing servers',
          [('GET', '/servers'), ('GET', '/servers/detail')]),
        r(S % 'show', reader, 'Show a server', [('GET', SERVER)]),
        r(S % 'show:host_status', admin,
          'Show a server with the host_status attribute (2.16)',
          [('GET', SERVER), ('GET', '/servers/detail')]),
        r(S % 'create', member, 'Create a server', [('POST', '/servers')]),
        r(S % 'create:forced_host', admin,
          'Create a server on the host named in availability_zone',
          [('POST', '/servers')]),
        r('compute:servers:create:requested_destination', admin,
          'Create a server on the host / hypervisor_hostname named in '
          'the request (2.74)', [('POST', '/servers')]),
        r(S % 'create:attach_network', member,
          'Create a server with the requested network or port',
          [('POST', '/servers')]),
        r(S % 'delete', member, 'Delete a server', [('DELETE', SERVER)]),
        r(S % 'update', member, 'Update a server', [('PUT', SERVER)]),
        r(S % 'reboot', member, 'Reboot a server',
          [('POST', ACTION % 'reboot')]),
        r(S % 'rebuild', member, 'Rebuild a server',
          [('POST', ACTION % 'rebuild')]),
        r(S % 'create_image', member, 'Create an image from a server',
          [('POST', ACTION % 'createImage')]),
        r(S % 'start', member, 'Start a server',
          [('POST', ACTION % 'os-start')]),
        r(S % 'stop', member, 'Stop a server',
          [('POST', ACTION % 'os-stop')]),
        r('os_compute_api:os-pause-server:pause', member, 'Pause a server',
          [('POST', ACTION % 'pause')]),
        r('os_compute_api:os-pause-server:unpause', member,
          'Unpause a paused server', [('POST', ACTION % 'unpause')]),
        r('os_compute_api:os-suspend-server:suspend', member,
          'Suspend a server', [('POST', ACTION % 'suspend')]),
        r('os_compute_api:os-suspend-server:resume', member,
          'Resume a suspended server', [('POST', ACTION % 'resume')]),
        r('os_compute_api:os-console-output', member,
          'Show console output for a server',
          [('POST', ACTION % 'os-getConsoleOutput')]),
        r('os_compute_api:os-server-diagnostics', admin,
          'Show the usage data for a server',
          [('GET', SERVER + '/diagnostics')]),
        r('os_compute_api:os-extended-server-attributes', admin,
          'Return extended attributes (OS-EXT-SRV-ATTR:*) for a server',
          [('GET', SERVER), ('GET', '/servers/detail')]),
        r(T % 'index', reader, 'List tags', [('GET', TAGS)]),
        r(T % 'show', reader, 'Check a tag', [('GET', TAGS + '/{tag}')]),
        r(T % 'update', member, 'Add a single tag',
          [('PUT', TAGS + '/{tag}')]),
        r(T % 'update_all', member, 'Replace all tags', [('PUT', TAGS)]),
        r(T % 'delete', member, 'Delete a single tag',
          [('DELETE', TAGS + '/{tag}')]),
        r(T % 'delete_all', member, 'Delete all the tags',
          [('DELETE', TAGS)]),
        r('os_compute_api:os-lock-server:lock', member, 'Lock a server',
          [('POST', ACTION % 'lock')]),
        r('os_compute_api:os-lock-server:unlock', member,
          'Unlock a locked server', [('POST', ACTION % 'unlock')]),
        r('os_compute_api:os-lock-server:unlock:unlock_override', admin,
          'Act on a server locked by another project',
          [('POST', ACTION % 'unlock')]),
    ]


def list_rules():
    return _rules()
