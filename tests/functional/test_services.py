"""Service processes register, heartbeat, and stop cleanly on SIGTERM."""

import os
import signal
import time


def _compute_beats(cloud):
    rows = cloud.rows('SELECT * FROM services')
    return {r._mapping['host']: r._mapping['report_count'] for r in rows
            if r._mapping['binary'] == 'novalite-compute'}


def test_every_service_registers_and_heartbeats(cloud):
    out = cloud.local.manage('service', 'list')
    for binary in ('novalite-api', 'novalite-conductor', 'novalite-scheduler'):
        assert binary in out
    lines = [l for l in out.splitlines() if 'novalite-compute' in l]
    assert len(lines) == 2 and all(' up ' in l for l in lines), out
    before = _compute_beats(cloud)
    time.sleep(2.5)   # report_interval is 2 s in the test cloud
    after = _compute_beats(cloud)
    assert all(after[h] > before[h] for h in before)


def test_sigterm_stops_a_compute_agent_cleanly(cloud):
    local = cloud.local
    name = 'compute-compute2'
    proc = local.procs[name]
    os.kill(proc.pid, signal.SIGTERM)
    try:
        assert proc.wait(timeout=20) == 0
        with open(os.path.join(local.log_dir, name + '.log')) as log:
            text = log.read()
        assert 'novalite-compute stopped' in text
        assert 'Traceback' not in text
    finally:
        local.procs.pop(name, None)
        beats = _compute_beats(cloud)['compute2']
        local.start(names=[name])
        deadline = time.time() + 60
        while _compute_beats(cloud)['compute2'] <= beats:
            assert time.time() < deadline, local.logs()
            time.sleep(0.1)
