"""Key pair APIs: a user's own key pairs; an admin names another user
(``user_id``, 2.10). Nova's defaults."""

from novalite.api.policies import base

P = 'os_compute_api:os-keypairs:%s'
ADMIN_OR_OWNER = '(rule:context_is_admin or user_id:%(user_id)s)'


def list_rules():
    r = base.rule
    return [
        r(P % 'index', ADMIN_OR_OWNER, 'List all keypairs',
          [('GET', '/os-keypairs')]),
        r(P % 'create', ADMIN_OR_OWNER, 'Create a keypair',
          [('POST', '/os-keypairs')]),
        r(P % 'delete', ADMIN_OR_OWNER, 'Delete a keypair',
          [('DELETE', '/os-keypairs/{keypair_name}')]),
        r(P % 'show', ADMIN_OR_OWNER, 'Show details of a keypair',
          [('GET', '/os-keypairs/{keypair_name}')]),
    ]
