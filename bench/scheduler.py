"""The scheduler's decision at 100 to 10 000 hosts, in process (issue 9:
``select_destinations`` p50 <= 5 ms at 1 000 hosts, <= 50 ms at 10 000)::

    python -m novalite.bench.scheduler [--hosts 100,1000,10000]
        [--calls 200] [--existing 1000]

For each host count it fills a fresh database with that many compute
nodes and beating services (and ``--existing`` allocations spread over
them), then times ``SchedulerManager.select_destinations`` for one
instance with alternates, as the RPC endpoint runs it, dropping each
claim again. Beside it, in the same run and on the same database, the
**floor**: the claim transaction alone on a fixed node (the one write a
decision cannot avoid). The RPC hop around it is measured by
``bench.boot``'s floor.
"""

import argparse
import datetime
import sys
import tempfile
import time
import uuid

from sqlalchemy import insert

from novalite.bench import boot as boot_bench
from novalite.common import config
from novalite.common import context as nl_context
from novalite.common.db import migration
from novalite.common.db import models
from novalite.common.db import placement
from novalite.common.db import session

NODE = {'vcpus': 64, 'memory_mb': 262144, 'local_gb': 4000,
        'hypervisor_type': 'QEMU', 'hypervisor_version': 8000000,
        'reserved_host_memory_mb': 512, 'reserved_host_disk_mb': 0,
        'cpu_allocation_ratio': 16.0, 'ram_allocation_ratio': 1.5,
        'disk_allocation_ratio': 1.0}
FLAVOR = {'id': 1, 'flavorid': '42', 'name': 'm1.nano', 'memory_mb': 128,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}
SPEC = {'project_id': 'bench', 'user_id': 'bench', 'flavor': FLAVOR,
        'image': None, 'num_instances': 1, 'availability_zone': None,
        'ignore_hosts': []}


def populate(hosts, existing):
    """``hosts`` nodes and beating compute services, ``existing``
    allocations round robin over them: bulk inserts, not the agents'
    one-row-per-transaction path, so 10 000 hosts take seconds."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    ctx = nl_context.get_admin_context()
    with session.writer(ctx) as s:
        s.execute(insert(models.ComputeNode), [
            dict(NODE, uuid=str(uuid.uuid4()), host='bench-%05d' % i,
                 hypervisor_hostname='bench-%05d' % i, generation=0)
            for i in range(hosts)])
        s.execute(insert(models.Service), [
            dict(uuid=str(uuid.uuid4()), host='bench-%05d' % i,
                 binary='novalite-compute', topic='compute',
                 report_count=1, last_seen_up=now, disabled=False)
            for i in range(hosts)])
    with session.reader(ctx) as s:
        ids = [r[0] for r in s.execute(
            models.ComputeNode.__table__.select().with_only_columns(
                models.ComputeNode.id))]
    if existing:
        with session.writer(ctx) as s:
            s.execute(insert(models.Allocation), [
                dict(consumer_uuid=str(uuid.uuid4()),
                     compute_node_id=ids[i % len(ids)], vcpus=1,
                     memory_mb=128, disk_gb=1) for i in range(existing)])
    return ids


def time_decisions(conf, calls):
    """select_destinations (with alternates) for one instance, each claim
    freed again (s each); the first call loads and is not counted."""
    from novalite.scheduler import manager
    sched = manager.SchedulerManager(conf)
    ctx = nl_context.get_admin_context()
    samples = []
    for i in range(calls + 1):
        consumer = str(uuid.uuid4())
        spec = dict(SPEC, instance_uuids=[consumer])
        began = time.perf_counter()
        sched.select_destinations(ctx, spec, [consumer])
        if i:
            samples.append(time.perf_counter() - began)
        placement.free(ctx, consumer)
    return samples


def time_claims(node_ids, calls):
    """The floor: one claim transaction on a node, then its free (only the
    claim is timed)."""
    ctx = nl_context.get_admin_context()
    resources = placement.resources_from_flavor(FLAVOR)
    node = placement.get_nodes_with_usage(ctx)[0]
    generation = node['generation']
    samples = []
    for _ in range(calls):
        consumer = str(uuid.uuid4())
        began = time.perf_counter()
        placement.claim(ctx, consumer, node['id'], generation, resources)
        samples.append(time.perf_counter() - began)
        generation += 1
        placement.free(ctx, consumer)
    return samples


def run_one(hosts, calls, existing, workdir):
    conf = config.parse_args([])
    # Each host count gets its own file, so its own engine (session
    # configures once per URL).
    url = 'sqlite:///%s/bench-sched-%d.sqlite' % (workdir, hosts)
    conf.set_override('connection', url, group='database')
    try:
        migration.db_sync(conf)
        ids = populate(hosts, existing)
        floor = time_claims(ids, calls)
        decide = time_decisions(conf, calls)
    finally:
        # The process's ConfigOpts: leave it as found.
        conf.clear_override('connection', group='database')
    return {'hosts': hosts, 'existing': existing,
            'select': boot_bench.summary(decide),
            'floor': boot_bench.summary(floor)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', default='100,1000,10000')
    parser.add_argument('--calls', type=int, default=200)
    parser.add_argument('--existing', type=int, default=1000)
    args = parser.parse_args(argv)
    rows = []
    for hosts in [int(h) for h in args.hosts.split(',')]:
        with tempfile.TemporaryDirectory(prefix='novalite-sched-') as tmp:
            rows.append(run_one(hosts, args.calls, args.existing, tmp))
        r = rows[-1]
        print('%6d hosts  select_destinations p50 %7.2f ms  p90 %7.2f ms'
              '   floor (claim) p50 %5.2f ms   ratio %5.1f' % (
                  hosts, r['select']['p50'] * 1e3, r['select']['p90'] * 1e3,
                  r['floor']['p50'] * 1e3,
                  r['select']['p50'] / r['floor']['p50']))
        sys.stdout.flush()
    return rows


if __name__ == '__main__':
    main()
