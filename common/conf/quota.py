"""[quota] options: the default limits of every project (Nova's ``[quota]``
group). An admin overrides them per project or per user with
``os-quota-sets`` and for everybody with the ``default`` quota class
(``os-quota-class-sets``); these options are what is left when neither is
set. -1 means unlimited everywhere."""

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
    cfg.IntOpt('metadata_items', default=128, min=-1,
               help='Metadata items (key/value pairs) a server may carry. '
                    'Shown as maxServerMeta and maxImageMeta in /limits. '
                    '-1 means unlimited.'),
    cfg.IntOpt('injected_files', default=5, min=-1,
               help='Files a boot may inject (personality, before '
                    'microversion 2.57). -1 means unlimited. Related '
                    'options: injected_file_content_bytes, '
                    'injected_file_path_length.'),
    cfg.IntOpt('injected_file_content_bytes', default=10 * 1024, min=-1,
               help='Bytes in one injected file. -1 means unlimited.'),
    cfg.IntOpt('injected_file_path_length', default=255, min=-1,
               help='Characters in the path of one injected file (the '
                    'injected_file_path_bytes quota). -1 means unlimited.'),
    cfg.IntOpt('key_pairs', default=100, min=-1,
               help='Key pairs a user may have (counted per user, as Nova '
                    'does). -1 means unlimited.'),
    cfg.IntOpt('server_groups', default=10, min=-1,
               help='Server groups a project may have. -1 means '
                    'unlimited. Related options: server_group_members.'),
    cfg.IntOpt('server_group_members', default=10, min=-1,
               help='Servers one server group may hold. -1 means '
                    'unlimited.'),
    cfg.BoolOpt('recheck_quota', default=True,
                help='Count usage again after the servers of a boot are '
                     'written, under a per-project guard, and delete them '
                     '(403) if a concurrent boot took the room meanwhile. '
                     'Without it two racing boots can both pass the first '
                     'check and exceed the quota.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
