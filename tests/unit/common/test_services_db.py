import datetime

from novalite.common.db import services


def test_heartbeat_creates_then_counts(db, admin_ctx):
    first = services.heartbeat(admin_ctx, 'h1', 'novalite-compute', 't')
    second = services.heartbeat(admin_ctx, 'h1', 'novalite-compute', 't')
    assert first['id'] == second['id']
    assert second['report_count'] == 2
    assert [s['host'] for s in services.get_all(admin_ctx)] == ['h1']


def test_service_down_after_down_time(db, admin_ctx):
    svc = services.heartbeat(admin_ctx, 'h1', 'novalite-compute')
    assert services.is_up(svc, 60)
    svc['last_seen_up'] = svc['last_seen_up'] - datetime.timedelta(seconds=61)
    assert not services.is_up(svc, 60)
    assert not services.is_up(dict(svc, forced_down=True), 600)
