"""Server actions through the whole path (API → compute agent over
RabbitMQ → libvirt test:///default → conductor → database), seen through
the API, the agent's diagnostics and the instance action records."""

import time

from novalite.tests.functional import helpers

OWNER = 'bob:actions-proj'


def _boot(cloud, name):
    body = {'server': {'name': name, 'imageRef': cloud.image_id,
                       'flavorRef': '1',
                       'networks': [{'uuid': cloud.network_id}]}}
    rsp = cloud.http('POST', '/servers', token=OWNER, json=body)
    assert rsp.status_code == 202, rsp.text
    server_id = rsp.json()['server']['id']
    helpers.wait_status(cloud, server_id, 'ACTIVE')
    return server_id


def _act(cloud, server_id, body, token=OWNER, expect=202):
    rsp = cloud.http('POST', '/servers/%s/action' % server_id, token=token,
                     json=body)
    assert rsp.status_code == expect, rsp.text
    return rsp


def _settled(cloud, server_id, status, timeout=60):
    """Wait for ``status`` with no task in progress (the status alone does
    not show a reboot)."""
    deadline = time.time() + timeout
    server = None
    while time.time() < deadline:
        server = cloud.http('GET', '/servers/%s' % server_id).json()[
            'server']
        if (server['status'] == status and
                server['OS-EXT-STS:task_state'] is None):
            return server
        time.sleep(helpers.POLL)
    raise AssertionError('server %s not settled in %s: %s\n%s' % (
        server_id, status, server, cloud.local.logs()))


def _conflict(rsp):
    return rsp.json()['conflictingRequest']['message']


def test_power_actions(cloud):
    server_id = _boot(cloud, 'actions-power')

    rsp = _act(cloud, server_id, {'os-start': None}, expect=409)
    assert _conflict(rsp) == ("Cannot 'start' instance %s while it is in "
                              "vm_state active" % server_id)

    _act(cloud, server_id, {'os-stop': None})
    server = _settled(cloud, server_id, 'SHUTOFF')
    assert server['OS-EXT-STS:power_state'] == 4
    assert helpers.diagnostics(cloud, server_id)['state'] == 'shutdown'
    rsp = _act(cloud, server_id, {'pause': None}, expect=409)
    assert 'in vm_state stopped' in _conflict(rsp)

    _act(cloud, server_id, {'os-start': None})
    assert _settled(cloud, server_id, 'ACTIVE')[
        'OS-EXT-STS:power_state'] == 1
    assert helpers.diagnostics(cloud, server_id)['state'] == 'running'

    _act(cloud, server_id, {'pause': None})
    assert _settled(cloud, server_id, 'PAUSED')[
        'OS-EXT-STS:power_state'] == 3
    assert helpers.diagnostics(cloud, server_id)['state'] == 'paused'
    _act(cloud, server_id, {'unpause': None})
    _settled(cloud, server_id, 'ACTIVE')

    _act(cloud, server_id, {'suspend': None})
    assert _settled(cloud, server_id, 'SUSPENDED')[
        'OS-EXT-STS:power_state'] == 4
    _act(cloud, server_id, {'resume': None})
    _settled(cloud, server_id, 'ACTIVE')
    assert helpers.diagnostics(cloud, server_id)['state'] == 'running'

    for reboot_type in ('SOFT', 'HARD'):
        _act(cloud, server_id, {'reboot': {'type': reboot_type}})
        server = _settled(cloud, server_id, 'ACTIVE')
        assert server['OS-EXT-STS:power_state'] == 1

    rsp = _act(cloud, server_id, {'os-getConsoleOutput': {'length': 10}},
               expect=200)
    assert isinstance(rsp.json()['output'], str)

    actions = [r[0] for r in cloud.rows(
        "SELECT action FROM instance_actions WHERE instance_uuid = '%s' "
        "ORDER BY id" % server_id)]
    assert actions == ['create', 'stop', 'start', 'pause', 'unpause',
                       'suspend', 'resume', 'reboot', 'reboot']
    events = cloud.rows(
        "SELECT e.event, e.result, e.host FROM instance_actions_events e "
        "JOIN instance_actions a ON a.id = e.action_id "
        "WHERE a.instance_uuid = '%s' AND a.action != 'create' "
        "ORDER BY e.id" % server_id)
    assert [e[0] for e in events] == [
        'compute_stop_instance', 'compute_start_instance',
        'compute_pause_instance', 'compute_unpause_instance',
        'compute_suspend_instance', 'compute_resume_instance',
        'compute_reboot_instance', 'compute_reboot_instance']
    assert {e[1] for e in events} == {'Success'}
    assert {e[2] for e in events} == {server['OS-EXT-SRV-ATTR:host']}

    assert cloud.http('DELETE', '/servers/%s' % server_id).status_code == 204
    helpers.wait_gone(cloud, server_id)


def test_lock_rebuild_and_console(cloud):
    server_id = _boot(cloud, 'actions-lock')

    _act(cloud, server_id, {'lock': None}, token='admin:admin')
    rsp = _act(cloud, server_id, {'os-stop': None}, expect=409)
    assert _conflict(rsp) == 'Instance %s is locked' % server_id
    _act(cloud, server_id, {'unlock': None}, expect=403)
    server = cloud.http('GET', '/servers/%s' % server_id, version='2.9'
                        ).json()['server']
    assert server['locked'] is True and server['status'] == 'ACTIVE'
    _act(cloud, server_id, {'unlock': None}, token='admin:admin')

    rsp = _act(cloud, server_id, {'rebuild': {'imageRef': cloud.image_id,
                                              'name': 'actions-rebuilt'}})
    assert rsp.json()['server']['adminPass']
    server = _settled(cloud, server_id, 'ACTIVE')
    assert server['name'] == 'actions-rebuilt'
    assert helpers.diagnostics(cloud, server_id)['state'] == 'running'

    rsp = _act(cloud, server_id, {'os-getConsoleOutput': {}}, expect=200)
    assert rsp.json() == {'output': rsp.json()['output']}
    _act(cloud, server_id, {'os-getConsoleOutput': {'length': -2}},
         expect=400)

    actions = [r[0] for r in cloud.rows(
        "SELECT action FROM instance_actions WHERE instance_uuid = '%s' "
        "ORDER BY id" % server_id)]
    assert actions == ['create', 'lock', 'unlock', 'rebuild']
    (result,) = cloud.rows(
        "SELECT e.result FROM instance_actions_events e "
        "JOIN instance_actions a ON a.id = e.action_id "
        "WHERE a.instance_uuid = '%s' AND "
        "e.event = 'compute_rebuild_instance'" % server_id)
    assert result[0] == 'Success'

    assert cloud.http('DELETE', '/servers/%s' % server_id,
                      token=OWNER).status_code == 204
    helpers.wait_gone(cloud, server_id)
