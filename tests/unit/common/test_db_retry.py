"""How long the API retries: a lock (contention under load) is waited out
longer than a lost database (an outage, answered 503 quickly)."""

import time

from oslo_db import exception as db_exc
import pytest

from novalite.common.db import session


def _failing(exc, times):
    calls = []

    @session.retry
    def work():
        calls.append(time.monotonic())
        if len(calls) <= times:
            raise exc
        return 'done'
    return work, calls


def test_api_waits_out_a_lock_beyond_its_outage_window(monkeypatch):
    monkeypatch.setattr(session, 'API_LOCK_WINDOW', 1.0)
    locked = db_exc.DBError('(sqlite3.OperationalError) database is locked')
    work, calls = _failing(locked, times=8)
    with session.fail_fast(window=0.05):
        assert work() == 'done'
    assert calls[-1] - calls[0] > 0.05


def test_api_gives_up_on_a_lost_database_within_its_window(monkeypatch):
    monkeypatch.setattr(session, 'API_LOCK_WINDOW', 5.0)
    gone = db_exc.DBConnectionError('connection refused')
    work, calls = _failing(gone, times=100)
    started = time.monotonic()
    with session.fail_fast(window=0.3):
        with pytest.raises(db_exc.DBConnectionError):
            work()
    assert time.monotonic() - started < 2.0
