"""[conductor] options: finding and finishing lost or unfinished work."""

from oslo_config import cfg

GROUP = cfg.OptGroup('conductor', title='Conductor options')

OPTS = [
    cfg.IntOpt('build_recovery_interval', default=30, min=0,
               help='Seconds between the conductor\'s passes over unfinished '
                    'work (doc/reliability.md, "Recovery"): instances '
                    'waiting for a host whose conductor died or whose '
                    'message was lost, builds on a compute host that went '
                    'down, deletes whose host is down or whose message was '
                    'lost, builds older than [compute] '
                    'instance_build_timeout, and claims of deleted '
                    'instances. Every conductor runs it; a compare-and-swap '
                    'on the instance row makes sure only one acts on an '
                    'instance. 0 disables it (then nothing finishes such '
                    'work). Related options: build_recovery_grace, '
                    '[DEFAULT] service_down_time.'),
    cfg.IntOpt('build_recovery_grace', default=180, min=1,
               help='Seconds an instance may wait for a host (task_state '
                    'scheduling), or for its compute agent to start the '
                    'build it was sent, or for its delete, before the '
                    'conductor takes the work as lost and does it again. '
                    'Must be larger than [DEFAULT] rpc_call_timeout: a '
                    'conductor still waiting for the scheduler holds the '
                    'instance that long. Related options: '
                    'build_recovery_interval.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
