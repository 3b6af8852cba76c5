"""The API's status watcher reads server states on a DB-API connection it
keeps (instances.StateReader): on every backend each poll must see what
committed since the last one -- on MariaDB (REPEATABLE READ) and
PostgreSQL a kept connection would otherwise hold its first snapshot and
a waiting client would never hear that its server became ACTIVE."""

import pytest

from novalite.common import context as nl_context
from novalite.common.db import instances
from novalite.common.db import models
from novalite.common.db import session
from novalite.tests.functional import helpers

UUIDS = ['6f1a8e0c-2b3d-4e5f-8a9b-0c1d2e3f4a5%d' % i for i in range(3)]


@pytest.fixture(params=['sqlite', 'mysql', 'postgresql'])
def database(request, db_servers, tmp_path):
    yield from helpers.in_process_database(request.param, db_servers,
                                           tmp_path)


def _add(ctx, uuid, task_state):
    with session.writer(ctx) as s:
        s.add(models.Instance(uuid=uuid, project_id='p', user_id='u',
                              vm_state='building', task_state=task_state,
                              power_state=0, flavor={}))


def test_each_poll_sees_what_committed_since_the_last(database):
    ctx = nl_context.get_admin_context()
    _add(ctx, UUIDS[0], 'spawning')
    _add(ctx, UUIDS[1], 'spawning')
    reader = instances.StateReader()
    try:
        assert reader.states(UUIDS) == {
            UUIDS[0]: ('building', 'spawning'),
            UUIDS[1]: ('building', 'spawning')}
        instances.update(ctx, UUIDS[0], {'vm_state': 'active',
                                         'task_state': None})
        instances.destroy(ctx, UUIDS[1])
        _add(ctx, UUIDS[2], None)
        # The changed row, the deleted one gone, the new one there.
        assert reader.states(UUIDS) == {
            UUIDS[0]: ('active', None), UUIDS[2]: ('building', None)}
        assert reader.states([]) == {}
    finally:
        reader.close()


def test_a_lost_connection_is_replaced(database):
    ctx = nl_context.get_admin_context()
    _add(ctx, UUIDS[0], None)
    reader = instances.StateReader()
    try:
        reader.states(UUIDS)
        reader._conn.invalidate()      # as a server restart would leave it
        with pytest.raises(Exception):
            reader.states(UUIDS)
        assert reader.states(UUIDS) == {UUIDS[0]: ('building', None)}
    finally:
        reader.close()
