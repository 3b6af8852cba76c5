"""Polling and inspection helpers for the functional tests."""

import json
import os
import subprocess
import sys
import time

from novalite.common import config
from novalite.common import context as nl_context
from novalite.common import exception
from novalite.compute import rpcapi as compute_rpcapi

POLL = 0.05
# Heartbeat settings of the functional test cloud (seconds).
REPORT_INTERVAL = 1
SERVICE_DOWN_TIME = 6


def _server(cloud, server_id):
    rsp = cloud.http('GET', '/servers/%s' % server_id)
    assert rsp.status_code == 200, rsp.text
    return rsp.json()['server']


def wait_status(cloud, server_id, status, timeout=60):
    """Until the server shows ``status`` with no task in progress."""
    deadline = time.time() + timeout
    server = None
    while time.time() < deadline:
        server = _server(cloud, server_id)
        if (server['status'] == status
                and server.get('OS-EXT-STS:task_state') is None):
            return server
        if server['status'] == 'ERROR' and status != 'ERROR':
            raise AssertionError('server went to ERROR: %s\n%s' % (
                server.get('fault'), cloud.local.logs()))
        time.sleep(POLL)
    raise AssertionError('server %s not %s after %ss: %s\n%s' % (
        server_id, status, timeout, server, cloud.local.logs()))


def wait_settled(cloud, server_id, timeout=60):
    """Wait until the server leaves BUILD; return it (ACTIVE or ERROR)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        server = _server(cloud, server_id)
        if server['status'] != 'BUILD':
            return server
        time.sleep(POLL)
    raise AssertionError('server %s still in BUILD after %ss\n%s' % (
        server_id, timeout, cloud.local.logs()))


def wait_gone(cloud, server_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cloud.http('GET', '/servers/%s' % server_id).status_code == 404:
            return
        time.sleep(POLL)
    raise AssertionError('server %s still there after %ss\n%s' % (
        server_id, timeout, cloud.local.logs()))


def diagnostics(cloud, server_id):
    rsp = cloud.http('GET', '/servers/%s/diagnostics' % server_id)
    assert rsp.status_code == 200, rsp.text
    return rsp.json()


def instance_record(cloud, server_id):
    (row,) = cloud.rows("SELECT id, uuid, host FROM instances "
                        "WHERE uuid = '%s'" % server_id)
    return {'id': row[0], 'uuid': row[1], 'host': row[2]}


def compute_api(cloud):
    """A compute RPC client on the cloud's broker vhost."""
    conf = config.parse_args(['--config-file', cloud.local.conf_file])
    return compute_rpcapi.ComputeAPI(conf)


def domain_exists(cloud, instance):
    """Ask the instance's compute agent, over RPC, whether its domain exists."""
    try:
        compute_api(cloud).get_diagnostics(nl_context.get_admin_context(),
                                           instance)
    except exception.InstanceNotFound:
        return False
    return True


def openstack_cli(cloud, tmp_path, *args, ok=True, output=True, timeout=180):
    """Run the `openstack` CLI against ``cloud`` through a clouds.yaml, as
    a user would. ``ok``: it must succeed, and its ``-f json`` output is
    returned parsed (the raw text when not ``output``); ``ok=None``: it
    must succeed and prints nothing asked for (deletes); ``ok=False``: it
    must fail, and its stdout and stderr are returned."""
    clouds = tmp_path / 'clouds.yaml'
    cloud.local.write_clouds_yaml(str(clouds), name='novalite')
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(clouds))
    cmd = [os.path.join(os.path.dirname(sys.executable), 'openstack'),
           '--os-cloud', 'novalite', *args]
    if ok and output:
        cmd += ['-f', 'json']
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=timeout)
    if ok is False:
        assert proc.returncode != 0, proc.stdout
        return proc.stdout + proc.stderr
    assert proc.returncode == 0, '%s\n%s' % (' '.join(args), proc.stderr)
    if not output:
        return proc.stdout
    return json.loads(proc.stdout) if ok and proc.stdout.strip() else None


def in_process_database(backend, db_servers, tmp_path):
    """A migrated database of ``backend`` on the test session's private
    server (a file for SQLite), configured as this process's database;
    a generator for a fixture: yields CONF, then drops it all."""
    from novalite.common.conf import CONF
    from novalite.common.db import migration
    from novalite.common.db import session
    from novalite.tools import localcloud
    server = db_servers(backend) if backend != 'sqlite' else None
    db = localcloud.Database(backend, str(tmp_path),
                             server_url=server.url if server else None)
    db.create()
    config.parse_args([], conf=CONF)
    CONF.set_override('connection', db.url, group='database')
    migration.db_sync(CONF)
    session.configure(CONF)
    yield CONF
    CONF.clear_override('connection', group='database')
    CONF.reset()
    session.get_engine().dispose()
    db.drop()
