"""In-memory view of one compute node for a scheduling decision: its
capacity, what is used, and whether its compute service is up."""

from novalite.common.db import placement


class HostState:
    """A compute node dict (with usage) plus its service's health.

    ``consume()`` adds a claim made during this request so the next
    instance of a multi-instance request sees the host as fuller.
    """

    __slots__ = ('node', 'host', 'nodename', 'uuid', 'service_up',
                 'service_disabled', 'disabled_reason', 'used', 'capacity')

    def __init__(self, node, service_up=False, service_disabled=False,
                 disabled_reason=None):
        self.service_up = service_up
        self.service_disabled = service_disabled
        self.disabled_reason = disabled_reason
        self.update(node)

    def update(self, node):
        """Refresh from a node dict re-read from the database."""
        self.node = node
        self.host = node['host']
        self.nodename = node['hypervisor_hostname']
        self.uuid = node['uuid']
        self.used = {'vcpus': node['vcpus_used'],
                     'memory_mb': node['memory_mb_used'],
                     'disk_gb': node['disk_gb_used']}
        self.capacity = placement.capacity(node)

    def set_used(self, used):
        """Usage ``(vcpus, memory_mb, disk_gb)`` re-read for a request."""
        self.used = {'vcpus': used[0], 'memory_mb': used[1],
                     'disk_gb': used[2]}

    @property
    def generation(self):
        return self.node['generation']

    def free(self, resource):
        """Usable amount of ``resource`` left (may be negative)."""
        return self.capacity[resource] - self.used[resource]

    @property
    def free_ram_mb(self):
        return self.free('memory_mb')

    def consume(self, resources):
        for r in placement.RESOURCES:
            self.used[r] += resources[r]
        # Our own claim bumped the generation by one.
        self.node = dict(self.node, generation=self.node['generation'] + 1)

    def selection(self):
        """The selection dict sent over RPC."""
        return {'service_host': self.host, 'nodename': self.nodename,
                'compute_node_uuid': self.uuid}

    def __repr__(self):
        return '<HostState %s/%s used=%s>' % (self.host, self.nodename,
                                               self.used)


def build_host_states(nodes, services, service_down_time, is_up):
    """HostStates for ``nodes`` (dicts with usage), joined in memory to the
    compute ``services`` (dicts) by host name; a node whose host has no
    service row counts as down."""
    by_host = {s['host']: s for s in services}
    states = []
    for node in nodes:
        svc = by_host.get(node['host'])
        up = svc is not None and is_up(svc, service_down_time)
        disabled = bool(svc and svc.get('disabled'))
        states.append(HostState(
            node, service_up=up, service_disabled=disabled,
            disabled_reason=svc.get('disabled_reason') if disabled else None))
    return states
