"""The enginefacade transaction context shared by every data module.

Data functions take a request context first and wrap their work in
``reader.using(ctx)`` / ``writer.using(ctx)``. ``retry`` re-runs a whole
transaction on a deadlock, on SQLite's "database is locked" (several
processes write one SQLite file) and on a lost or refused database
connection (a server restart or failover), for at most the process's retry
window: 20 s in the services (a database outage that short loses no write),
``API_RETRY_WINDOW`` in the API (``fail_fast()``: the client gets a 503 at
once rather than a hung request). A transaction that failed was rolled
back, so re-running it whole never half-applies a write.
"""

import contextlib
import contextvars
import functools
import threading
import time

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_log import log as logging
import sqlalchemy
from sqlalchemy import exc as sa_exc

LOG = logging.getLogger(__name__)
_LOCK = threading.Lock()
_FACADE = {'ctx': None, 'url': None}
# How long a transaction is retried on a lock or a lost connection (s).
SERVICE_RETRY_WINDOW = 20.0
API_RETRY_WINDOW = 3.0
# A lock is contention, not an outage: under load (many writers on one
# SQLite file) the API waits for it longer before answering 503.
API_LOCK_WINDOW = 12.0
# A SQLite writer waits this long for another process's write lock before
# "database is locked" (then ``retry`` tries again within its window).
SQLITE_BUSY_TIMEOUT_MS = 2000
# Connections kept open per SQLite engine (the API serves 64 threads).
SQLITE_POOL_SIZE = 32
_WINDOW = contextvars.ContextVar('novalite_db_retry_window', default=None)
_RETRY = {'window': SERVICE_RETRY_WINDOW, 'interval': 0.5,
          'max_interval': 2.0, 'max_retries': 20}


def configure(conf):
    """Point the facade at ``[database] connection`` (once per process)."""
    with _LOCK:
        url = conf.database.connection
        if _FACADE['url'] == url:
            return
        db = conf.database
        ctx = enginefacade.transaction_context()
        # oslo.db's own options: the start-up connection attempts
        # (max_retries, -1 = forever, every retry_interval s), stale
        # connections recycled after connection_recycle_time; oslo.db pings
        # every connection on checkout (pool_pre_ping), so one that died
        # with a server restart is replaced, not handed out.
        sqlite_file = url.startswith('sqlite') and ':memory:' not in url
        if sqlite_file:
            # Reads on their own engine (same file): writers open their
            # transactions with BEGIN IMMEDIATE (_tune_sqlite), readers
            # must not take the write lock.
            ctx.configure(slave_connection=url, synchronous_reader=False)
        # thread_checkin: oslo.db's sleep(0) on every connection check-in
        # is for eventlet's green threads; with native threads it only
        # churns the GIL.
        ctx.configure(connection=url, sqlite_fk=True, thread_checkin=False,
                      max_pool_size=db.max_pool_size,
                      max_overflow=db.max_overflow,
                      pool_timeout=db.pool_timeout,
                      max_retries=db.max_retries,
                      retry_interval=db.retry_interval,
                      connection_recycle_time=db.connection_recycle_time)
        # Connection errors in a running process: db_max_retries attempts,
        # waits from db_retry_interval growing to db_max_retry_interval
        # (capped here: the retry window bounds the total anyway).
        _RETRY.update(interval=min(float(db.db_retry_interval), 0.5),
                      max_interval=min(float(db.db_max_retry_interval), 2.0),
                      max_retries=max(int(db.db_max_retries), 1))
        if sqlite_file:
            _tune_sqlite(ctx.writer.get_engine(), conf.database.max_pool_size,
                         immediate=True)
            _tune_sqlite(ctx.reader.get_engine(), conf.database.max_pool_size)
        _FACADE.update(ctx=ctx, url=url)


def _tune_sqlite(engine, pool_size, immediate=False):
    # WAL lets readers run beside one writer; busy_timeout makes writers
    # queue instead of failing at once when another process holds the lock.
    @sqlalchemy.event.listens_for(engine, 'connect')
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute('PRAGMA journal_mode=WAL')
        cur.execute('PRAGMA busy_timeout=%d' % SQLITE_BUSY_TIMEOUT_MS)
        cur.execute('PRAGMA synchronous=NORMAL')
        cur.close()

    if immediate:
        # oslo.db begins every transaction with its own deferred BEGIN (a
        # 'begin' listener): a transaction that read first and writes later
        # cannot wait for the lock (SQLite answers "database is locked" at
        # once when another connection wrote after its snapshot), so
        # concurrent writers failed instead of queueing. BEGIN IMMEDIATE
        # takes the write lock up front, where busy_timeout applies.
        @sqlalchemy.event.listens_for(engine, 'before_cursor_execute',
                                      retval=True)
        def _immediate(_conn, _cursor, statement, parameters, _context,
                       _executemany):
            if statement == 'BEGIN':
                statement = 'BEGIN IMMEDIATE'
            return statement, parameters

    # oslo.db gives SQLite files a NullPool: a new connection per
    # transaction, and when a process closes the last one SQLite checkpoints
    # and fsyncs the WAL. Reusing connections cuts a DB round trip from
    # ~5 ms to ~1 ms. (check_same_thread is already off for file DBs.)
    # _dispatch carries over the connect listeners (oslo.db's and ours).
    # Sized for the API's threads: a connection opened past the pool is
    # closed on return, and opening one runs the PRAGMAs above. No
    # pre-ping: a file does not drop connections the way a server does.
    old = engine.pool
    engine.pool = sqlalchemy.pool.QueuePool(
        old._creator, pool_size=max(pool_size or 5, SQLITE_POOL_SIZE),
        max_overflow=SQLITE_POOL_SIZE, recycle=old._recycle, echo=old.echo,
        logging_name=old._orig_logging_name,
        reset_on_return=old._reset_on_return, _dispatch=old.dispatch,
        dialect=old._dialect, pre_ping=False)
    old.dispose()


def _context():
    if _FACADE['ctx'] is None:
        raise RuntimeError('database not configured: call '
                           'novalite.common.db.session.configure(conf)')
    return _FACADE['ctx']


def reader(context):
    return _context().reader.using(context)


def writer(context):
    return _context().writer.using(context)


def get_engine():
    return _context().writer.get_engine()


def raw_reader_connection():
    """A DB-API connection of the reader engine, for a caller that keeps
    it (and closes it): one hot query without a session per call."""
    return _context().reader.get_engine().raw_connection()


def paramstyle_mark():
    """The DB-API placeholder of the configured driver: sqlite3 takes
    ``?``, PyMySQL and psycopg2 ``%s``."""
    style = _context().reader.get_engine().dialect.paramstyle
    return '?' if style == 'qmark' else '%s'


def _is_lock_error(exc):
    if isinstance(exc, db_exc.DBDeadlock):
        return True
    text = str(exc).lower()
    return isinstance(exc, (db_exc.DBError, sa_exc.OperationalError)) and (
        'database is locked' in text or 'database is busy' in text
        or 'deadlock' in text)


# What a lost, refused or not yet open connection says (PyMySQL, psycopg2,
# sqlite3), for errors oslo.db did not already class as DBConnectionError.
_UNAVAILABLE_TEXT = (
    "can't connect", 'lost connection', 'server has gone away',
    'connection refused', 'could not connect', 'server closed the connection',
    'terminating connection', 'connection already closed',
    'the database system is', 'connection reset', 'unable to open database',
    'broken pipe', 'connection timed out', 'no route to host')


def is_unavailable(exc):
    """The database is down, unreachable or locked (not a bad query): the
    API answers 503, a service tries again later."""
    if isinstance(exc, (db_exc.DBConnectionError, db_exc.DBDeadlock)):
        return True
    if not isinstance(exc, (db_exc.DBError, sa_exc.OperationalError,
                            sa_exc.InterfaceError)):
        return False
    text = str(exc).lower()
    return _is_lock_error(exc) or any(t in text for t in _UNAVAILABLE_TEXT)


@contextlib.contextmanager
def fail_fast(window=None):
    """Within the block, retry a transaction for ``window`` seconds at most
    (the API: a client waits for an answer, a 503 beats a hung request)."""
    token = _WINDOW.set(API_RETRY_WINDOW if window is None else window)
    try:
        yield
    finally:
        _WINDOW.reset(token)


def retry(func):
    """Retry a transaction-level function on deadlock / SQLite lock / lost
    connection, bounded in attempts and by the retry window."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        window = _WINDOW.get()
        started = time.monotonic()
        deadline = started + (_RETRY['window'] if window is None else window)
        lock_deadline = (deadline if window is None
                         else started + max(window, API_LOCK_WINDOW))
        lock_delay = 0.005
        conn_delay = _RETRY['interval']
        conn_failures = 0
        for attempt in range(1000):
            try:
                return func(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 -- filtered below
                lock = _is_lock_error(exc)
                if lock:
                    delay = lock_delay
                    lock_delay = min(lock_delay * 2, 0.2)
                elif is_unavailable(exc):
                    conn_failures += 1
                    if conn_failures >= _RETRY['max_retries']:
                        raise
                    delay = conn_delay
                    conn_delay = min(conn_delay * 2, _RETRY['max_interval'])
                else:
                    raise
                remaining = (lock_deadline if lock else deadline
                             ) - time.monotonic()
                if remaining <= 0 or attempt == 999:
                    raise
                if attempt == 0 or conn_failures == 1:
                    LOG.warning('database unavailable, retrying %s for up '
                                'to %.0f s: %s', func.__name__, remaining,
                                type(exc).__name__)
                time.sleep(min(delay, remaining))
    return wrapper


def retry_on_duplicate(func):
    """Run a get-or-create transaction once more when two first writers
    raced on a unique key: the row exists by then, so the retry updates it."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except db_exc.DBDuplicateEntry:
            return func(*args, **kwargs)
    return wrapper


# Re-exported so data modules need one import.
DBDuplicateEntry = db_exc.DBDuplicateEntry
wrap_db_retry = oslo_db_api.wrap_db_retry
