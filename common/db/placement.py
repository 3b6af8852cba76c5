"""The ``compute_nodes`` and ``allocations`` tables: what each hypervisor
offers and what each instance (the consumer) holds on it.

Usage is never stored on a node: it is always the sum of its allocations.
A claim bumps the node's ``generation`` with a compare-and-swap UPDATE and
re-checks capacity in the same transaction, so schedulers running in
several processes never over-commit a node (Placement's scheme).
"""

import math
import uuid as uuidlib

from sqlalchemy import delete, func, insert, select, update

from novalite.common.db import models
from novalite.common.db import server_groups
from novalite.common.db import session
from novalite.common import exception

RESOURCES = ('vcpus', 'memory_mb', 'disk_gb')

_NODE_FIELDS = ('vcpus', 'memory_mb', 'local_gb', 'hypervisor_type',
                'hypervisor_version', 'reserved_host_memory_mb',
                'reserved_host_disk_mb', 'cpu_allocation_ratio',
                'ram_allocation_ratio', 'disk_allocation_ratio')


def resources_from_flavor(flavor):
    """What one instance of ``flavor`` consumes: ``{vcpus, memory_mb,
    disk_gb}``; disk is root + ephemeral + swap (MiB, rounded up to GiB)."""
    swap_gb = int(math.ceil((flavor.get('swap') or 0) / 1024.0))
    return {'vcpus': int(flavor.get('vcpus') or 0),
            'memory_mb': int(flavor.get('memory_mb') or 0),
            'disk_gb': int(flavor.get('root_gb') or 0)
            + int(flavor.get('ephemeral_gb') or 0) + swap_gb}


def capacity(node):
    """Usable totals of a node dict after allocation ratios and reserves."""
    return {
        'vcpus': node['vcpus'] * node['cpu_allocation_ratio'],
        'memory_mb': (node['memory_mb'] * node['ram_allocation_ratio']
                      - node['reserved_host_memory_mb']),
        'disk_gb': (node['local_gb'] * node['disk_allocation_ratio']
                    - node['reserved_host_disk_mb'] / 1024.0),
    }


def fits(node, used, resources):
    """True when ``resources`` fit beside ``used`` (dicts keyed by
    RESOURCES) within the node's capacity."""
    cap = capacity(node)
    return all(used[r] + resources[r] <= cap[r] for r in RESOURCES)


# -- compute nodes -----------------------------------------------------------

@session.retry
@session.retry_on_duplicate
def compute_node_upsert(ctx, host, nodename, resources):
    """Create (new uuid) or update the node ``(host, nodename)`` from a
    compute agent's report; returns the node dict."""
    with session.writer(ctx) as s:
        row = s.execute(select(models.ComputeNode).filter_by(
            host=host, hypervisor_hostname=nodename)).scalar_one_or_none()
        if row is None:
            row = models.ComputeNode(uuid=str(uuidlib.uuid4()), host=host,
                                     hypervisor_hostname=nodename,
                                     generation=0)
            s.add(row)
        for key in _NODE_FIELDS:
            if resources.get(key) is not None:
                setattr(row, key, resources[key])
        s.flush()
        return row.as_dict()


def _usage_query():
    """Nodes with their summed allocations: one outer join + group by."""
    a = models.Allocation
    return (select(models.ComputeNode,
                   func.coalesce(func.sum(a.vcpus), 0),
                   func.coalesce(func.sum(a.memory_mb), 0),
                   func.coalesce(func.sum(a.disk_gb), 0))
            .outerjoin(a, a.compute_node_id == models.ComputeNode.id)
            .group_by(models.ComputeNode.id))


def _with_usage(row):
    node, vcpus, memory_mb, disk_gb = row
    d = node.as_dict()
    d.update(vcpus_used=int(vcpus), memory_mb_used=int(memory_mb),
             disk_gb_used=int(disk_gb))
    return d


@session.retry
def get_nodes_with_usage(ctx):
    """Every compute node dict plus ``vcpus_used``, ``memory_mb_used`` and
    ``disk_gb_used`` (and its ``generation``), in one query."""
    with session.reader(ctx) as s:
        rows = s.execute(_usage_query().order_by(models.ComputeNode.id))
        return [_with_usage(r) for r in rows]


@session.retry
def usage_by_node(ctx):
    """``{node id: (vcpus, memory_mb, disk_gb)}`` summed over allocations,
    for nodes that hold any: one aggregate query returning plain tuples
    (the scheduler's per-request refresh of its cached nodes)."""
    a = models.Allocation
    with session.reader(ctx) as s:
        rows = s.execute(select(a.compute_node_id, func.sum(a.vcpus),
                                func.sum(a.memory_mb), func.sum(a.disk_gb))
                         .group_by(a.compute_node_id))
        return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}


@session.retry
def get_node_by_uuid(ctx, node_uuid):
    """One node dict with usage, as ``get_nodes_with_usage`` gives it.

    :raises: ComputeNodeNotFound
    """
    with session.reader(ctx) as s:
        row = s.execute(_usage_query().where(
            models.ComputeNode.uuid == node_uuid)).first()
        if row is None:
            raise exception.ComputeNodeNotFound(node=node_uuid)
        return _with_usage(row)


# -- allocations -------------------------------------------------------------

@session.retry
def claim(ctx, consumer_uuid, node_id, generation, resources, grouped=True):
    """Allocate ``resources`` ({vcpus, memory_mb, disk_gb}) on node
    ``node_id`` for ``consumer_uuid``, replacing any allocation it held.

    ``generation`` is the node generation the caller decided on; the claim
    fails if anyone claimed on that node since.

    A consumer in a server group with a hard policy takes the group's
    guard first and, with its allocation written, checks the policy
    against where the group's other members hold claims
    (``server_groups.check_placement``): of two racing claims for one
    anti-affinity group, the second sees the first. ``grouped`` False:
    the caller knows the consumer is in no group (its request spec names
    none), so the guard is not looked for.

    :returns: the allocation dict.
    :raises: ResourceProviderConflict when the generation moved or the
        node has no room left: re-read the node and decide again;
        GroupPolicyConflict (a subclass) when the host breaks the group's
        policy.
    """
    a = models.Allocation
    with session.writer(ctx) as s:
        # Every statement here holds SQLite's one write lock: the group
        # guard's is skipped when the request names no group.
        group = (server_groups.lock_for_consumer(s, consumer_uuid)
                 if grouped else None)
        # The compare-and-swap takes the node's row lock first, so the
        # capacity check below cannot race another claim on this node.
        result = s.execute(
            update(models.ComputeNode)
            .where(models.ComputeNode.id == node_id,
                   models.ComputeNode.generation == generation)
            .values(generation=models.ComputeNode.generation + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise exception.ResourceProviderConflict(node=node_id)
        s.execute(delete(a).where(a.consumer_uuid == consumer_uuid)
                  .execution_options(synchronize_session=False))
        row = s.execute(_usage_query().where(
            models.ComputeNode.id == node_id)).first()
        node = _with_usage(row)
        used = {'vcpus': node['vcpus_used'],
                'memory_mb': node['memory_mb_used'],
                'disk_gb': node['disk_gb_used']}
        if not fits(node, used, resources):
            # Raising rolls back the generation bump as well.
            raise exception.ResourceProviderConflict(node=node['uuid'])
        alloc = dict(consumer_uuid=consumer_uuid, compute_node_id=node_id,
                     **{r: int(resources[r]) for r in RESOURCES})
        alloc['id'] = s.execute(insert(a).values(**alloc)
                                ).inserted_primary_key[0]
        if group is not None:
            server_groups.check_placement(s, group, consumer_uuid,
                                          node['host'])
        return alloc


@session.retry
def free(ctx, consumer_uuid):
    """Drop the consumer's allocation; True if it had one (idempotent)."""
    return free_all(ctx, [consumer_uuid]) > 0


@session.retry
def free_all(ctx, consumer_uuids):
    """Drop the allocations of all ``consumer_uuids``; returns how many."""
    if not consumer_uuids:
        return 0
    a = models.Allocation
    with session.writer(ctx) as s:
        result = s.execute(delete(a).where(a.consumer_uuid.in_(
            list(consumer_uuids))).execution_options(
                synchronize_session=False))
        return result.rowcount


@session.retry
def get_allocation(ctx, consumer_uuid):
    """The consumer's allocation dict plus its node's ``compute_node_uuid``,
    ``host`` and ``nodename``; None when it holds nothing."""
    a = models.Allocation
    n = models.ComputeNode
    with session.reader(ctx) as s:
        row = s.execute(select(a, n.uuid, n.host, n.hypervisor_hostname)
                        .join(n, n.id == a.compute_node_id)
                        .where(a.consumer_uuid == consumer_uuid)).first()
        if row is None:
            return None
        alloc, node_uuid, host, nodename = row
        d = alloc.as_dict()
        d.update(compute_node_uuid=node_uuid, host=host, nodename=nodename)
        return d
