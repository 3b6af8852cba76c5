"""``os_compute_api:os-security-groups:*``: a server's security groups, and
``os_compute_api:os-volumes-attachments:*``: its volume attachments (none
without block storage) (Nova's names and defaults)."""

from novalite.api.policies import base

SG = 'os_compute_api:os-security-groups:%s'
VA = 'os_compute_api:os-volumes-attachments:%s'
SERVER = '/servers/{server_id}'


def list_rules():
    r = base.rule
    member, reader = base.PROJECT_MEMBER_OR_ADMIN, base.PROJECT_READER_OR_ADMIN
    return [
        r(SG % 'list', reader, 'List security groups of server.',
          [('GET', SERVER + '/os-security-groups')]),
        r(SG % 'add', member, 'Add security groups to server.',
          [('POST', SERVER + '/action (addSecurityGroup)')]),
        r(SG % 'remove', member, 'Remove security groups from server.',
          [('POST', SERVER + '/action (removeSecurityGroup)')]),
        r(VA % 'index', reader, 'List volume attachments for an instance.',
          [('GET', SERVER + '/os-volume_attachments')]),
        r(VA % 'show', reader, 'Show details of a volume attachment.',
          [('GET', SERVER + '/os-volume_attachments/{volume_id}')]),
        r(VA % 'create', member, 'Attach a volume to an instance.',
          [('POST', SERVER + '/os-volume_attachments')]),
        r(VA % 'update', member, 'Update a volume attachment.',
          [('PUT', SERVER + '/os-volume_attachments/{volume_id}')]),
        r(VA % 'delete', member, 'Detach a volume from an instance.',
          [('DELETE', SERVER + '/os-volume_attachments/{volume_id}')]),
    ]
