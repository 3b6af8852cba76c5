"""[quota] options: per-project limits checked when servers are created."""

from oslo_config import cfg

GROUP = cfg.OptGroup('quota', title='Quota options')

OPTS = [
    cfg.IntOpt('instances', default=10, min=-1,
               help='Servers a project may have. -1 means unlimited. '
                    'A boot asking for more than is left answers 403, '
                    'or, with min_count below max_count, creates as many '
                    'as fit. Related options: cores, ram.'),
    cfg.IntOpt('cores', default=20, min=-1,
               help='Virtual CPUs (flavor vcpus summed over its servers) a '
                    'project may use. -1 means unlimited.'),
    cfg.IntOpt('ram', default=50 * 1024, min=-1,
               help='MiB of RAM (flavor memory summed over its servers) a '
                    'project may use. -1 means unlimited.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
