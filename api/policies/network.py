"""The network API's rules, with Neutron's names and (secure RBAC)
defaults. The target is the resource: ``project_id`` is its project and
``shared`` whether its network is shared. A resource the caller may not
see is a 404 before (and after) any ``get_*`` rule, as in Neutron."""

from novalite.api.policies import base

ADMIN_OR_MEMBER = 'role:admin or (role:member and project_id:%(project_id)s)'
ADMIN_OR_READER = 'role:admin or (role:reader and project_id:%(project_id)s)'
SHARED_OR_READER = ADMIN_OR_READER + " or 'True':%(shared)s"
V = '/v2.0'


def _crud(singular, plural, read=ADMIN_OR_READER, write=ADMIN_OR_MEMBER,
          update=True):
    r = base.rule
    item = '%s/%s/{id}' % (V, plural)
    rules = [
        r('get_' + singular, read, 'Get %s' % plural.replace('_', ' '),
          [('GET', V + '/' + plural), ('GET', item)]),
        r('create_' + singular, write, 'Create a %s'
          % singular.replace('_', ' '), [('POST', V + '/' + plural)]),
        r('delete_' + singular, write, 'Delete a %s'
          % singular.replace('_', ' '), [('DELETE', item)]),
    ]
    if update:
        rules.append(r('update_' + singular, write, 'Update a %s'
                       % singular.replace('_', ' '), [('PUT', item)]))
    return rules


def list_rules():
    r = base.rule
    return [
        *_crud('network', 'networks', read=SHARED_OR_READER),
        r('create_network:shared', base.ADMIN, 'Create a shared network',
          [('POST', V + '/networks')]),
        r('update_network:shared', base.ADMIN, 'Share or unshare a network',
          [('PUT', V + '/networks/{id}')]),
        *_crud('subnet', 'subnets', read=SHARED_OR_READER),
        *_crud('port', 'ports'),
        r('get_port:binding:host_id', base.ADMIN,
          'Get binding:host_id of a port (hidden otherwise)',
          [('GET', V + '/ports'), ('GET', V + '/ports/{id}')]),
        *_crud('security_group', 'security-groups'),
        *_crud('security_group_rule', 'security-group-rules', update=False),
    ]
