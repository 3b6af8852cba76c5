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


def test_heartbeats_of_many_hosts_in_one_write(db, admin_ctx, monkeypatch):
    import pytest
    from novalite.common import exception
    monkeypatch.setattr(services, 'BEAT_BATCH', 2)   # several UPDATEs
    services.heartbeat(admin_ctx, 'h1', 'novalite-compute', 't')
    old = services.get_all(admin_ctx)[0]['last_seen_up']
    beats = [['h%d' % i, 'novalite-compute', 't'] for i in range(1, 6)]
    assert services.heartbeat_many(admin_ctx, beats) == 5
    assert services.heartbeat_many(admin_ctx, beats[:3]) == 3
    rows = {s['host']: s for s in services.get_all(admin_ctx)}
    assert {h: r['report_count'] for h, r in rows.items()} == {
        'h1': 3, 'h2': 2, 'h3': 2, 'h4': 1, 'h5': 1}
    assert rows['h1']['last_seen_up'] > old
    assert all(services.is_up(r, 60) for r in rows.values())
    # It comes over RPC: anything but [host, binary, topic] strings is 400.
    for bad in ('h1', [['h1', 'b']], [['h1', 'b', 3]], [['', 'b', 't']],
                [['x' * 256, 'b', 't']], {'h1': 'b'}):
        with pytest.raises(exception.Invalid):
            services.heartbeat_many(admin_ctx, bad)
