import threading
import uuid

import pytest

from novalite.common import context as nl_context
from novalite.common.db import placement
from novalite.common import exception

SMALL = {'vcpus': 2, 'memory_mb': 1024, 'local_gb': 10,
         'hypervisor_type': 'QEMU', 'hypervisor_version': 8000000,
         'reserved_host_memory_mb': 0, 'reserved_host_disk_mb': 0,
         'cpu_allocation_ratio': 1.0, 'ram_allocation_ratio': 1.0,
         'disk_allocation_ratio': 1.0}
ONE = {'vcpus': 1, 'memory_mb': 256, 'disk_gb': 1}


def _claim(ctx, node, consumer, resources=ONE):
    return placement.claim(ctx, consumer, node['id'], node['generation'],
                           resources)


def test_upsert_creates_once_then_updates(db, admin_ctx):
    first = placement.compute_node_upsert(admin_ctx, 'h1', 'h1.node', SMALL)
    second = placement.compute_node_upsert(
        admin_ctx, 'h1', 'h1.node', dict(SMALL, memory_mb=2048,
                                         ram_allocation_ratio=1.5))
    assert first['uuid'] == second['uuid']
    assert second['memory_mb'] == 2048
    assert second['ram_allocation_ratio'] == 1.5
    nodes = placement.get_nodes_with_usage(admin_ctx)
    assert [n['uuid'] for n in nodes] == [first['uuid']]


def test_usage_is_sum_of_allocations(db, admin_ctx):
    n1 = placement.compute_node_upsert(admin_ctx, 'h1', 'n1', SMALL)
    n2 = placement.compute_node_upsert(admin_ctx, 'h2', 'n2', SMALL)
    _claim(admin_ctx, n1, 'c1')
    n1 = placement.get_node_by_uuid(admin_ctx, n1['uuid'])
    _claim(admin_ctx, n1, 'c2', {'vcpus': 1, 'memory_mb': 100, 'disk_gb': 3})
    usage = {n['host']: n for n in placement.get_nodes_with_usage(admin_ctx)}
    assert (usage['h1']['vcpus_used'], usage['h1']['memory_mb_used'],
            usage['h1']['disk_gb_used']) == (2, 356, 4)
    assert usage['h1']['generation'] == 2
    assert (usage['h2']['vcpus_used'], usage['h2']['memory_mb_used']) == (0, 0)
    assert usage['h2']['uuid'] == n2['uuid']


def test_claim_with_stale_generation_conflicts(db, admin_ctx):
    node = placement.compute_node_upsert(admin_ctx, 'h1', 'n1', SMALL)
    _claim(admin_ctx, node, 'c1')
    with pytest.raises(exception.ResourceProviderConflict):
        _claim(admin_ctx, node, 'c2')   # generation 0 is stale now
    assert placement.get_allocation(admin_ctx, 'c2') is None


def test_claim_over_capacity_conflicts_and_keeps_generation(db, admin_ctx):
    node = placement.compute_node_upsert(admin_ctx, 'h1', 'n1', SMALL)
    with pytest.raises(exception.ResourceProviderConflict):
        _claim(admin_ctx, node, 'big', {'vcpus': 1, 'memory_mb': 1025,
                                        'disk_gb': 1})
    node = placement.get_node_by_uuid(admin_ctx, node['uuid'])
    assert node['generation'] == 0
    assert node['memory_mb_used'] == 0


def test_capacity_honours_ratios_and_reserves(db, admin_ctx):
    node = placement.compute_node_upsert(
        admin_ctx, 'h1', 'n1', dict(SMALL, ram_allocation_ratio=2.0,
                                    reserved_host_memory_mb=48,
                                    cpu_allocation_ratio=4.0))
    # 1024 * 2 - 48 = 2000 MiB usable, 8 vcpus.
    _claim(admin_ctx, node, 'a', {'vcpus': 8, 'memory_mb': 2000,
                                  'disk_gb': 10})
    node = placement.get_node_by_uuid(admin_ctx, node['uuid'])
    with pytest.raises(exception.ResourceProviderConflict):
        _claim(admin_ctx, node, 'b', {'vcpus': 0, 'memory_mb': 1,
                                      'disk_gb': 0})


def test_claim_replaces_consumer_allocation_and_free_is_idempotent(
        db, admin_ctx):
    n1 = placement.compute_node_upsert(admin_ctx, 'h1', 'n1', SMALL)
    n2 = placement.compute_node_upsert(admin_ctx, 'h2', 'n2', SMALL)
    _claim(admin_ctx, n1, 'c1')
    _claim(admin_ctx, n2, 'c1')
    alloc = placement.get_allocation(admin_ctx, 'c1')
    assert (alloc['host'], alloc['compute_node_uuid']) == ('h2', n2['uuid'])
    assert placement.get_node_by_uuid(admin_ctx, n1['uuid'])[
        'vcpus_used'] == 0
    assert placement.free(admin_ctx, 'c1') is True
    assert placement.free(admin_ctx, 'c1') is False
    assert placement.get_allocation(admin_ctx, 'c1') is None


def test_get_node_by_unknown_uuid(db, admin_ctx):
    with pytest.raises(exception.ComputeNodeNotFound):
        placement.get_node_by_uuid(admin_ctx, str(uuid.uuid4()))


def test_resources_from_flavor_rounds_swap_up():
    flavor = {'vcpus': 2, 'memory_mb': 512, 'root_gb': 5, 'ephemeral_gb': 1,
              'swap': 1500}
    assert placement.resources_from_flavor(flavor) == {
        'vcpus': 2, 'memory_mb': 512, 'disk_gb': 8}


def test_concurrent_claims_never_overcommit(db, admin_ctx):
    # 8 threads x 3 consumers race for a node with room for 4.
    node = placement.compute_node_upsert(
        admin_ctx, 'h1', 'n1', dict(SMALL, vcpus=4))
    won, errors = [], []

    def worker(n):
        ctx = nl_context.get_admin_context()
        for i in range(3):
            consumer = 'c-%d-%d' % (n, i)
            for _attempt in range(50):
                fresh = placement.get_node_by_uuid(ctx, node['uuid'])
                used = {'vcpus': fresh['vcpus_used'],
                        'memory_mb': fresh['memory_mb_used'],
                        'disk_gb': fresh['disk_gb_used']}
                if not placement.fits(fresh, used, ONE):
                    break
                try:
                    _claim(ctx, fresh, consumer)
                    won.append(consumer)
                    break
                except exception.ResourceProviderConflict:
                    continue
                except Exception as exc:  # noqa: BLE001 -- reported below
                    errors.append(exc)
                    break

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = placement.get_node_by_uuid(admin_ctx, node['uuid'])
    # 4 vcpus, 1024 MiB: exactly 4 instances of (1 vcpu, 256 MiB) fit.
    assert len(won) == 4
    assert final['vcpus_used'] == 4 and final['memory_mb_used'] == 1024
    assert final['generation'] == 4
