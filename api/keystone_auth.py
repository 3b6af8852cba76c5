"""``[api] auth_strategy = keystone``: keystonemiddleware's ``auth_token``
in front of the API, configured from ``[keystone_authtoken]``.

Version documents (``/``, ``/v2.1`` and the image API's ``/image/``,
``/image/versions``) stay unauthenticated, as in Nova's and Glance's paste
pipelines, so clients can discover versions before they have a token.
A missing, expired or forged token is auth_token's 401 with
``WWW-Authenticate``; Keystone being unreachable is a 503 in Nova's fault
format, never a 500.
"""

import webob

from keystonemiddleware import auth_token

from novalite.api import faults

_OPEN_PATHS = frozenset(('', '/', '/v2.1', '/v2.1/', '/image', '/image/',
                         '/image/versions', '/network', '/network/'))


class KeystoneAuth:
    """Routes version documents around ``auth_token``; everything else
    must carry a valid token."""

    def __init__(self, app, conf):
        self.app = app
        self.protected = auth_token.AuthProtocol(
            app, {'oslo_config_config': conf})

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '') in _OPEN_PATHS:
            return self.app(environ, start_response)
        resp = webob.Request(environ).get_response(self.protected)
        if resp.status_code >= 500 and resp.content_type != 'application/json':
            # auth_token's own 503 (Keystone unreachable) is plain text.
            resp = faults.response(
                503, 'The Keystone service is temporarily unavailable.')
        return resp(environ, start_response)


def context_values(environ):
    """What ``auth_token`` validated, as RequestContext keyword arguments
    (oslo.context reads the X-User-Id / X-Project-Id / X-Roles / X-Domain-*
    / X-Service-Catalog headers and the token itself)."""
    from oslo_context import context as oslo_context
    base = oslo_context.RequestContext.from_environ(environ)
    return {
        'user_id': base.user_id, 'project_id': base.project_id,
        'roles': base.roles, 'auth_token': base.auth_token,
        'user_domain_id': base.user_domain_id,
        'project_domain_id': base.project_domain_id,
        'domain_id': base.domain_id,
        'system_scope': base.system_scope,
        'service_catalog': environ.get('HTTP_X_SERVICE_CATALOG'),
        'global_request_id': base.global_request_id,
    }
