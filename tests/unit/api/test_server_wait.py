"""GET /servers/{id}?wait_for=...: novalite's long poll answers when the
server reaches the status (or ERROR, or is gone), or after the limit, and
never waits for a server the caller may not see."""

import threading
import time

import pytest

from novalite.api import server_wait
from novalite.common.db import instances as instances_db
from novalite.common import states
from novalite.tests.unit.api import test_servers

conductor = test_servers.conductor


@pytest.fixture
def server(client, cloud, conductor):
    return client.post('/v2.1/servers', test_servers._body(cloud)
                       ).data['server']['id']


def _later(delay, fn):
    timer = threading.Timer(delay, fn)
    timer.start()
    return timer


def test_answers_when_the_server_becomes_active(client, server, admin, db):
    db.set_override('wait_max_seconds', 10, group='api')
    _later(0.3, lambda: instances_db.update(admin, server, {
        'vm_state': states.ACTIVE, 'task_state': None}))
    began = time.monotonic()
    rsp = client.get('/v2.1/servers/%s?wait_for=ACTIVE' % server)
    took = time.monotonic() - began
    assert rsp.status_code == 200
    assert rsp.data['server']['status'] == 'ACTIVE'
    assert 0.25 < took < 5


def test_error_ends_the_wait(client, server, admin, db):
    db.set_override('wait_max_seconds', 10, group='api')
    _later(0.2, lambda: instances_db.update(admin, server, {
        'vm_state': states.ERROR, 'task_state': None}))
    rsp = client.get('/v2.1/servers/%s?wait_for=ACTIVE' % server)
    assert rsp.data['server']['status'] == 'ERROR'


def test_a_deleted_server_is_a_404_at_the_end_of_the_wait(
        client, server, admin, db):
    db.set_override('wait_max_seconds', 10, group='api')
    _later(0.2, lambda: instances_db.destroy(admin, server))
    rsp = client.get('/v2.1/servers/%s?wait_for=ACTIVE' % server)
    assert rsp.status_code == 404


def test_wait_for_deleted_holds_through_the_delete_until_gone(
        client, server, admin, db):
    db.set_override('wait_max_seconds', 10, group='api')
    instances_db.update(admin, server, {'vm_state': states.ACTIVE,
                                        'task_state': 'deleting'})
    _later(0.3, lambda: instances_db.destroy(admin, server))
    began = time.monotonic()
    rsp = client.get('/v2.1/servers/%s?wait_for=DELETED' % server)
    assert rsp.status_code == 404
    assert time.monotonic() - began > 0.25


def test_the_limit_answers_with_the_status_of_the_moment(
        client, server, db):
    db.set_override('wait_max_seconds', 1, group='api')
    began = time.monotonic()
    rsp = client.get('/v2.1/servers/%s?wait_for=ACTIVE' % server)
    assert rsp.data['server']['status'] == 'BUILD'
    assert 0.9 < time.monotonic() - began < 5


def test_too_many_waiters_answer_at_once(client, server, db):
    db.set_override('wait_max_seconds', 10, group='api')
    db.set_override('wait_max_waiters', 0, group='api')
    began = time.monotonic()
    rsp = client.get('/v2.1/servers/%s?wait_for=ACTIVE' % server)
    assert rsp.data['server']['status'] == 'BUILD'
    assert time.monotonic() - began < 1


def test_another_projects_server_is_404_without_waiting(client, server, db):
    db.set_override('wait_max_seconds', 10, group='api')
    began = time.monotonic()
    rsp = client.get('/v2.1/servers/%s?wait_for=ACTIVE' % server,
                     token='bob:p2')
    assert rsp.status_code == 404
    assert time.monotonic() - began < 1


@pytest.mark.parametrize('value', ['', 'BUILD', 'ACTIVE,NOPE', 'x' * 200,
                                   'ACTIVE%3BDROP', ','])
def test_bad_wait_for_is_a_400(client, server, value):
    rsp = client.get('/v2.1/servers/%s?wait_for=%s' % (server, value))
    assert rsp.status_code == 400
    assert 'Invalid wait_for value' in rsp.data['badRequest']['message']


def test_other_query_parameters_are_ignored_as_nova_does(client, server):
    rsp = client.get('/v2.1/servers/%s?foo=bar' % server)
    assert rsp.status_code == 200


def test_settled():
    assert server_wait.settled(None, {'ACTIVE'})
    assert server_wait.settled(('active', None), {'ACTIVE'})
    assert not server_wait.settled(('active', 'rebooting'), {'ACTIVE'})
    assert server_wait.settled(('error', None), {'ACTIVE'})
    assert not server_wait.settled(('building', 'spawning'), {'ACTIVE'})
    assert server_wait.settled(('stopped', None), {'ACTIVE', 'SHUTOFF'})
    assert not server_wait.settled(('active', None), {'DELETED'})
    assert not server_wait.settled(('active', 'deleting'), {'DELETED'})
    assert server_wait.settled(('error', None), {'DELETED'})
    assert server_wait.settled(None, {'DELETED'})
