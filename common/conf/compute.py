"""[compute] options: the compute agent and the resources it reports."""

from oslo_config import cfg

GROUP = cfg.OptGroup('compute', title='Compute agent options')

OPTS = [
    cfg.FloatOpt('cpu_allocation_ratio', mutable=True, default=16.0, min=0.0,
                 help='Virtual CPUs the scheduler may place per physical CPU of '
                      'this host. Reported with the host resources.'),
    cfg.FloatOpt('ram_allocation_ratio', mutable=True, default=1.5, min=0.0,
                 help='Virtual RAM the scheduler may place per MiB of physical '
                      'RAM of this host.'),
    cfg.FloatOpt('disk_allocation_ratio', mutable=True, default=1.0, min=0.0,
                 help='Virtual disk the scheduler may place per GiB of local '
                      'disk of this host.'),
    cfg.IntOpt('reserved_host_memory_mb', mutable=True, default=512, min=0,
               help='MiB of host memory kept for the host itself and never '
                    'offered to instances.'),
    cfg.IntOpt('reserved_host_disk_mb', mutable=True, default=0, min=0,
               help='MiB of instances_path disk kept for the host itself.'),
    cfg.IntOpt('resource_update_interval', mutable=True, default=60, min=1,
               help='Seconds between reports of the host resources (vCPUs, '
                    'memory, disk from libvirt) to the conductor. Also reported '
                    'at start.'),
    cfg.IntOpt('sync_power_state_interval', mutable=True, default=60, min=1,
               help='Seconds between comparisons of the power state of every '
                    'instance on this host with libvirt. Lifecycle events '
                    'from libvirt update the state at once; this catches '
                    'what events missed (a restart of the agent or '
                    'libvirtd).'),
    cfg.IntOpt('shutdown_timeout', default=60, min=0,
               help='Seconds a clean stop waits for the guest to power off '
                    'after the ACPI shutdown request before destroying it. '
                    '0 destroys at once. Related options: [libvirt] '
                    'wait_soft_reboot_seconds.'),
    cfg.IntOpt('conductor_wait_timeout', default=180, min=0,
               help='Seconds the compute agent keeps retrying its first '
                    'resource report while the conductor is not reachable '
                    'yet at start. After that it starts anyway and catches '
                    'up (including the check of the instances on this host) '
                    'at the next successful report. Related options: '
                    'resource_update_interval, [DEFAULT] rpc_call_timeout.'),
    cfg.StrOpt('running_deleted_instance_action', default='reap',
               choices=[('reap', 'destroy the domain and remove its files'),
                        ('log', 'only log a warning for each such domain'),
                        ('noop', 'do not look for them at all')],
               help='What the compute agent does, at start and every '
                    'running_deleted_instance_poll_interval seconds, with a '
                    'domain it defined whose instance is deleted (e.g. '
                    'deleted while this host was down) or assigned to '
                    'another host. Domains novalite did not define, and '
                    'those of no known instance, are always left alone. '
                    'Related options: '
                    'running_deleted_instance_poll_interval.'),
    cfg.IntOpt('running_deleted_instance_poll_interval',
               mutable=True, default=1800, min=0,
               help='Seconds between checks for domains of deleted or '
                    'moved instances (see running_deleted_instance_action). '
                    '0 disables the periodic check; the agent still checks '
                    'once at start. Related options: '
                    'running_deleted_instance_action.'),
    cfg.IntOpt('instance_build_timeout', default=600, min=0,
               help='Seconds after its creation an instance may still be '
                    'building (vm_state building, with or without a host) '
                    'before the conductor puts it in ERROR with the fault '
                    '"Build of instance <uuid> aborted: Instance build '
                    'timed out after <N> seconds", frees its claim and '
                    'takes it off its host (whose agent then removes '
                    'anything it made). Unlike Nova\'s, on by default and '
                    'also covering instances that never got a host. 0 '
                    'disables it. Related options: [conductor] '
                    'build_recovery_interval (the check runs then).'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
