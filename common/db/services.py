"""The ``services`` table: one row per (host, binary), kept fresh by the
heartbeat; a service whose last beat is older than service_down_time is down."""

import datetime
import uuid

from sqlalchemy import delete, func, or_, select, true
from sqlalchemy import update as sql_update

from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


@session.retry
@session.retry_on_duplicate
def heartbeat(ctx, host, binary, topic=None):
    """Create the row if missing, bump report_count, set last_seen_up.
    One UPDATE holds the write lock (every service beats every few
    seconds); the row is read after it."""
    svc = models.Service
    with session.writer(ctx) as s:
        bumped = s.execute(sql_update(svc).where(
            svc.host == host, svc.binary == binary).values(
            report_count=svc.report_count + 1, last_seen_up=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        if not bumped:
            s.add(svc(uuid=str(uuid.uuid4()), host=host, binary=binary,
                      topic=topic, report_count=1, last_seen_up=utcnow()))
    with session.reader(ctx) as s:
        return s.execute(select(svc).filter_by(
            host=host, binary=binary)).scalar_one().as_dict()


# Hosts per UPDATE of a batched heartbeat (bound parameters per statement).
BEAT_BATCH = 500
MAX_BEATS = 100000


@session.retry
@session.retry_on_duplicate
def heartbeat_many(ctx, services):
    """``heartbeat`` of each ``[host, binary, topic]`` in one transaction:
    an UPDATE per binary and batch of hosts, a row made for each host that
    had none. Returns how many services beat.

    :raises: Invalid for anything but a list of such triples of strings
        (it comes over RPC).
    """
    if (not isinstance(services, (list, tuple)) or len(services) > MAX_BEATS
            or not all(isinstance(x, (list, tuple)) and len(x) == 3
                       and all(isinstance(v, str) and 0 < len(v) <= 255
                               for v in x) for x in services)):
        raise exception.Invalid(reason='services must be a list of '
                                '[host, binary, topic] strings')
    by_binary = {}
    for host, binary, topic in services:
        by_binary.setdefault(binary, {})[host] = topic
    svc = models.Service
    now = utcnow()
    with session.writer(ctx) as s:
        for binary, topics in by_binary.items():
            hosts = sorted(topics)
            bumped = 0
            for start in range(0, len(hosts), BEAT_BATCH):
                bumped += s.execute(sql_update(svc).where(
                    svc.binary == binary,
                    svc.host.in_(hosts[start:start + BEAT_BATCH])).values(
                    report_count=svc.report_count + 1, last_seen_up=now)
                    .execution_options(synchronize_session=False)).rowcount
            if bumped < len(hosts):     # first beats: make their rows
                have = set(s.execute(select(svc.host).where(
                    svc.binary == binary)).scalars())
                for host in hosts:
                    if host not in have:
                        s.add(svc(uuid=str(uuid.uuid4()), host=host,
                                  binary=binary, topic=topics[host],
                                  report_count=1, last_seen_up=now))
    return sum(len(t) for t in by_binary.values())


@session.retry
def get_all(ctx, binary=None):
    with session.reader(ctx) as s:
        query = select(models.Service)
        if binary:
            query = query.filter_by(binary=binary)
        return [row.as_dict() for row in s.execute(query).scalars()]


@session.retry
def admin_flags(ctx, binary):
    """``{host: (disabled, disabled_reason, forced_down)}`` of the
    ``binary`` services an admin disabled or forced down; the others are
    left out. Plain columns, no ORM rows: the scheduler asks this on every
    request, so an admin's change applies to the next boot."""
    svc = models.Service
    with session.reader(ctx) as s:
        rows = s.execute(select(svc.host, svc.disabled, svc.disabled_reason,
                                svc.forced_down).where(
            svc.binary == binary,
            or_(svc.disabled == true(), svc.forced_down == true())))
        return {r[0]: (bool(r[1]), r[2], bool(r[3])) for r in rows}


def last_seen(service):
    """The last heartbeat of ``service`` (a dict) as a naive UTC datetime,
    None if it never beat."""
    last = service.get('last_seen_up') or service.get('updated_at')
    if isinstance(last, str):
        last = datetime.datetime.fromisoformat(last)
    return last


def is_up(service, service_down_time):
    """True when ``service`` (a dict) beat within ``service_down_time`` s."""
    if service.get('forced_down'):
        return False
    last = last_seen(service)
    if last is None:
        return False
    return (utcnow() - last).total_seconds() <= service_down_time


def get(ctx, service_id):
    """One service dict by its integer id or its uuid.

    :raises: NotFound ("Service <id> could not be found.")
    """
    with session.reader(ctx) as s:
        query = select(models.Service)
        if isinstance(service_id, int):
            query = query.filter_by(id=service_id)
        else:
            query = query.filter_by(uuid=service_id)
        row = s.execute(query).scalar_one_or_none()
        if row is None:
            raise exception.NotFound(
                message='Service %s could not be found.' % service_id)
        return row.as_dict()


def get_by_host_binary(ctx, host, binary):
    """The service dict of ``binary`` on ``host``, or None."""
    with session.reader(ctx) as s:
        row = s.execute(select(models.Service).filter_by(
            host=host, binary=binary)).scalar_one_or_none()
        return row.as_dict() if row is not None else None


@session.retry
def update(ctx, service_id, values):
    """Set ``values`` (disabled, disabled_reason, forced_down) on the
    service with this integer id; returns the service dict.

    :raises: NotFound
    """
    with session.writer(ctx) as s:
        row = s.execute(select(models.Service).filter_by(
            id=service_id)).scalar_one_or_none()
        if row is None:
            raise exception.NotFound(
                message='Service %s could not be found.' % service_id)
        for key, value in values.items():
            setattr(row, key, value)
        s.flush()
        return row.as_dict()


@session.retry
def destroy(ctx, service_id, compute_binary=None):
    """Delete the service; for ``compute_binary`` also its host's compute
    nodes and aggregate memberships, refusing (Conflict) while a live instance is on that host.

    :raises: NotFound, Conflict
    """
    with session.writer(ctx) as s:
        row = s.execute(select(models.Service).filter_by(
            id=service_id)).scalar_one_or_none()
        if row is None:
            raise exception.NotFound(
                message='Service %s could not be found.' % service_id)
        if row.binary == compute_binary:
            hosting = s.execute(select(func.count()).select_from(
                models.Instance).where(models.Instance.host == row.host,
                                       models.Instance.deleted == 0)
            ).scalar()
            if hosting:
                raise exception.Conflict(
                    message='Unable to delete compute service that is '
                            'hosting instances. Migrate or delete the '
                            'instances first.')
            nodes = [n.id for n in s.execute(select(
                models.ComputeNode).filter_by(host=row.host)).scalars()]
            # Nova removes the host from its aggregates with the service.
            s.execute(delete(models.AggregateHost).filter_by(host=row.host))
            if nodes:
                s.execute(delete(models.Allocation).where(
                    models.Allocation.compute_node_id.in_(nodes)))
                s.execute(delete(models.ComputeNode).where(
                    models.ComputeNode.id.in_(nodes)))
        s.delete(row)
