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
    cfg.StrOpt('default_cidr', default='10.0.0.0/24',
               help='IPv4 range of the shared network "private" that '
                    '`novalite-manage bootstrap` creates (its first address '
                    'is the gateway, which each compute host holds on the '
                    'network\'s isolated bridge). Two clouds sharing one '
                    'libvirtd need different ranges: libvirt refuses to '
                    'start a network whose range another bridge routes.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
