"""[api] options: the REST API service."""

from oslo_config import cfg

GROUP = cfg.OptGroup('api', title='Compute API options')

OPTS = [
    cfg.StrOpt('auth_strategy', default='noauth2', choices=['noauth2'],
               help='How API requests are authenticated. noauth2: the token '
                    '"user:project" (X-Auth-Token) names the user and project; '
                    'user "admin" gets the admin role. Keystone support comes '
                    'later.'),
    cfg.HostAddressOpt('listen', default='127.0.0.1',
                       help='Address the API HTTP server binds to.'),
    cfg.PortOpt('port', default=8774,
                help='TCP port the API HTTP server listens on.'),
    cfg.IntOpt('threads', default=16, min=1,
               help='Worker threads of the HTTP server: the number of requests '
                    'served at once.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Maximum number of items a list request returns in one page.'),
    cfg.StrOpt('public_endpoint',
               help='Base URL used in links returned by the API, for example '
                    'http://controller:8774. Defaults to the request host URL.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
