"""[network] options: the built-in Neutron v2.0-compatible network API."""

from oslo_config import cfg

GROUP = cfg.OptGroup('network', title='Network service options')

OPTS = [
    cfg.StrOpt('backend', default='builtin', choices=['builtin'],
               help='Where networks, subnets, ports and security groups '
                    'live. builtin: the Neutron v2.0-compatible network API '
                    'that novalite-api serves under /network, over '
                    'novalite\'s own tables (the compute API reads them '
                    'directly). A real Neutron backend may be added later, '
                    'as [image] backend = glance was.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
