"""Unit test fixtures: the global CONF parsed per test, a fresh SQLite database
per test (real SQL through the same migrations), the fake:// RPC transport."""

import pytest

from novalite.common import config
from novalite.common import context as nl_context
from novalite.common.conf import CONF
from novalite.common.db import migration

@pytest.fixture
def conf(tmp_path):
    # Every test: CONF.reset() below drops the parsed command line, and
    # oslo.policy looks its policy file up through it (find_file).
    config.parse_args([], conf=CONF)
    CONF.set_override('state_path', str(tmp_path))
    CONF.set_override('transport_url', 'fake:/')
    CONF.set_override('host', 'unit-host')
    yield CONF
    CONF.clear_override('state_path')
    CONF.clear_override('transport_url')
    CONF.clear_override('host')
    CONF.reset()


@pytest.fixture
def db(conf, tmp_path):
    """A migrated SQLite database in tmp_path, configured process-wide."""
    conf.set_override('connection',
                      'sqlite:///' + str(tmp_path / 'unit.sqlite'),
                      group='database')
    migration.db_sync(conf)
    yield conf
    conf.clear_override('connection', group='database')


@pytest.fixture
def ctx():
    return nl_context.RequestContext(user_id='alice', project_id='p1',
                                     roles=['member'])


@pytest.fixture
def admin_ctx():
    return nl_context.get_admin_context()
