"""Builders for scheduler tests: node dicts as placement returns them, and
real compute nodes + services in the unit database."""

import itertools

from novalite.common.db import models
from novalite.common.db import placement
from novalite.common.db import services
from novalite.common.db import session
from novalite.scheduler import host_state

NODE = {'vcpus': 4, 'memory_mb': 4096, 'local_gb': 40,
        'hypervisor_type': 'QEMU', 'hypervisor_version': 8000000,
        'reserved_host_memory_mb': 0, 'reserved_host_disk_mb': 0,
        'cpu_allocation_ratio': 1.0, 'ram_allocation_ratio': 1.0,
        'disk_allocation_ratio': 1.0}

FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.small', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}


_IDS = itertools.count(1)


def node_dict(host, used=(0, 0, 0), **overrides):
    node = dict(NODE, id=next(_IDS), uuid='uuid-' + host,
                host=host, hypervisor_hostname=host, generation=0,
                vcpus_used=used[0], memory_mb_used=used[1],
                disk_gb_used=used[2])
    node.update(overrides)
    return node


def host(name, used=(0, 0, 0), up=True, disabled=False, **overrides):
    return host_state.HostState(node_dict(name, used, **overrides),
                                service_up=up, service_disabled=disabled)


def spec(flavor=None, **kw):
    flavor = flavor or FLAVOR
    d = {'project_id': 'p1', 'user_id': 'u1', 'flavor': flavor,
         'image': None, 'num_instances': 1, 'availability_zone': None,
         'ignore_hosts': [], 'instance_uuids': []}
    d.update(kw)
    return d


def add_compute(ctx, name, up=True, disabled=False, **resources):
    """A compute node and its (beating) compute service in the database."""
    node = placement.compute_node_upsert(ctx, name, name,
                                         dict(NODE, **resources))
    if up or disabled:
        services.heartbeat(ctx, name, 'novalite-compute', 'novalite-compute')
    if disabled:
        with session.writer(ctx) as s:
            row = s.query(models.Service).filter_by(host=name).one()
            row.disabled = True
    return node
