"""noauth2: ``X-Auth-Token: user:project`` names who asks, no password.
User ``admin`` gets the admin role; no token at all means admin/admin
(Nova's defaults). keystoneauth's ``auth_type: none`` plugin always sends
the placeholder token ``notused``: it means no token too, so openstacksdk
and the openstack CLI configured that way work as admin."""

from novalite.common import context as nl_context

NO_TOKEN = ('', 'notused')


def context_from_headers(headers):
    token = headers.get('X-Auth-Token') or ''
    if token in NO_TOKEN:
        user_id, project_id = 'admin', 'admin'
    elif ':' in token:
        user_id, project_id = token.split(':', 1)
    else:
        user_id = project_id = token
    roles = ['member', 'reader']
    if user_id == 'admin':
        roles.insert(0, 'admin')
    return nl_context.RequestContext(
        user_id=user_id, project_id=project_id, roles=roles,
        global_request_id=headers.get('X-OpenStack-Request-ID'))
