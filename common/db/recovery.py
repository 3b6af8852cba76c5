"""Guarded writes on instances for build recovery, and the reads that find
unfinished work.

Every recovery step starts with a compare-and-swap: one ``UPDATE instances
... WHERE uuid = :u AND <the state the caller read>`` whose row count says
whether this process won. Two conductors (or a conductor and a compute
agent) acting on the same instance therefore never both act: the loser's
UPDATE matches no row. A plain SELECT-then-write inside a transaction is
not enough on MariaDB/PostgreSQL, where two transactions may both read the
old state and both write.

Ownership of a building instance follows its row: ``host`` NULL and
task_state ``scheduling`` belongs to a conductor for ``grace`` seconds after
``updated_at`` (its lease, renewed by the claim); ``host`` set belongs to
that host's compute agent.
"""

import datetime

from sqlalchemy import and_, insert, or_, select, update

from novalite.common.db import instances as instances_db
from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception
from novalite.common import states

_UNSET = object()


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _condition(column, expected):
    """``column`` equals ``expected``, or is one of a list (None allowed)."""
    values = (list(expected) if isinstance(expected, (list, tuple, set))
              else [expected])
    conds = []
    non_null = [v for v in values if v is not None]
    if non_null:
        conds.append(column.in_(non_null))
    if len(non_null) != len(values):
        conds.append(column.is_(None))
    return or_(*conds) if len(conds) > 1 else conds[0]


def _as_datetime(value):
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(
            value.replace('Z', '')).replace(tzinfo=None)
    return value


def guarded_update(ctx, instance_uuid, updates, expected, fault=None,
                   action_event=None):
    """Apply ``updates`` only if the live row still has every column value
    of ``expected`` ({column: value or list of values; None allowed}),
    in one UPDATE ... WHERE; ``fault`` (code, message, details, host) and
    ``action_event`` (see ``instances.record_event_in_session``) are
    written in the same transaction. ``updated_at`` is set to now.

    The transaction holds only those writes (what it needs is read before
    it, the row after it), because on SQLite every other writer waits for
    it: under load, reads inside made a write hold the lock ~3 times as
    long (doc/performance.md).

    :returns: the instance dict, read just after the write.
    :raises: InstanceNotFound; UnexpectedTaskState when the row changed
        (its message names the task state found).
    """
    rows = instances_db.event_rows(ctx, instance_uuid, action_event)
    if not _guarded_write(ctx, instance_uuid, updates, expected, fault,
                          action_event, rows):
        # InstanceNotFound when it is gone.
        row = instances_db.get_after_write(ctx, instance_uuid)
        raise exception.UnexpectedTaskState(
            expected=dict(expected), actual='%s (host %s)' % (
                row['task_state'], row['host']))
    return instances_db.get_after_write(ctx, instance_uuid)


@session.retry
def _guarded_write(ctx, instance_uuid, updates, expected, fault,
                   action_event, event_rows):
    values = instances_db._coerce(updates)
    values.setdefault('updated_at', utcnow())
    inst = models.Instance
    conds = [inst.uuid == instance_uuid, inst.deleted == 0]
    for key, want in expected.items():
        if key == 'updated_at':
            want = _as_datetime(want)
        conds.append(_condition(getattr(inst, key), want))
    with session.writer(ctx) as s:
        result = s.execute(update(inst).where(and_(*conds)).values(**values)
                           .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            return False
        if fault:
            s.execute(insert(models.InstanceFault).values(
                **instances_db.fault_values(
                    instance_uuid, fault['code'], fault['message'],
                    fault.get('details'), fault.get('host'))))
        instances_db.write_event_in_session(s, ctx, instance_uuid,
                                            action_event, event_rows)
    return True


@session.retry
def claim_for_scheduling(ctx, instance_uuids, grace, stale_only=False,
                         event=None):
    """Take the scheduling lease of each instance still waiting for a host
    (vm_state building, task_state scheduling, host NULL): set its
    ``updated_at`` to now unless another conductor did so less than
    ``grace`` seconds ago.

    :param stale_only: also require an instance never touched since its
        creation to be older than ``grace`` (recovery; the first conductor
        takes a fresh instance at once).
    :param event: open this action event of each claimed instance in the
        same transaction (one write on the boot path instead of two).
    :returns: the uuids claimed, in the given order.
    """
    now = utcnow()
    cutoff = now - datetime.timedelta(seconds=grace)
    inst = models.Instance
    never = inst.updated_at.is_(None)
    if stale_only:
        never = and_(never, inst.created_at < cutoff)
    claimed = []
    actions = instances_db.action_ids(ctx, instance_uuids) if event else {}
    with session.writer(ctx) as s:
        for uuid in instance_uuids:
            result = s.execute(
                update(inst).where(
                    inst.uuid == uuid, inst.deleted == 0,
                    inst.vm_state == states.BUILDING,
                    inst.task_state == states.SCHEDULING,
                    inst.host.is_(None),
                    or_(never, inst.updated_at < cutoff))
                .values(updated_at=now)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                claimed.append(uuid)
                if event:
                    instances_db.write_event_in_session(
                        s, ctx, uuid, {'event': event, 'phase': 'start'},
                        (actions.get(uuid), None))
    return claimed


def get_unfinished(ctx):
    """Live instances still building or being deleted (dicts), oldest
    first: what the recovery pass looks at."""
    inst = models.Instance
    with session.reader(ctx) as s:
        rows = s.execute(select(inst).where(
            inst.deleted == 0,
            or_(inst.vm_state == states.BUILDING,
                inst.task_state == states.DELETING))
            .order_by(inst.id)).scalars()
        return [instances_db._to_dict(r) for r in rows]


def get_orphan_allocations(ctx, older_than):
    """Consumer uuids of allocations created more than ``older_than``
    seconds ago whose consumer is no live instance (a claim made for an
    instance deleted meanwhile by a conductor that then died)."""
    a, inst = models.Allocation, models.Instance
    cutoff = utcnow() - datetime.timedelta(seconds=older_than)
    live = select(inst.uuid).where(inst.uuid == a.consumer_uuid,
                                   inst.deleted == 0).exists()
    with session.reader(ctx) as s:
        return list(s.execute(select(a.consumer_uuid).where(
            a.created_at < cutoff, ~live)).scalars())


def create_request_id(ctx, instance_uuid):
    """The request id of the instance's ``create`` action, or None."""
    a = models.InstanceAction
    with session.reader(ctx) as s:
        return s.execute(select(a.request_id).where(
            a.instance_uuid == instance_uuid, a.action == 'create')
            .order_by(a.id)).scalars().first()


# -- reads for novalite-manage audit -------------------------------------------

def get_allocations(ctx):
    """Every allocation as a dict: ``consumer_uuid``, ``vcpus``,
    ``memory_mb``, ``disk_gb``, ``created_at`` and its node's ``host``,
    ``nodename`` and ``compute_node_uuid``."""
    a, n = models.Allocation, models.ComputeNode
    with session.reader(ctx) as s:
        rows = s.execute(select(a, n.uuid, n.host, n.hypervisor_hostname)
                         .join(n, n.id == a.compute_node_id)
                         .order_by(a.id))
        out = []
        for alloc, node_uuid, host, nodename in rows:
            d = alloc.as_dict()
            d.update(compute_node_uuid=node_uuid, host=host,
                     nodename=nodename)
            out.append(d)
        return out


def get_port_owners(ctx):
    """[(port uuid, instance uuid, address)] of every port bound to an
    instance (a network API port without a device is nobody's orphan)."""
    p = models.Port
    with session.reader(ctx) as s:
        return [tuple(r) for r in s.execute(
            select(p.uuid, p.instance_uuid, p.address)
            .where(p.instance_uuid.is_not(None)).order_by(p.id))]
