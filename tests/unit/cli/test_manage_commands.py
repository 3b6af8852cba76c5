"""novalite-manage's commands against a real SQLite database: tables and
JSON, exit codes 0 / 1 / 2, and status's checks."""

import io
import json
import socket

import pytest

from novalite.cli import manage
from novalite.cli import manage_status
from novalite.common import context as nl_context
from novalite.common.db import placement
from novalite.common.db import services as services_db


@pytest.fixture
def conf_file(tmp_path):
    # A port nothing listens on: RabbitMQ "down" unless a test says else.
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    path = tmp_path / 'novalite.conf'
    path.write_text(
        '[DEFAULT]\nstate_path = %s\nservice_down_time = 60\n'
        'transport_url = rabbit://guest:s3cret@127.0.0.1:%d/\n'
        '[database]\nconnection = sqlite:///%s\n' % (
            tmp_path, port, tmp_path / 'm.sqlite'))
    assert manage.main(['--config-file', str(path), 'bootstrap'],
                       out=io.StringIO()) == 0
    return str(path)


def run(conf_file, *args, code=0):
    out = io.StringIO()
    assert manage.main(['--config-file', conf_file, *args], out=out) == code
    return out.getvalue()


def as_json(conf_file, *args, code=0):
    return json.loads(run(conf_file, '--format', 'json', *args, code=code))


def test_flavor_create_list_delete(conf_file):
    table = run(conf_file, 'flavor', 'create', 'c1.big', '--ram', '2048',
                '--vcpus', '2', '--disk', '20', '--id', '77')
    assert '| 77 ' in table and 'c1.big' in table
    flavors = {f['flavorid']: f for f in as_json(conf_file, 'flavor', 'list')}
    assert flavors['77'] == {'flavorid': '77', 'name': 'c1.big',
                             'memory_mb': 2048, 'vcpus': 2, 'root_gb': 20,
                             'ephemeral_gb': 0, 'swap': 0, 'is_public': True}
    assert '1' in flavors  # m1.tiny from bootstrap
    run(conf_file, 'flavor', 'delete', '77')
    assert '77' not in {f['flavorid']
                        for f in as_json(conf_file, 'flavor', 'list')}
    # Not found: the operation failed.
    run(conf_file, 'flavor', 'delete', '77', code=1)


def test_usage_errors_exit_2(conf_file):
    run(conf_file, 'flavor', code=2)
    run(conf_file, 'flavor', 'create', 'x', code=2)  # --ram missing
    run(conf_file, 'nonsense', code=2)
    assert manage.main(['--format', 'xml', 'status']) == 2


def test_image_import_detects_the_format(conf_file, tmp_path):
    raw = tmp_path / 'disk.img'
    raw.write_bytes(b'\0' * 65536)
    (image,) = as_json(conf_file, 'image', 'import', str(raw), '--name',
                       'cirros')
    assert image['name'] == 'cirros' and image['status'] == 'active'
    assert image['disk_format'] == 'raw' and image['size'] == 65536
    with open(tmp_path / 'images' / image['id'], 'rb') as src:
        assert src.read() == raw.read_bytes()
    run(conf_file, 'image', 'import', str(tmp_path / 'missing'), code=1)


def test_network_create_and_list(conf_file):
    (net,) = as_json(conf_file, 'network', 'create', 'lab', '192.0.2.0/24')
    names = {n['name']: n for n in as_json(conf_file, 'network', 'list')}
    assert names['lab']['uuid'] == net['uuid']
    assert 'private' in names
    run(conf_file, 'network', 'create', 'bad', 'not-a-cidr', code=1)


def test_service_disable_enable_delete(conf_file):
    ctx = nl_context.get_admin_context()
    services_db.heartbeat(ctx, 'node1', 'novalite-compute')
    run(conf_file, 'service', 'disable', 'node1', 'novalite-compute',
        '--reason', 'maintenance')
    (svc,) = as_json(conf_file, 'service', 'list')
    assert (svc['status'], svc['state'], svc['disabled_reason']) == (
        'disabled', 'up', 'maintenance')
    run(conf_file, 'service', 'enable', 'node1', 'novalite-compute')
    assert as_json(conf_file, 'service', 'list')[0]['status'] == 'enabled'
    run(conf_file, 'service', 'delete', 'node1', 'novalite-compute')
    assert as_json(conf_file, 'service', 'list') == []
    run(conf_file, 'service', 'enable', 'node1', 'novalite-compute', code=1)


def _checks(conf_file, code):
    return {r['check']: r for r in as_json(conf_file, 'status', code=code)}


def test_status_fails_until_everything_is_up(conf_file, monkeypatch):
    checks = _checks(conf_file, 1)
    assert checks['Database schema']['result'] == 'Success'
    assert checks['Services up']['result'] == 'Failure'
    assert checks['Compute hosts reporting']['result'] == 'Failure'
    rabbit = checks['RabbitMQ reachable']
    assert rabbit['result'] == 'Failure'
    assert 's3cret' not in json.dumps(checks)

    ctx = nl_context.get_admin_context()
    for binary in ('novalite-conductor', 'novalite-scheduler',
                   'novalite-api', 'novalite-compute'):
        services_db.heartbeat(ctx, 'node1', binary)
    checks = _checks(conf_file, 1)
    assert checks['Services up']['result'] == 'Success'
    assert 'has not reported its resources' in (
        checks['Compute hosts reporting']['details'])

    placement.compute_node_upsert(ctx, 'node1', 'node1', {
        'vcpus': 4, 'memory_mb': 4096, 'local_gb': 40})
    reached = []
    monkeypatch.setattr(manage_status, 'broker_reachable', reached.append)
    checks = _checks(conf_file, 0)
    assert {c['result'] for c in checks.values()} == {'Success'}
    assert reached and reached[0].startswith('amqp://guest:s3cret@127.0.0.1')


def test_status_sees_a_stale_schema_and_a_dead_service(conf_file):
    from sqlalchemy import create_engine, text
    from novalite.common.conf import CONF
    ctx = nl_context.get_admin_context()
    services_db.heartbeat(ctx, 'node1', 'novalite-conductor')
    engine = create_engine(CONF.database.connection)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        conn.execute(text("UPDATE services SET last_seen_up = "
                          "'2000-01-01 00:00:00'"))
    engine.dispose()
    checks = _checks(conf_file, 1)
    assert 'run novalite-manage db sync' in checks['Database schema'][
        'details']
    assert 'novalite-conductor on node1' in checks['Services up']['details']


def test_table_output(conf_file):
    lines = run(conf_file, 'status', code=1).splitlines()
    assert lines[0].startswith('+--') and lines[0] == lines[2] == lines[-1]
    assert [c.strip() for c in lines[1].split('|')[1:-1]] == [
        'check', 'result', 'details']
    assert len(lines) == 4 + len(manage_status.CHECKS)
