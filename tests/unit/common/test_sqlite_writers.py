"""Writers on one SQLite file queue for its lock instead of failing: the
read-then-write transactions every data module runs (a compare-and-swap
reads the row, then updates it) must wait for each other, not answer
"database is locked" (which the API turned into 503s under load)."""

import threading

from sqlalchemy import select, update

from novalite.common.db import flavors
from novalite.common.db import models
from novalite.common.db import session


def test_read_then_write_transactions_wait_for_each_other(db, admin_ctx):
    flavors.create(admin_ctx, {'name': 'f', 'flavorid': 'f1', 'vcpus': 1,
                               'memory_mb': 64, 'root_gb': 1})
    errors, barrier = [], threading.Barrier(4)

    def bump():
        barrier.wait()
        for _ in range(15):
            try:
                # No session.retry here: the first error would be hidden.
                with session.writer(admin_ctx) as s:
                    row = s.execute(select(models.Flavor).filter_by(
                        flavorid='f1')).scalar_one()
                    seen = row.vcpus
                    s.execute(update(models.Flavor).filter_by(
                        flavorid='f1').values(vcpus=seen + 1))
            except Exception as exc:  # noqa: BLE001 -- what we count
                errors.append(exc)
    workers = [threading.Thread(target=bump) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    # And none lost an update: each read saw the one before it.
    assert flavors.get_by_flavorid(admin_ctx, 'f1')['vcpus'] == 1 + 60


def test_reads_do_not_take_the_write_lock(db, admin_ctx):
    """A reader runs while a writer holds the lock (WAL, own engine)."""
    with session.writer(admin_ctx) as s:
        s.execute(select(models.Flavor)).all()
        done = []
        reader = threading.Thread(target=lambda: done.append(
            flavors.get_all(admin_ctx)))
        reader.start()
        reader.join(timeout=5)
        assert done, 'a read waited for the open write transaction'
