"""Who asks: under ``auth_strategy = keystone`` the context comes from the
token auth_token validated (``api/keystone_auth.py``), with ``is_admin``
from the ``context_is_admin`` policy rule.

noauth2: ``X-Auth-Token: user:project`` names who asks, no password.
User ``admin`` gets the admin role; no token at all means admin/admin
(Nova's defaults). keystoneauth's ``auth_type: none`` plugin always sends
the placeholder token ``notused``: it means no token too, so openstacksdk
and the openstack CLI configured that way work as admin.

Because noauth2 believes any token, ``check_deployment`` refuses to serve
it on an address other hosts can reach unless the operator says so."""

import ipaddress
import re
import socket

from oslo_log import log as logging

from novalite.common import context as nl_context

LOG = logging.getLogger(__name__)
# oslo.middleware's format for a caller's X-OpenStack-Request-ID; anything
# else is dropped so that a header cannot inject text into the logs.
_REQUEST_ID = re.compile(r'^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-'
                         r'[0-9a-f]{4}-[0-9a-f]{12}$')


def global_request_id(value):
    """The caller's global request id if well formed, else None."""
    return value if value and _REQUEST_ID.match(value) else None
NO_TOKEN = ('', 'notused')


class InsecureDeployment(Exception):
    """The configuration would serve noauth2 to the network."""


def context_from_request(req, conf):
    """The request's context: from auth_token's validated headers under
    ``auth_strategy = keystone``, from the noauth2 token otherwise."""
    if conf.api.auth_strategy != 'keystone':
        return context_from_headers(req.headers)
    from novalite.api import keystone_auth
    from novalite.api import policy
    values = keystone_auth.context_values(req.environ)
    if not values.get('user_id'):
        # Only the unauthenticated version documents get here.
        return nl_context.RequestContext(
            roles=[], is_admin=False,
            global_request_id=global_request_id(
                values.get('global_request_id')))
    values['global_request_id'] = global_request_id(
        values.get('global_request_id'))
    ctx = nl_context.RequestContext(is_admin=False, **values)
    ctx.is_admin = policy.check_is_admin(conf, ctx)
    return ctx


def context_from_headers(headers):
    token = headers.get('X-Auth-Token') or ''
    if token in NO_TOKEN:
        user_id, project_id = 'admin', 'admin'
    else:
        # Nova's NoAuthMiddleware: "user", "user:" and "user:project";
        # an empty project means the user's own name.
        user_id, _sep, project_id = token.partition(':')
        project_id = project_id or user_id
    roles = ['member', 'reader']
    if user_id == 'admin':
        roles.insert(0, 'admin')
    return nl_context.RequestContext(
        user_id=user_id, project_id=project_id, roles=roles,
        global_request_id=global_request_id(
            headers.get('X-OpenStack-Request-ID')))


def is_loopback(host):
    """True when every address ``host`` names is a loopback address (an
    unresolvable name counts as reachable from elsewhere)."""
    try:
        return ipaddress.ip_address(host.strip('[]')).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(info[4][0].split('%')[0]).is_loopback
        for info in infos)


def check_deployment(conf):
    """Refuse noauth2 on a non-loopback ``[api] listen`` unless
    ``[api] allow_insecure_noauth`` is set (then warn).

    :raises: InsecureDeployment
    """
    if conf.api.auth_strategy != 'noauth2' or is_loopback(conf.api.listen):
        return
    if not conf.api.allow_insecure_noauth:
        raise InsecureDeployment(
            'Refusing to serve auth_strategy = noauth2 on [api] listen = %s: '
            'noauth2 trusts any X-Auth-Token, so anyone who can reach this '
            'address is admin. Listen on a loopback address, or set '
            '[api] allow_insecure_noauth = True to accept the risk.'
            % conf.api.listen)
    LOG.warning('auth_strategy = noauth2 on [api] listen = %s, a non-loopback '
                'address (allow_insecure_noauth = True): every request is '
                'trusted, anyone who reaches this address can act as admin.',
                conf.api.listen)
