"""bench/scheduler.py: the in-process scheduler benchmark that make bench
runs at 100 to 10 000 hosts."""

from novalite.bench import scheduler as bench
from novalite.common import context as nl_context
from novalite.common.db import placement


def test_decisions_and_floor_on_a_populated_database(tmp_path):
    row = bench.run_one(30, calls=5, existing=12, workdir=str(tmp_path))
    assert row['hosts'] == 30 and row['existing'] == 12
    for key in ('select', 'floor'):
        assert row[key]['n'] == 5
        assert 0 < row[key]['p50'] <= row[key]['max']
    # Every claim the benchmark made was freed again: only the
    # pre-existing allocations remain, spread over the hosts.
    nodes = placement.get_nodes_with_usage(nl_context.get_admin_context())
    assert len(nodes) == 30
    assert sum(n['vcpus_used'] for n in nodes) == 12
    assert max(n['vcpus_used'] for n in nodes) == 1
