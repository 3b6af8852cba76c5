"""No secret in any log at any level: a cloud with ``debug = True``, a
RabbitMQ user and a MariaDB user with known passwords in its configuration,
boots a server with a known adminPass and user_data under a known token,
rebuilds it with another adminPass, deletes it; then no service log holds
any of them (plain, or user_data base64-encoded)."""

import base64
import os
import subprocess
import uuid

import pytest
import sqlalchemy

from novalite.common import rpc
from novalite.tests.functional import conftest as fconf
from novalite.tests.functional import helpers
from novalite.tools import localcloud

TAG = uuid.uuid4().hex[:10]
SECRETS = {
    'rabbit password': 'rabbitpw-' + TAG,
    'database password': 'dbpw-' + TAG,
    'adminPass': 'adminpass-' + TAG,
    'rebuild adminPass': 'rebuildpass-' + TAG,
    'user_data': 'userdata-secret-' + TAG,
    'token': 'tokuser%s:tokproj%s' % (TAG, TAG),
}
SECRETS['user_data base64'] = base64.b64encode(
    ('#!/bin/sh\necho %s\n' % SECRETS['user_data']).encode()).decode()


def _ctl(*args):
    proc = subprocess.run(['rabbitmqctl', *args], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)


@pytest.fixture(scope='module')
def secret_cloud(tmp_path_factory, db_servers):
    state = str(tmp_path_factory.mktemp('secrets'))
    server = db_servers('mysql')
    db_name = 'novalite_sec_%s' % TAG
    db_user = 'nlsec%s' % TAG[:6]
    admin = sqlalchemy.create_engine(server.admin_url,
                                     isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        conn.exec_driver_sql('CREATE DATABASE %s' % db_name)
        conn.exec_driver_sql("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY "
                             "'%s'" % (db_user,
                                       SECRETS['database password']))
        conn.exec_driver_sql("GRANT ALL ON %s.* TO '%s'@'127.0.0.1'" % (
            db_name, db_user))
    db_url = 'mysql+pymysql://%s:%s@127.0.0.1:%d/%s' % (
        db_user, SECRETS['database password'], server.port, db_name)
    vhost = 'novalite-test-secrets-%s' % TAG
    rabbit_user = 'nlsec-%s' % TAG
    transport_url = 'rabbit://%s:%s@127.0.0.1:5672/%s' % (
        rabbit_user, SECRETS['rabbit password'], vhost)
    local = localcloud.LocalCloud(
        state, db_url, compute_hosts=('compute1',), vhost=vhost,
        extra_conf={'DEFAULT': {
            'debug': 'True', 'transport_url': transport_url,
            'instance_name_template': vhost + '-%08x',
            'report_interval': helpers.REPORT_INTERVAL,
            'service_down_time': helpers.SERVICE_DOWN_TIME}})
    local.write_config()
    local.ensure_vhost()
    try:
        _ctl('add_user', rabbit_user, SECRETS['rabbit password'])
        _ctl('set_permissions', '-p', vhost, rabbit_user, '.*', '.*', '.*')
        local.manage('bootstrap')
        local.start()
        local.wait_ready(timeout=90)
        cloud = fconf.Cloud(local, 'mysql')
        fconf._seed(cloud, state)
        yield cloud
        cloud.engine.dispose()
    finally:
        local.stop()
        rpc.cleanup()
        local.delete_vhost()
        subprocess.run(['rabbitmqctl', 'delete_user', rabbit_user],
                       capture_output=True, timeout=60)
        with admin.connect() as conn:
            conn.exec_driver_sql('DROP DATABASE IF EXISTS %s' % db_name)
            conn.exec_driver_sql("DROP USER IF EXISTS '%s'@'127.0.0.1'"
                                 % db_user)
        admin.dispose()


def test_no_secret_in_any_log(secret_cloud):
    cloud = secret_cloud
    token = SECRETS['token']
    rsp = cloud.http('POST', '/servers', token=token, json={'server': {
        'name': 'secret-boot', 'imageRef': cloud.image_id,
        'flavorRef': '42', 'networks': [{'uuid': cloud.network_id}],
        'adminPass': SECRETS['adminPass'],
        'user_data': SECRETS['user_data base64']}})
    assert rsp.status_code == 202, rsp.text
    server_id = rsp.json()['server']['id']
    assert rsp.json()['server']['adminPass'] == SECRETS['adminPass']
    helpers.wait_status(cloud, server_id, 'ACTIVE')
    rsp = cloud.http('POST', '/servers/%s/action' % server_id, token=token,
                     json={'rebuild': {
                         'imageRef': cloud.image_id,
                         'adminPass': SECRETS['rebuild adminPass']}})
    assert rsp.status_code == 202, rsp.text
    helpers.wait_status(cloud, server_id, 'ACTIVE')
    # A bad request that echoes nothing secret back either.
    rsp = cloud.http('POST', '/servers', token=token, json={'server': {
        'name': 'secret-bad', 'flavorRef': 'nope',
        'adminPass': SECRETS['adminPass']}})
    assert 400 <= rsp.status_code < 500
    assert SECRETS['adminPass'] not in rsp.text
    assert cloud.http('DELETE', '/servers/%s' % server_id,
                      token=token).status_code == 204
    helpers.wait_gone(cloud, server_id)

    logs = {}
    for name in sorted(os.listdir(cloud.local.log_dir)):
        with open(os.path.join(cloud.local.log_dir, name),
                  errors='replace') as src:
            logs[name] = src.read()
    # The test means something only if DEBUG lines were written, RPC
    # payloads among them.
    assert all(' DEBUG ' in text for text in logs.values()), sorted(logs)
    leaks = []
    for name, text in logs.items():
        for what, secret in SECRETS.items():
            for lineno, line in enumerate(text.splitlines(), 1):
                if secret in line:
                    leaks.append('%s (%s:%d): %s' % (what, name, lineno,
                                                     line[:300]))
    assert not leaks, '%d leaks:\n%s' % (len(leaks), '\n'.join(leaks[:30]))
