"""[scheduler] options: filters, weighers and retries."""

from oslo_config import cfg

GROUP = cfg.OptGroup('scheduler', title='Scheduler options')

OPTS = [
    cfg.IntOpt('max_attempts', mutable=True, default=3, min=1,
               help='Hosts tried for one instance: the chosen host plus up to '
                    'max_attempts - 1 alternates the compute agent can '
                    'reschedule to when a build fails.'),
    cfg.ListOpt('enabled_filters', mutable=True,
                default=['AvailabilityZoneFilter', 'ComputeFilter',
                         'RamFilter', 'DiskFilter', 'CoreFilter',
                         'ServerGroupAntiAffinityFilter',
                         'ServerGroupAffinityFilter'],
                help='Filters a host must pass to be chosen, in order. '
                     'Possible values: ComputeFilter (service up and enabled), '
                     'RamFilter, DiskFilter, CoreFilter, '
                     'AvailabilityZoneFilter (the availability zone asked '
                     'for, from host aggregates), '
                     'AggregateInstanceExtraSpecsFilter (flavor extra specs '
                     'against host aggregate metadata), '
                     'ServerGroupAntiAffinityFilter and '
                     'ServerGroupAffinityFilter (the hard policies of the '
                     'server group named by the "group" scheduler hint; '
                     'whatever this list says, a claim never breaks them).'),
    cfg.FloatOpt('ram_weight_multiplier', mutable=True, default=1.0,
                 help='Weight of free RAM when ranking hosts. Positive values '
                      'spread instances over hosts, negative values stack them.'),
    cfg.FloatOpt('soft_affinity_weight_multiplier', mutable=True,
                 default=1.0, min=0.0,
                 help='Weight of the soft-affinity server group policy: '
                      'hosts holding more of the group\'s members rank '
                      'higher. 0 disables it. Related options: '
                      'ram_weight_multiplier (weighed against it).'),
    cfg.FloatOpt('soft_anti_affinity_weight_multiplier', mutable=True,
                 default=1.0, min=0.0,
                 help='Weight of the soft-anti-affinity server group '
                      'policy: hosts holding fewer of the group\'s members '
                      'rank higher. 0 disables it. Related options: '
                      'ram_weight_multiplier.'),
    cfg.FloatOpt('host_cache_ttl', mutable=True, default=2.0, min=0.0,
                 help='Seconds the scheduler keeps what it read of every '
                      'compute node and service (capacities, heartbeats) '
                      'before reading them all again; at least 20 times '
                      'the last full read, so re-reading never takes more '
                      'than a twentieth of its time. Every request still '
                      'reads the current usage of each node and which '
                      'services an admin disabled or forced down, and a '
                      'request that fits nowhere reads everything again '
                      'before giving up, so the cache never refuses a boot '
                      'that would fit. New hosts and missed heartbeats '
                      'count after at most this long. 0 reads everything '
                      'on every request.'),
    cfg.IntOpt('claim_retries', default=10, min=1,
               help='Times a resource claim is retried when another scheduler '
                    'changed the same compute node concurrently.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
