"""Service processes register, heartbeat, are seen down when they stop
beating, and stop cleanly on SIGTERM."""

import json
import os
import signal
import time

from novalite.tests.functional import helpers


def _beats(cloud, binary='novalite-compute'):
    rows = cloud.rows('SELECT * FROM services')
    return {r._mapping['host']: r._mapping['report_count'] for r in rows
            if r._mapping['binary'] == binary}


def _service_states(cloud):
    """{host: 'up'|'down'} of compute services, from novalite-manage."""
    services = json.loads(cloud.local.manage('--format', 'json', 'service',
                                             'list'))
    return {s['host']: s['state'] for s in services
            if s['binary'] == 'novalite-compute'}


def test_every_service_registers_and_heartbeats(cloud):
    out = cloud.local.manage('service', 'list')
    for binary in ('novalite-api', 'novalite-conductor', 'novalite-scheduler'):
        assert binary in out
    assert _service_states(cloud) == {'compute1': 'up', 'compute2': 'up'}
    assert set(_beats(cloud, 'novalite-scheduler')) >= {'scheduler2'}
    before = _beats(cloud)
    time.sleep(helpers.REPORT_INTERVAL * 2.5)
    after = _beats(cloud)
    assert all(after[h] > before[h] for h in before)


def test_stopped_agent_exits_cleanly_is_seen_down_and_gets_no_builds(cloud):
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

        deadline = time.time() + helpers.SERVICE_DOWN_TIME + 10
        while _service_states(cloud).get('compute2') != 'down':
            assert time.time() < deadline, _service_states(cloud)
            time.sleep(0.5)
        assert _service_states(cloud)['compute1'] == 'up'

        # The scheduler places nothing on a host that is down.
        ids = [cloud.sdk.compute.create_server(
            name='while-down-%d' % i, image_id=cloud.image_id,
            flavor_id='42', networks=[{'uuid': cloud.network_id}]).id
            for i in range(3)]
        for sid in ids:
            server = helpers.wait_status(cloud, sid, 'ACTIVE')
            assert server['OS-EXT-SRV-ATTR:host'] == 'compute1'
            assert cloud.http('DELETE', '/servers/%s' % sid).status_code == 204
        for sid in ids:
            helpers.wait_gone(cloud, sid)
    finally:
        local.procs.pop(name, None)
        beats = _beats(cloud)['compute2']
        local.start(names=[name])
        deadline = time.time() + 60
        while _beats(cloud)['compute2'] <= beats + 1:
            assert time.time() < deadline, local.logs()
            time.sleep(0.1)
