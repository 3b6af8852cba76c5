"""POST /servers/<id>/action through the real WSGI app and database, with a
compute agent double listening on the fake RPC bus."""

import queue

import pytest

from novalite.api import server_actions
from novalite.api import server_lookup
from novalite.common.db import images
from novalite.common.db import instances
from novalite.common import rpc
from novalite.common import states
from novalite.compute import rpcapi as compute_rpcapi

HOST = 'h1'
FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}
CASTS = ('stop_instance', 'start_instance', 'reboot_instance',
         'pause_instance', 'unpause_instance', 'suspend_instance',
         'resume_instance', 'rebuild_instance', 'snapshot_instance')


class ComputeDouble:
    """The compute agent's RPC endpoints: casts are queued for the test,
    get_console_output answers ``console``."""

    target = rpc.target(compute_rpcapi.RPC_API_VERSION)

    def __init__(self):
        self.casts = queue.Queue()
        self.console = 'boot\nMARKER\x07 up\n'
        self.console_calls = []
        for name in CASTS:
            setattr(self, name, self._recorder(name))

    def _recorder(self, name):
        def cast(ctxt, instance, **kwargs):
            self.casts.put((name, instance, kwargs, ctxt))
        return cast

    def get_console_output(self, ctxt, instance, tail_length=None):
        self.console_calls.append(tail_length)
        return self.console

    def next_cast(self):
        return self.casts.get(timeout=5)

    def no_cast(self):
        with pytest.raises(queue.Empty):
            self.casts.get(timeout=0.2)


@pytest.fixture
def compute(db):
    rpc.cleanup()   # a fresh fake bus: nothing left over from other tests
    endpoint = ComputeDouble()
    server = rpc.get_server(db, compute_rpcapi.TOPIC, HOST,
                            compute_rpcapi.RPC_API_VERSION, [endpoint],
                            exposed_only=False)
    server.start()
    yield endpoint
    server.stop()
    server.wait()
    rpc.cleanup()


def _server(admin, cloud, **values):
    row = {'display_name': 'vm', 'project_id': 'p1', 'user_id': 'alice',
           'flavor': dict(FLAVOR), 'image_ref': cloud['image']['id'],
           'host': HOST, 'node': HOST, 'vm_state': states.ACTIVE,
           'task_state': None, 'power_state': states.RUNNING}
    row.update(values)
    return instances.create_instances(admin, [row], {}, [])[0]


def _action(client, uuid, body, **kw):
    return client.post('/v2.1/servers/%s/action' % uuid, body, **kw)


def _actions(admin, uuid):
    return [a['action'] for a in instances.actions_get(admin, uuid)]


def _get(admin, uuid):
    return instances.get(admin, uuid)


@pytest.mark.parametrize('key,vm_state,task_state,cast', [
    ('os-stop', states.ACTIVE, 'powering-off', 'stop_instance'),
    ('os-stop', states.ERROR, 'powering-off', 'stop_instance'),
    ('os-start', states.STOPPED, 'powering-on', 'start_instance'),
    ('pause', states.ACTIVE, 'pausing', 'pause_instance'),
    ('unpause', states.PAUSED, 'unpausing', 'unpause_instance'),
    ('suspend', states.ACTIVE, 'suspending', 'suspend_instance'),
    ('resume', states.SUSPENDED, 'resuming', 'resume_instance')])
def test_action_sets_task_state_records_and_casts(
        client, cloud, compute, admin, key, vm_state, task_state, cast):
    inst = _server(admin, cloud, vm_state=vm_state)
    resp = _action(client, inst['uuid'], {key: None})
    assert resp.status_code == 202, resp.body
    assert resp.body == b''
    assert _get(admin, inst['uuid'])['task_state'] == task_state
    name, sent, kwargs, ctxt = compute.next_cast()
    assert (name, sent['uuid'], sent['task_state']) == (
        cast, inst['uuid'], task_state)
    assert ctxt.user_id == 'alice'
    if key == 'os-stop':
        assert kwargs == {'clean_shutdown': True}
    nova_action = server_actions.RULES[key].action
    assert _actions(admin, inst['uuid']) == [nova_action, 'create']
    action = instances.actions_get(admin, inst['uuid'])[0]
    assert action['request_id'] == ctxt.request_id


@pytest.mark.parametrize('key,vm_state,action', [
    ('os-start', states.ACTIVE, 'start'),
    ('os-stop', states.STOPPED, 'stop'),
    ('pause', states.STOPPED, 'pause'),
    ('unpause', states.ACTIVE, 'unpause'),
    ('suspend', states.PAUSED, 'suspend'),
    ('resume', states.ACTIVE, 'resume')])
def test_action_refused_in_wrong_vm_state(client, cloud, compute, admin,
                                          key, vm_state, action):
    inst = _server(admin, cloud, vm_state=vm_state)
    resp = _action(client, inst['uuid'], {key: None})
    assert resp.status_code == 409
    assert resp.data['conflictingRequest']['message'] == (
        "Cannot '%s' instance %s while it is in vm_state %s"
        % (action, inst['uuid'], vm_state))
    assert _get(admin, inst['uuid'])['task_state'] is None
    assert _actions(admin, inst['uuid']) == ['create']
    compute.no_cast()


def test_action_refused_while_a_task_runs(client, cloud, compute, admin):
    inst = _server(admin, cloud, task_state='pausing')
    resp = _action(client, inst['uuid'], {'os-stop': None})
    assert resp.status_code == 409
    assert resp.data['conflictingRequest']['message'] == (
        "Cannot 'stop' instance %s while it is in task_state pausing"
        % inst['uuid'])
    assert _get(admin, inst['uuid'])['task_state'] == 'pausing'


def test_unknown_other_project_and_unknown_action(client, cloud, compute,
                                                  admin):
    inst = _server(admin, cloud)
    missing = '9b1d1f8e-55f4-4c43-8a55-0f56d0a2c5aa'
    assert _action(client, missing, {'pause': None}).status_code == 404
    resp = _action(client, inst['uuid'], {'pause': None}, token='bob:p2')
    assert resp.status_code == 404
    resp = _action(client, inst['uuid'], {'fly': None})
    assert resp.status_code == 400
    assert 'There is no such action: fly' in resp.body.decode()
    resp = _action(client, inst['uuid'], {'pause': None, 'resume': None})
    assert resp.status_code == 400
    assert client.get('/v2.1/servers/%s/action' % inst['uuid']
                      ).status_code == 405
    compute.no_cast()


def test_soft_and_hard_reboot(client, cloud, compute, admin):
    stopped = _server(admin, cloud, vm_state=states.STOPPED)
    resp = _action(client, stopped['uuid'], {'reboot': {'type': 'SOFT'}})
    assert resp.status_code == 409
    assert 'in vm_state stopped' in resp.data['conflictingRequest'][
        'message']
    resp = _action(client, stopped['uuid'], {'reboot': {'type': 'HARD'}})
    assert resp.status_code == 202
    name, _sent, kwargs, _ctxt = compute.next_cast()
    assert (name, kwargs) == ('reboot_instance', {'reboot_type': 'HARD'})
    assert _get(admin, stopped['uuid'])['task_state'] == 'rebooting_hard'
    assert _actions(admin, stopped['uuid'])[0] == 'reboot'

    active = _server(admin, cloud)
    resp = _action(client, active['uuid'], {'reboot': {'type': 'soft'}})
    assert resp.status_code == 202
    assert compute.next_cast()[2] == {'reboot_type': 'SOFT'}
    assert _get(admin, active['uuid'])['task_state'] == 'rebooting'
    # A hard reboot may interrupt a soft one; a soft one may not.
    assert _action(client, active['uuid'],
                   {'reboot': {'type': 'SOFT'}}).status_code == 409
    assert _action(client, active['uuid'],
                   {'reboot': {'type': 'HARD'}}).status_code == 202
    assert _get(admin, active['uuid'])['task_state'] == 'rebooting_hard'

    for bad in ({'reboot': {'type': 'WARM'}}, {'reboot': {}},
                {'reboot': None}):
        assert _action(client, active['uuid'], bad).status_code == 400


def test_lock_by_admin_blocks_the_owner(client, cloud, compute, admin):
    inst = _server(admin, cloud)
    uuid = inst['uuid']
    assert _action(client, uuid, {'lock': None},
                   token='admin:admin').status_code == 202
    row = _get(admin, uuid)
    assert (row['locked'], row['locked_by']) == (True, 'admin')
    shown = client.get('/v2.1/servers/%s' % uuid, version='2.9').data
    assert shown['server']['locked'] is True

    resp = _action(client, uuid, {'os-stop': None})
    assert resp.status_code == 409
    assert resp.data['conflictingRequest']['message'] == (
        'Instance %s is locked' % uuid)
    assert _get(admin, uuid)['task_state'] is None
    compute.no_cast()
    resp = _action(client, uuid, {'unlock': None})
    assert resp.status_code == 403
    assert 'unlock_override' in resp.data['forbidden']['message']

    # An admin is not held back by a lock.
    assert _action(client, uuid, {'pause': None},
                   token='admin:admin').status_code == 202
    assert compute.next_cast()[0] == 'pause_instance'
    assert _action(client, uuid, {'unlock': None},
                   token='admin:admin').status_code == 202
    row = _get(admin, uuid)
    assert (row['locked'], row['locked_by']) == (False, None)
    assert _actions(admin, uuid)[:3] == ['unlock', 'pause', 'lock']


def test_owner_lock_and_unlock(client, cloud, compute, admin):
    uuid = _server(admin, cloud)['uuid']
    assert _action(client, uuid, {'lock': None}).status_code == 202
    assert _get(admin, uuid)['locked_by'] == 'owner'
    assert _action(client, uuid, {'pause': None}).status_code == 409
    assert _action(client, uuid, {'unlock': None}).status_code == 202
    assert _action(client, uuid, {'pause': None}).status_code == 202


def test_rebuild(client, cloud, compute, admin):
    inst = _server(admin, cloud, vm_state=states.STOPPED)
    new = images.create(admin, {'name': 'new', 'status': 'active',
                                'visibility': 'public',
                                'disk_format': 'qcow2',
                                'container_format': 'bare', 'size': 9})
    resp = _action(client, inst['uuid'], {'rebuild': {
        'imageRef': new['id'], 'name': 'renamed', 'adminPass': 'sekrit',
        'metadata': {'k': 'v'}}})
    assert resp.status_code == 202, resp.body
    server = resp.data['server']
    assert server['adminPass'] == 'sekrit'
    assert server['image']['id'] == new['id']
    assert server['name'] == 'renamed' and server['metadata'] == {'k': 'v'}
    assert not any(k.startswith('OS-EXT-STS') for k in server)
    row = _get(admin, inst['uuid'])
    assert (row['task_state'], row['image_ref']) == ('rebuilding', new['id'])
    name, _sent, kwargs, _ctxt = compute.next_cast()
    assert name == 'rebuild_instance'
    assert kwargs['image_ref'] == new['id']
    assert kwargs['image_meta']['disk_format'] == 'qcow2'
    assert kwargs['admin_password'] == 'sekrit'
    assert _actions(admin, inst['uuid'])[0] == 'rebuild'


def test_rebuild_refusals(client, cloud, compute, admin):
    inst = _server(admin, cloud)
    queued = images.create(admin, {'name': 'q', 'owner': 'p1'})
    resp = _action(client, inst['uuid'], {'rebuild': {
        'imageRef': queued['id']}})
    assert resp.status_code == 400
    assert 'is not active' in resp.data['badRequest']['message']
    resp = _action(client, inst['uuid'], {'rebuild': {
        'imageRef': '9b1d1f8e-55f4-4c43-8a55-0f56d0a2c5aa'}})
    assert resp.status_code == 400
    assert _action(client, inst['uuid'], {'rebuild': {
        'imageRef': 'not-a-uuid'}}).status_code == 400
    assert _action(client, inst['uuid'], {'rebuild': {}}).status_code == 400
    paused = _server(admin, cloud, vm_state=states.PAUSED)
    resp = _action(client, paused['uuid'], {'rebuild': {
        'imageRef': cloud['image']['id']}})
    assert resp.status_code == 409
    compute.no_cast()
    assert _get(admin, inst['uuid'])['image_ref'] == cloud['image']['id']


def test_console_output(client, cloud, compute, admin):
    uuid = _server(admin, cloud)['uuid']
    resp = _action(client, uuid, {'os-getConsoleOutput': {'length': 5}})
    assert resp.status_code == 200
    assert resp.data == {'output': 'boot\nMARKER up\n'}   # no BEL
    for length, sent in ((None, None), (-1, None), ('3', 3)):
        body = {'os-getConsoleOutput': {'length': length}}
        assert _action(client, uuid, body).status_code == 200
    assert _action(client, uuid, {'os-getConsoleOutput': {}}
                   ).status_code == 200
    assert compute.console_calls == [5, None, None, 3, None]
    for bad in (-2, '-5', 'abc', 1.5):
        body = {'os-getConsoleOutput': {'length': bad}}
        assert _action(client, uuid, body).status_code == 400, bad
    assert _action(client, uuid, {'os-getConsoleOutput': {'x': 1}}
                   ).status_code == 400
    unplaced = _server(admin, cloud, host=None, vm_state=states.BUILDING,
                       task_state=states.SCHEDULING)
    resp = _action(client, unplaced['uuid'], {'os-getConsoleOutput': {}})
    assert resp.status_code == 409


def test_create_image(client, cloud, compute, admin):
    inst = _server(admin, cloud, vm_state=states.STOPPED)
    resp = _action(client, inst['uuid'], {'createImage': {
        'name': 'snap', 'metadata': {'purpose': 'backup'}}})
    assert resp.status_code == 202, resp.body
    assert resp.body == b''
    prefix = 'http://localhost/image/v2/images/'
    assert resp.headers['Location'].startswith(prefix)
    image_id = resp.headers['Location'][len(prefix):]
    image = images.get(admin, image_id)
    assert (image['name'], image['status'], image['owner'],
            image['visibility'], image['min_disk']) == (
        'snap', 'queued', 'p1', 'private', 1)
    assert image['properties']['image_type'] == 'snapshot'
    assert image['properties']['instance_uuid'] == inst['uuid']
    assert image['properties']['base_image_ref'] == cloud['image']['id']
    assert image['properties']['purpose'] == 'backup'
    assert _get(admin, inst['uuid'])['task_state'] == 'image_snapshot'
    name, _sent, kwargs, _ctxt = compute.next_cast()
    assert (name, kwargs) == ('snapshot_instance', {'image_id': image_id})
    assert _actions(admin, inst['uuid'])[0] == 'createImage'
    # The owner can see the new image through the image API.
    assert client.get('/image/v2/images/%s' % image_id).status_code == 200


def test_create_image_refused_leaves_no_image(client, cloud, compute,
                                              admin):
    before = len(images.get_all(admin))
    busy = _server(admin, cloud, task_state='pausing')
    resp = _action(client, busy['uuid'], {'createImage': {'name': 'x'}})
    assert resp.status_code == 409
    building = _server(admin, cloud, vm_state=states.BUILDING,
                       task_state=states.SPAWNING)
    resp = _action(client, building['uuid'], {'createImage': {'name': 'x'}})
    assert resp.status_code == 409
    assert _action(client, busy['uuid'], {'createImage': {}}
                   ).status_code == 400
    assert len(images.get_all(admin)) == before
    compute.no_cast()


def test_cast_failure_clears_the_task_state(client, cloud, admin,
                                            monkeypatch):
    uuid = _server(admin, cloud)['uuid']

    def broken(*args, **kwargs):
        raise rpc.MessagingException('broker gone')
    monkeypatch.setattr(compute_rpcapi.ComputeAPI, '_cast_action', broken)
    resp = _action(client, uuid, {'os-stop': None})
    assert resp.status_code == 503
    assert _get(admin, uuid)['task_state'] is None


def test_rebuild_cast_failure_restores_image_and_name(client, cloud, admin,
                                                      monkeypatch):
    inst = _server(admin, cloud, metadata={'old': '1'})
    new = images.create(admin, {'name': 'new', 'status': 'active',
                                'visibility': 'public', 'size': 9,
                                'disk_format': 'qcow2',
                                'container_format': 'bare'})

    def broken(*args, **kwargs):
        raise rpc.MessagingException('broker gone')
    monkeypatch.setattr(compute_rpcapi.ComputeAPI, '_cast_action', broken)
    resp = _action(client, inst['uuid'], {'rebuild': {
        'imageRef': new['id'], 'name': 'renamed',
        'metadata': {'new': '2'}}})
    assert resp.status_code == 503
    row = _get(admin, inst['uuid'])
    assert (row['image_ref'], row['display_name'], row['metadata'],
            row['task_state']) == (cloud['image']['id'], 'vm', {'old': '1'},
                                   None)


def test_rebuild_with_an_image_too_big_for_the_flavor_is_400(
        client, cloud, compute, admin):
    inst = _server(admin, cloud)
    for values, message in (
            ({'min_ram': 4096}, "Flavor's memory is too small"),
            ({'min_disk': 20}, "Flavor's disk is smaller than the minimum"),
            ({'size': 5 * 1024 ** 3}, "Flavor's disk is too small")):
        big = images.create(admin, dict({
            'name': 'big', 'status': 'active', 'visibility': 'public',
            'disk_format': 'qcow2', 'container_format': 'bare', 'size': 9},
            **values))
        resp = _action(client, inst['uuid'], {'rebuild': {
            'imageRef': big['id'], 'name': 'renamed'}})
        assert resp.status_code == 400
        assert resp.data['badRequest']['message'].startswith(message)
    compute.no_cast()
    row = _get(admin, inst['uuid'])
    assert (row['image_ref'], row['display_name'], row['task_state']) == (
        cloud['image']['id'], 'vm', None)
    assert 'rebuild' not in _actions(admin, inst['uuid'])


def test_action_lost_race_writes_no_action_record(client, cloud, compute,
                                                  admin, monkeypatch):
    # The row changes between our read and our guarded write: 409, and
    # neither the task state nor an action record is written.
    inst = _server(admin, cloud)
    real_get = server_lookup.get_visible

    def stale_read(ctx, server_id):
        seen = real_get(ctx, server_id)
        instances.update(admin, server_id, {'task_state': 'pausing'})
        return seen
    monkeypatch.setattr(server_lookup, 'get_visible', stale_read)
    resp = _action(client, inst['uuid'], {'os-stop': None})
    assert resp.status_code == 409
    assert 'stop' not in _actions(admin, inst['uuid'])
    assert _get(admin, inst['uuid'])['task_state'] == 'pausing'
    compute.no_cast()


def test_rebuild_key_name_must_be_a_key_pair_of_the_caller(client, cloud,
                                                          compute, admin):
    inst = _server(admin, cloud, vm_state=states.STOPPED)
    body = {'rebuild': {'imageRef': cloud['image']['id'],
                        'key_name': 'nosuchkey'}}
    resp = _action(client, inst['uuid'], body, version='2.54')
    assert resp.status_code == 400
    assert resp.data['badRequest']['message'] == \
        'Invalid key_name provided.'
    assert _get(admin, inst['uuid'])['task_state'] is None   # nothing written
    key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAbPJ1l5n0iQbx0tLy0Q9mJk0Z6' \
          'o6o2o0pQkE6xN2Vh0 k1'
    assert client.post('/v2.1/os-keypairs', {'keypair': {
        'name': 'k1', 'public_key': key}}).status_code == 200
    body['rebuild']['key_name'] = 'k1'
    resp = _action(client, inst['uuid'], body, version='2.54')
    assert resp.status_code == 202, resp.body
    row = _get(admin, inst['uuid'])
    assert (row['key_name'], row['key_data']) == ('k1', key)
