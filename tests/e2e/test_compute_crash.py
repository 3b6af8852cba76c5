"""kill -9 of the compute agent while it spawns a real QEMU guest: once the
agent is back, the server ends ACTIVE with its guest running, or ERROR
with a fault saying why and no guest; never BUILD, never a domain without
an ACTIVE server or the other way round; deleting it leaves nothing."""

import os
import signal
import time

from novalite.tools import build_test_guest

SERVICE = 'compute-e2e-compute'
BOUND = 180   # seconds from the restart to a settled server


def _kill_compute(local):
    pid = local.pids()[SERVICE]
    os.kill(pid, signal.SIGKILL)
    proc = local.procs.get(SERVICE)
    if proc is not None:
        proc.wait(timeout=30)


def _wait_compute_up(cloud, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        rsp = cloud.http('GET', '/os-services?binary=novalite-compute')
        if rsp.status_code == 200 and all(
                s['state'] == 'up' for s in rsp.json()['services']):
            return
        time.sleep(0.5)
    raise AssertionError('the compute agent is not up again:\n%s'
                         % cloud.local.logs())


def _fresh_guest(cloud, guest):
    """The guest uploaded anew, so this boot downloads it: the spawn
    lasts long enough to be interrupted."""
    import openstack
    conn = openstack.connect(**cloud.local.cloud_config())
    return build_test_guest.upload(conn, guest, 'e2e-crash-%d'
                                   % int(time.time()))


def test_kill_compute_mid_spawn_settles_the_server(cloud, guest):
    images = _fresh_guest(cloud, guest)
    server_id = cloud.boot(images['ami'], name='e2e-crash')
    deadline = time.time() + 120
    seen = None
    while time.time() < deadline:
        seen = cloud.server(server_id).get('OS-EXT-STS:task_state')
        if seen == 'spawning':
            break
        time.sleep(0.01)
    assert seen == 'spawning', 'never saw the spawn (last task %s)' % seen
    _kill_compute(cloud.local)
    time.sleep(1)
    cloud.local.start(names=[SERVICE])
    _wait_compute_up(cloud)
    server = cloud.wait_settled(server_id, timeout=BOUND)
    assert server['status'] in ('ACTIVE', 'ERROR'), server
    print('killed mid-spawn: %s %s' % (server['status'],
                                       (server.get('fault') or {}).get(
                                           'message', '')))
    if server['status'] == 'ACTIVE':
        assert cloud.domstate(server_id) == 'running'
        cloud.wait_markers(server_id, 1)
    else:
        assert server['fault']['message'], server
        assert cloud.domstate(server_id) is None, \
            'ERROR server with a domain left on the host'
    cloud.delete(server_id)
    cloud.assert_nothing_left(server_id)
