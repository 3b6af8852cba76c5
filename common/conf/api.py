"""[api] options: the REST API service."""

from oslo_config import cfg

GROUP = cfg.OptGroup('api', title='Compute API options')

OPTS = [
    cfg.StrOpt('auth_strategy', default='noauth2',
               choices=[('noauth2', 'X-Auth-Token "user:project" names the '
                         'user and project, no password; user "admin" gets '
                         'the admin role. For development on loopback only.'),
                        ('keystone', 'keystonemiddleware auth_token validates '
                         'every token against Keystone, configured by '
                         '[keystone_authtoken].')],
               help='How API requests are authenticated. Related options: '
                    'allow_insecure_noauth, [keystone_authtoken], '
                    '[oslo_policy] policy_file.'),
    cfg.BoolOpt('allow_insecure_noauth', default=False,
                help='Let novalite-api serve auth_strategy noauth2 on a '
                     'non-loopback listen address. noauth2 trusts any token, '
                     'so anyone who can reach the address acts as any user, '
                     'admin included; without this option the API refuses '
                     'to start there. Related options: auth_strategy, '
                     'listen.'),
    cfg.HostAddressOpt('listen', default='127.0.0.1',
                       help='Address the API HTTP server binds to. With '
                            'auth_strategy noauth2 it must be a loopback '
                            'address unless allow_insecure_noauth is set.'),
    cfg.PortOpt('port', default=8774,
                help='TCP port the API HTTP server listens on.'),
    cfg.IntOpt('threads', default=64, min=1,
               help='Worker threads of the built-in HTTP server '
                    '(novalite-api): the number of requests served at once. '
                    'Not used under a WSGI server (novalite-api-wsgi), '
                    'which has its own. Related options: backlog.'),
    cfg.IntOpt('backlog', default=1024, min=1,
               help='Listen backlog of the built-in HTTP server: connections '
                    'the kernel queues while every thread is busy (capped '
                    'by net.core.somaxconn). Too small a value resets '
                    'clients under load. Related options: threads.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Maximum number of items a list request returns in one page.'),
    cfg.IntOpt('max_instances_per_request', default=200, min=1,
               help='The largest max_count one POST /servers may ask for: '
                    'a larger one is refused with 400 before anything is '
                    'written, whatever the quota allows, so one request '
                    'cannot write an unbounded number of rows in one '
                    'transaction.'),
    cfg.IntOpt('wait_max_seconds', default=20, min=0, max=300,
               help='Longest a GET /servers/{id}?wait_for=STATUS request (a '
                    'novalite extension: the show answers once the server '
                    'has that status, is in ERROR or is gone) is held '
                    'before it answers with the status of the moment. 0 '
                    'turns waiting off. Related options: wait_max_waiters.'),
    cfg.IntOpt('wait_max_waiters', default=48, min=0,
               help='Requests of one API process that may wait at once; '
                    'more answer at once, as without wait_for. Each holds '
                    'one of the HTTP server\'s threads, so keep it below '
                    'threads. Related options: threads, wait_max_seconds.'),
    cfg.StrOpt('public_endpoint',
               help='Base URL used in links returned by the API, for example '
                    'http://controller:8774. Defaults to the request host URL.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
