"""Instances and what hangs off them: faults, actions (+events) and
request specs. Instance dicts are the row's columns with ``metadata_``
named ``metadata``; a soft-deleted instance (deleted != 0) is not found."""

import datetime
import ipaddress
import re
import time
import uuid

from sqlalchemy import delete, func, insert, or_, and_, select
from sqlalchemy import update as sql_update

from novalite.common.db import instance_order
from novalite.common.db import models
from novalite.common.db import networks
from novalite.common.db import server_groups
from novalite.common.db import session
from novalite.common import exception
from novalite.common import states

_DATETIME_COLUMNS = ('launched_at', 'terminated_at', 'deleted_at',
                     'created_at', 'updated_at')


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _to_dict(row):
    d = row.as_dict()
    d['metadata'] = d.pop('metadata_') or {}
    return d


def _coerce(updates):
    values = dict(updates)
    if 'metadata' in values:
        values['metadata_'] = values.pop('metadata')
    for key in _DATETIME_COLUMNS:
        if isinstance(values.get(key), str):
            # Over RPC datetimes arrive as ISO strings.
            values[key] = datetime.datetime.fromisoformat(
                values[key].replace('Z', '')).replace(tzinfo=None)
    values.pop('id', None)
    values.pop('uuid', None)
    return values


def _live(s, instance_uuid, for_update=False):
    """The live row; ``for_update`` locks it until the transaction ends
    (MariaDB/PostgreSQL), so a check of its task state and the write that
    follows are one compare-and-swap: a second writer waits, then sees the
    new state. (SQLite serializes writers anyway.)"""
    query = select(models.Instance).filter_by(uuid=instance_uuid, deleted=0)
    if for_update:
        query = query.with_for_update()
    row = s.execute(query).scalar_one_or_none()
    if row is None:
        raise exception.InstanceNotFound(instance_id=instance_uuid)
    return row


def create_instances(ctx, instances, request_spec, network_uuids,
                     action='create', quota_guard=None):
    """Write instances with their request specs, ``action`` and one port per
    network each, all in one transaction. ``instances`` are dicts of column
    values (``uuid`` is generated when absent). ``quota_guard``: see
    api/quota.py ``instances_guard`` (its error rolls everything back).
    Returns instance dicts."""
    for inst in instances:
        inst.setdefault('uuid', str(uuid.uuid4()))
    for attempt in range(networks.ALLOCATION_ATTEMPTS):
        try:
            return _create_instances(
                ctx, instances, request_spec, network_uuids, action,
                spread=networks.RETRY_WINDOW if attempt else 0,
                quota_guard=quota_guard)
        except session.DBDuplicateEntry:
            # A concurrent boot took one of our addresses; pick again.
            if attempt == networks.ALLOCATION_ATTEMPTS - 1:
                raise
            networks.retry_pause(attempt)


# Rows added to the session between flushes on a multi-create: one
# transaction still, but bounded statements and session bookkeeping.
CREATE_BATCH = 50


@session.retry
def _create_instances(ctx, instances, request_spec, network_uuids, action,
                      spread=0, quota_guard=None):
    with session.writer(ctx) as s:
        verify = quota_guard(s) if quota_guard else None
        rows = []
        for start in range(0, len(instances), CREATE_BATCH):
            batch = instances[start:start + CREATE_BATCH]
            rows.extend(_add_instances(s, ctx, batch, request_spec, action))
            # Ports per batch: each allocation sees the flushed ones before.
            networks.allocate_ports_many(
                s, [i['uuid'] for i in batch], network_uuids or [],
                spread=spread)
            s.flush()
        created = [_to_dict(r) for r in rows]
        if verify:
            verify(created)
        return created


def _add_instances(s, ctx, instances, request_spec, action):
    rows = []
    for inst in instances:
        values = _coerce(inst)
        for tag in dict.fromkeys(values.pop('tags', None) or ()):
            s.add(models.InstanceTag(instance_uuid=inst['uuid'], tag=tag))
        values['uuid'] = inst['uuid']
        values.setdefault('user_id', ctx.user_id)
        values.setdefault('project_id', ctx.project_id)
        values.setdefault('vm_state', states.BUILDING)
        values.setdefault('task_state', states.SCHEDULING)
        values.setdefault('power_state', states.NOSTATE)
        row = models.Instance(**values)
        s.add(row)
        rows.append(row)
        s.add(models.RequestSpec(instance_uuid=row.uuid,
                                 spec=request_spec))
        s.add(_new_action(ctx, row.uuid, action, ctx.request_id))
    return rows


def get(ctx, instance_uuid):
    with session.reader(ctx) as s:
        return _to_dict(_live(s, instance_uuid))


@session.retry
def get_after_write(ctx, instance_uuid):
    """``get``, retried through a database outage as the write before it
    was: a caller whose write committed must not fail on the read after
    it (nor retry the write, a compare-and-swap that would then refuse)."""
    return get(ctx, instance_uuid)


def live_states(ctx, instance_uuids):
    """{uuid: (vm_state, task_state)} of the live instances among
    ``instance_uuids`` (a deleted or unknown one is left out)."""
    if not instance_uuids:
        return {}
    inst = models.Instance
    with session.reader(ctx) as s:
        rows = s.execute(select(inst.uuid, inst.vm_state, inst.task_state)
                         .where(inst.uuid.in_(list(instance_uuids)),
                                inst.deleted == 0))
        return {uuid: (vm, task) for uuid, vm, task in rows}


class StateReader:
    """``live_states`` on one DB-API connection of its own, for the API's
    status watcher, which asks every few milliseconds: a session per poll
    (pool checkout, BEGIN, compiling an IN list, ROLLBACK) cost ~0.45 ms of
    CPU, the plain query on a kept connection ~0.1 ms. Not thread-safe:
    one reader per polling thread."""

    def __init__(self):
        self._conn = None

    def states(self, instance_uuids):
        if not instance_uuids:
            return {}
        if self._conn is None:
            self._conn = session.raw_reader_connection()
        mark = session.paramstyle_mark()
        sql = ('SELECT uuid, vm_state, task_state FROM %s WHERE deleted = 0 '
               'AND uuid IN (%s)' % (models.Instance.__tablename__,
                                     ', '.join([mark] * len(instance_uuids))))
        try:
            cur = self._conn.cursor()
            try:
                cur.execute(sql, list(instance_uuids))
                found = {u: (vm, task) for u, vm, task in cur.fetchall()}
            finally:
                cur.close()
            # Ends the snapshot (PostgreSQL, MariaDB): the next poll sees
            # what committed meanwhile.
            self._conn.rollback()
        except Exception:
            self.close(broken=True)  # a fresh connection next time
            raise
        return found

    def close(self, broken=False):
        """Give the connection back to the pool (or drop it, ``broken``)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate() if broken else conn.close()
            except Exception:  # noqa: BLE001 -- already gone
                pass


def project_usage(ctx, project_id):
    """{'instances', 'cores', 'ram'} the project's live servers use (from
    their flavor snapshots), for the quota check."""
    with session.reader(ctx) as s:
        flavors = s.execute(select(models.Instance.flavor).filter_by(
            project_id=project_id, deleted=0)).scalars().all()
    return {'instances': len(flavors),
            'cores': sum((f or {}).get('vcpus', 0) for f in flavors),
            'ram': sum((f or {}).get('memory_mb', 0) for f in flavors)}


# Rows read per query while scanning for name filter matches.
NAME_SCAN_BATCH = 500


def get_all(ctx, filters=None, limit=None, marker=None, deadline=None,
            sort_keys=None, sort_dirs=None):
    """Live instances, newest first unless ``sort_keys``/``sort_dirs``
    (Nova's sort keys and 'asc'/'desc', see instance_order.process: it
    raises Invalid) say otherwise; ``created_at`` then ``id`` always close
    the order. ``filters``: project_id, user_id, host,
    vm_state (value or list), changes-since (datetime; includes deleted
    ones, as Nova), deleted (True: only deleted ones; False: only live
    ones, whatever changes-since says), flavor (the flavorid of the flavor the server was
    booted with), ip / ip6: patterns for the server's fixed IPv4 / IPv6
    addresses (a str is compiled with ``re`` and matched at the start, for
    trusted callers only; the API's pattern is searched: it anchors it),
    name: what ``search(display_name)`` matches
    -- the API passes its linear-time pattern (api/name_filter.py); a str
    is compiled with ``re``, for trusted callers only. Its optional
    ``literal``, a substring of every match, is filtered in SQL (LIKE); the
    rest is matched over batches of rows until ``limit`` match, or raises
    Invalid once time.monotonic() passes ``deadline``. ``marker`` is an
    instance uuid; an unknown marker raises Invalid ("marker [x] not
    found"); the page after it follows the same order."""
    filters = dict(filters or {})
    name = filters.get('name')
    if isinstance(name, str):
        name = re.compile(name)
    if sort_keys or sort_dirs:
        pairs = instance_order.process(sort_keys, sort_dirs)
    else:
        pairs = [('created_at', 'desc'), ('id', 'desc')]
    with session.reader(ctx) as s:
        query = select(models.Instance)
        since = filters.pop('changes-since', None)
        before = filters.pop('changes-before', None)
        deleted = filters.pop('deleted', None)
        if since is not None:
            query = query.where(models.Instance.updated_at >= since)
        if before is not None:
            query = query.where(models.Instance.updated_at <= before)
        if deleted is True:
            query = query.where(models.Instance.deleted != 0)
        elif deleted is False or (since is None and before is None):
            query = query.where(models.Instance.deleted == 0)
        for key in ('project_id', 'user_id', 'host'):
            if filters.get(key) is not None:
                query = query.where(getattr(models.Instance, key)
                                    == filters[key])
        query = _extra_filters(query, filters)
        vm_state = filters.get('vm_state')
        if vm_state is not None:
            if isinstance(vm_state, (list, tuple, set)):
                query = query.where(models.Instance.vm_state.in_(vm_state))
            else:
                query = query.where(models.Instance.vm_state == vm_state)
        if filters.get('ip') is not None or filters.get('ip6') is not None:
            query = query.where(models.Instance.uuid.in_(_ip_matches(
                s, query, filters.get('ip'), filters.get('ip6'))))
        if marker is not None:
            values = s.execute(select(*instance_order.columns(pairs))
                               .where(models.Instance.uuid == marker)).first()
            if values is None:
                raise exception.Invalid(message='marker [%s] not found'
                                        % marker)
            query = query.where(instance_order.after(pairs, list(values)))
        query = query.order_by(*instance_order.order_by(pairs))
        if name is not None:
            ids = _scan_names(s, query, name, limit, deadline, pairs)
            query = query.where(models.Instance.id.in_(ids))
        elif limit is not None:
            query = query.limit(limit)
        return [_to_dict(r) for r in s.execute(query).scalars()]


def _ip_matches(s, query, ip, ip6):
    """The uuids of the instances ``query`` selects that have a fixed
    IPv4 address ``ip`` matches or an IPv6 one ``ip6`` matches (Nova's
    _ip_filter: matched from the address's start)."""
    patterns = {}
    for version, pattern in ((4, ip), (6, ip6)):
        if isinstance(pattern, str):
            patterns[version] = re.compile(pattern).match
        elif pattern is not None:
            # The API's linear-time pattern, anchored at the start.
            patterns[version] = pattern.search
    rows = s.execute(select(models.Port.instance_uuid, models.Port.address)
                     .where(models.Port.instance_uuid.in_(
                         query.with_only_columns(models.Instance.uuid))))
    found = set()
    for instance_uuid, address in rows:
        if not address or instance_uuid in found:
            continue
        try:
            version = ipaddress.ip_address(address).version
        except ValueError:
            continue
        matches = patterns.get(version)
        if matches is not None and matches(address):
            found.add(instance_uuid)
    return sorted(found)


# Filters matched exactly, and those matched as substrings (Nova matches
# these with a regular expression; the API passes literal values).
_EXACT_FILTERS = ('task_state', 'power_state', 'locked', 'image_ref',
                  'uuid', 'reservation_id')
# Nova matches these as regular expressions (searched); a substring match
# is what that gives for the names people filter by.
_SUBSTRING_FILTERS = ('key_name', 'availability_zone', 'config_drive',
                      'hostname', 'display_description', 'node')


def _tag_exists(tag):
    return select(models.InstanceTag.instance_uuid).where(
        models.InstanceTag.instance_uuid == models.Instance.uuid,
        models.InstanceTag.tag == tag).exists()


def _extra_filters(query, filters):
    """The list filters of microversions 2.26 (tags), 2.73 (locked) and
    2.83 (more filters for everyone). ``tags``/``not-tags`` (all of them)
    and ``tags-any``/``not-tags-any`` (any of them) are lists."""
    for key in _EXACT_FILTERS:
        if filters.get(key) is not None:
            query = query.where(getattr(models.Instance, key)
                                == filters[key])
    for key in _SUBSTRING_FILTERS:
        if filters.get(key) is not None:
            query = query.where(getattr(models.Instance, key).contains(
                filters[key], autoescape=True))
    if filters.get('flavor') is not None:
        # Flavors are deleted outright here: the snapshot's flavorid is
        # what Nova's lookup of a (possibly deleted) flavor finds.
        query = query.where(models.Instance.flavor['flavorid'].as_string()
                            == str(filters['flavor']))
    if filters.get('tags'):
        query = query.where(and_(*[_tag_exists(t) for t in filters['tags']]))
    if filters.get('tags-any'):
        query = query.where(or_(*[_tag_exists(t)
                                  for t in filters['tags-any']]))
    if filters.get('not-tags'):
        query = query.where(~and_(*[_tag_exists(t)
                                    for t in filters['not-tags']]))
    if filters.get('not-tags-any'):
        query = query.where(~or_(*[_tag_exists(t)
                                   for t in filters['not-tags-any']]))
    return query


def _scan_names(s, query, name, limit, deadline, pairs):
    """Ids of the first ``limit`` rows of ``query`` (ordered by the sort
    ``pairs``) whose name matches, reading only the sort columns and the
    name, in batches."""
    literal = getattr(name, 'literal', None)
    if literal:
        query = query.where(models.Instance.display_name.contains(
            literal, autoescape=True))
    sort_columns = instance_order.columns(pairs)
    query = query.with_only_columns(models.Instance.id,
                                    models.Instance.display_name,
                                    *sort_columns)
    found, page = [], query
    while limit != 0:
        rows = s.execute(page.limit(NAME_SCAN_BATCH)).all()
        for row in rows:
            if name.search(row.display_name or ''):
                found.append(row.id)
                if limit is not None and len(found) >= limit:
                    return found
            if deadline is not None and time.monotonic() > deadline:
                raise exception.Invalid(message=(
                    'The name filter took too long to evaluate: use a more '
                    'specific pattern, or other filters.'))
        if len(rows) < NAME_SCAN_BATCH:
            return found
        page = query.where(instance_order.after(pairs, list(rows[-1][2:])))
    return found


def get_all_by_host(ctx, host):
    with session.reader(ctx) as s:
        rows = s.execute(select(models.Instance).filter_by(
            host=host, deleted=0).order_by(models.Instance.id)).scalars()
        return [_to_dict(r) for r in rows]


def get_by_uuids(ctx, instance_uuids, read_deleted='no'):
    """Instances with these uuids, unknown ones left out; ``read_deleted``
    'yes' includes soft-deleted ones (Nova's read_deleted). Raises
    Invalid for another value."""
    if read_deleted not in ('yes', 'no'):
        raise exception.Invalid(reason='read_deleted must be yes or no, '
                                'not %r' % (read_deleted,))
    query = select(models.Instance).where(
        models.Instance.uuid.in_(list(instance_uuids)))
    if read_deleted == 'no':
        query = query.where(models.Instance.deleted == 0)
    with session.reader(ctx) as s:
        return [_to_dict(r) for r in s.execute(
            query.order_by(models.Instance.id)).scalars()]


def update(ctx, instance_uuid, updates, expected_task_state=None,
           fault=None):
    """Apply ``updates``; with ``expected_task_state`` (a value or a list,
    None allowed in it) write nothing unless the current task_state is one
    of them. ``fault`` (dict: code, message, details, host) is recorded in
    the same transaction, so a server is never seen in ERROR without it.
    One UPDATE ... WHERE (a compare-and-swap on every backend) and the
    fault's INSERT hold the write lock; the row is read after the commit.
    Returns the instance dict. Raises InstanceNotFound,
    UnexpectedTaskState."""
    expected = None
    if expected_task_state is not None:
        expected = (list(expected_task_state)
                    if isinstance(expected_task_state, (list, tuple, set))
                    else [expected_task_state])
    if not _update_write(ctx, instance_uuid, updates, expected, fault):
        row = get_after_write(ctx, instance_uuid)       # InstanceNotFound
        raise exception.UnexpectedTaskState(expected=expected,
                                            actual=row['task_state'])
    return get_after_write(ctx, instance_uuid)


def task_state_in(expected):
    """The condition ``task_state`` is one of ``expected`` (None allowed)."""
    column = models.Instance.task_state
    conds = [column.in_([v for v in expected if v is not None])]
    if None in expected:
        conds.append(column.is_(None))
    return or_(*conds)


@session.retry
def _update_write(ctx, instance_uuid, updates, expected, fault):
    inst = models.Instance
    conds = [inst.uuid == instance_uuid, inst.deleted == 0]
    if expected is not None:
        conds.append(task_state_in(expected))
    with session.writer(ctx) as s:
        if s.execute(sql_update(inst).where(*conds).values(
                **_coerce(updates)).execution_options(
                synchronize_session=False)).rowcount != 1:
            return False
        if fault:
            s.execute(insert(models.InstanceFault).values(
                **fault_values(instance_uuid, **fault)))
    return True


@session.retry
def update_and_start_action(ctx, instance_uuid, updates, action,
                            expected_task_state):
    """``update`` (guarded by ``expected_task_state``, a list that may hold
    None) and the start of instance action ``action``, in one transaction:
    a task state never shows without its action record, nor the reverse.
    Returns (the instance before, the instance after).
    Raises InstanceNotFound, UnexpectedTaskState."""
    with session.writer(ctx) as s:
        row = _live(s, instance_uuid, for_update=True)
        if row.task_state not in expected_task_state:
            raise exception.UnexpectedTaskState(
                expected=list(expected_task_state), actual=row.task_state)
        before = _to_dict(row)
        for key, value in _coerce(updates).items():
            setattr(row, key, value)
        s.add(_new_action(ctx, instance_uuid, action, ctx.request_id))
        s.flush()
        return before, _to_dict(row)


def destroy(ctx, instance_uuid):
    """Soft-delete the instance and free its allocation and ports (writes
    only in the transaction; the deleted row is read after it). Returns
    the instance dict; raises InstanceNotFound."""
    _destroy_write(ctx, instance_uuid)
    return _get_destroyed(ctx, instance_uuid)


@session.retry
def _get_destroyed(ctx, instance_uuid):
    with session.reader(ctx) as s:
        return _to_dict(s.execute(select(models.Instance).filter_by(
            uuid=instance_uuid)).scalar_one())


@session.retry
def _destroy_write(ctx, instance_uuid):
    inst = models.Instance
    now = _utcnow()
    with session.writer(ctx) as s:
        if s.execute(sql_update(inst).where(
                inst.uuid == instance_uuid, inst.deleted == 0).values(
                deleted=inst.id, deleted_at=now,
                terminated_at=func.coalesce(inst.terminated_at, now),
                vm_state=states.DELETED, task_state=None)
                .execution_options(synchronize_session=False)
                ).rowcount != 1:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        s.execute(delete(models.Allocation).filter_by(
            consumer_uuid=instance_uuid))
        networks.delete_ports_in_session(s, [instance_uuid])
        s.execute(delete(models.InstanceTag).filter_by(
            instance_uuid=instance_uuid))
        server_groups.remove_member_in_session(s, instance_uuid)


# -- faults -----------------------------------------------------------------

@session.retry
def fault_values(instance_uuid, code, message, details=None, host=None):
    """Column values of a fault row (for a plain INSERT)."""
    return {'instance_uuid': instance_uuid, 'code': code,
            'message': str(message)[:255], 'details': details, 'host': host}


def _fault_row(instance_uuid, code, message, details=None, host=None):
    return models.InstanceFault(instance_uuid=instance_uuid, code=code,
                                message=str(message)[:255], details=details,
                                host=host)


def fault_create(ctx, instance_uuid, code, message, details=None, host=None):
    with session.writer(ctx) as s:
        row = _fault_row(instance_uuid, code, message, details, host)
        s.add(row)
        s.flush()
        return row.as_dict()


def get_latest_faults(ctx, instance_uuids):
    """{instance_uuid: newest fault dict} for those that have one."""
    if not instance_uuids:
        return {}
    with session.reader(ctx) as s:
        rows = s.execute(select(models.InstanceFault).where(
            models.InstanceFault.instance_uuid.in_(list(instance_uuids)))
            .order_by(models.InstanceFault.id.desc())).scalars()
        result = {}
        for row in rows:
            result.setdefault(row.instance_uuid, row.as_dict())
        return result


# -- actions and events -----------------------------------------------------

def _new_action(ctx, instance_uuid, action, request_id):
    return models.InstanceAction(
        instance_uuid=instance_uuid, action=action, request_id=request_id,
        user_id=ctx.user_id, project_id=ctx.project_id)


@session.retry
def action_start(ctx, instance_uuid, action):
    with session.writer(ctx) as s:
        row = _new_action(ctx, instance_uuid, action, ctx.request_id)
        s.add(row)
        s.flush()
        return row.as_dict()


def _find_action(s, ctx, instance_uuid, request_id, event):
    row = s.execute(select(models.InstanceAction).filter_by(
        instance_uuid=instance_uuid, request_id=request_id)
        .order_by(models.InstanceAction.id.desc())).scalars().first()
    if row is None:
        row = _new_action(ctx, instance_uuid, event, request_id)
        s.add(row)
        s.flush()
    return row


@session.retry
def action_event_start(ctx, instance_uuid, request_id, event, host=None):
    with session.writer(ctx) as s:
        return event_start_in_session(s, ctx, instance_uuid, request_id,
                                      event, host=host)


def event_start_in_session(s, ctx, instance_uuid, request_id, event,
                           host=None):
    """Open an event in the caller's transaction (a state change and the
    event that records it in one write)."""
    action = _find_action(s, ctx, instance_uuid, request_id, event)
    row = models.InstanceActionEvent(action_id=action.id, event=event,
                                     host=host)
    s.add(row)
    s.flush()
    return row.as_dict()


@session.retry
def action_event_finish(ctx, instance_uuid, request_id, event, result,
                        traceback=None):
    with session.writer(ctx) as s:
        return event_finish_in_session(s, ctx, instance_uuid, request_id,
                                       event, result, traceback=traceback)


def event_finish_in_session(s, ctx, instance_uuid, request_id, event,
                            result, traceback=None):
    action = _find_action(s, ctx, instance_uuid, request_id, event)
    row = s.execute(select(models.InstanceActionEvent).filter_by(
        action_id=action.id, event=event, finish_time=None)
        .order_by(models.InstanceActionEvent.id.desc())).scalars().first()
    if row is None:
        row = models.InstanceActionEvent(action_id=action.id, event=event)
        s.add(row)
    row.finish_time = _utcnow()
    row.result = result
    row.traceback = traceback
    if result and result.lower() == 'error':
        action.message = 'Error'
    s.flush()
    return row.as_dict()


def record_event_in_session(s, ctx, instance_uuid, action_event):
    """Write ``action_event`` ({event, phase 'start'|'finish', host,
    result, traceback}) for ``ctx.request_id`` in the caller's
    transaction; None writes nothing."""
    if not action_event:
        return
    if action_event.get('phase') == 'start':
        event_start_in_session(s, ctx, instance_uuid, ctx.request_id,
                               action_event['event'],
                               host=action_event.get('host'))
    else:
        event_finish_in_session(s, ctx, instance_uuid, ctx.request_id,
                                action_event['event'],
                                action_event.get('result'),
                                traceback=action_event.get('traceback'))


@session.retry
def event_rows(ctx, instance_uuid, action_event):
    """Read before a write transaction: ``(action id, open event id)`` of
    ``action_event`` for ``ctx.request_id`` (None where missing), so that
    ``write_event_in_session`` only writes. On SQLite a writer holds the
    database's one write lock from its first statement to its commit; a
    read inside it makes every other writer wait too."""
    if not action_event:
        return None, None
    a, e = models.InstanceAction, models.InstanceActionEvent
    with session.reader(ctx) as s:
        action_id = s.execute(select(a.id).where(
            a.instance_uuid == instance_uuid,
            a.request_id == ctx.request_id).order_by(a.id.desc()).limit(1)
        ).scalar()
        if action_id is None or action_event.get('phase') == 'start':
            return action_id, None
        return action_id, s.execute(select(e.id).where(
            e.action_id == action_id, e.event == action_event['event'],
            e.finish_time.is_(None)).order_by(e.id.desc()).limit(1)
        ).scalar()


def action_ids(ctx, instance_uuids):
    """Read before a write: {instance uuid: id of its action for
    ``ctx.request_id``} (see ``event_rows``); one query for many."""
    a = models.InstanceAction
    with session.reader(ctx) as s:
        return dict(s.execute(select(a.instance_uuid, func.max(a.id)).where(
            a.instance_uuid.in_(list(instance_uuids)),
            a.request_id == ctx.request_id).group_by(a.instance_uuid)).all())


def write_event_in_session(s, ctx, instance_uuid, action_event, rows):
    """``record_event_in_session`` given ``rows``, what ``event_rows``
    read: plain INSERT / UPDATE statements (an action missing then is
    created here, as ``_find_action`` does)."""
    if not action_event:
        return
    action_id, event_id = rows
    if action_id is None:
        action_id = _find_action(s, ctx, instance_uuid, ctx.request_id,
                                 action_event['event']).id
    e = models.InstanceActionEvent
    if action_event.get('phase') == 'start':
        s.execute(insert(e).values(action_id=action_id,
                                   event=action_event['event'],
                                   host=action_event.get('host')))
        return
    result = action_event.get('result')
    done = {'finish_time': _utcnow(), 'result': result,
            'traceback': action_event.get('traceback')}
    if event_id is None:
        s.execute(insert(e).values(action_id=action_id,
                                   event=action_event['event'], **done))
    else:
        s.execute(sql_update(e).where(e.id == event_id).values(**done))
    if result and result.lower() == 'error':
        s.execute(sql_update(models.InstanceAction).where(
            models.InstanceAction.id == action_id).values(message='Error'))


def actions_get(ctx, instance_uuid):
    """The instance's actions, newest first (os-instance-actions)."""
    with session.reader(ctx) as s:
        rows = s.execute(select(models.InstanceAction).filter_by(
            instance_uuid=instance_uuid)
            .order_by(models.InstanceAction.id.desc())).scalars()
        return [r.as_dict() for r in rows]


# -- request specs ----------------------------------------------------------

def request_spec_get(ctx, instance_uuid):
    with session.reader(ctx) as s:
        row = s.execute(select(models.RequestSpec).filter_by(
            instance_uuid=instance_uuid)).scalar_one_or_none()
        if row is None:
            raise exception.NotFound(
                message='Request spec for instance %s could not be found.'
                % instance_uuid)
        return dict(row.spec or {})


def request_specs_get_many(ctx, instance_uuids):
    """{instance_uuid: request spec dict} for those that have one."""
    if not instance_uuids:
        return {}
    with session.reader(ctx) as s:
        rows = s.execute(select(models.RequestSpec).where(
            models.RequestSpec.instance_uuid.in_(list(instance_uuids))))
        return {r.instance_uuid: dict(r.spec or {}) for r in rows.scalars()}


# -- tags (2.26) ------------------------------------------------------------

def tags_get_many(ctx, instance_uuids):
    """{instance_uuid: sorted [tag]} for these instances (all listed)."""
    result = {u: [] for u in instance_uuids}
    if not instance_uuids:
        return result
    with session.reader(ctx) as s:
        rows = s.execute(select(models.InstanceTag).where(
            models.InstanceTag.instance_uuid.in_(list(instance_uuids)))
            .order_by(models.InstanceTag.tag)).scalars()
        for row in rows:
            result[row.instance_uuid].append(row.tag)
    return result


@session.retry
def tags_set(ctx, instance_uuid, tags):
    """Replace the live instance's tags; returns them sorted.
    Raises InstanceNotFound."""
    with session.writer(ctx) as s:
        _live(s, instance_uuid)
        s.execute(delete(models.InstanceTag).filter_by(
            instance_uuid=instance_uuid))
        for tag in dict.fromkeys(tags):
            s.add(models.InstanceTag(instance_uuid=instance_uuid, tag=tag))
        s.flush()
    return sorted(set(tags))


@session.retry
def tag_add(ctx, instance_uuid, tag, max_count):
    """Add ``tag``; False when it was there already. Raises
    InstanceNotFound, and Invalid when the instance has ``max_count``."""
    with session.writer(ctx) as s:
        _live(s, instance_uuid)
        tags = set(s.execute(select(models.InstanceTag.tag).filter_by(
            instance_uuid=instance_uuid)).scalars())
        if tag in tags:
            return False
        if len(tags) >= max_count:
            raise exception.Invalid(message='The number of tags exceeded '
                                    'the per-server limit %d' % max_count)
        s.add(models.InstanceTag(instance_uuid=instance_uuid, tag=tag))
        s.flush()
        return True


@session.retry
def tag_delete(ctx, instance_uuid, tag):
    """Remove ``tag``; False when the instance does not have it.
    Raises InstanceNotFound."""
    with session.writer(ctx) as s:
        _live(s, instance_uuid)
        result = s.execute(delete(models.InstanceTag).filter_by(
            instance_uuid=instance_uuid, tag=tag))
        return result.rowcount > 0


# -- metadata (/servers/<id>/metadata) ----------------------------------------

@session.retry
def metadata_update(ctx, instance_uuid, metadata, replace=False,
                    max_items=-1, check=None):
    """Merge ``metadata`` into the live instance's (replace it all with
    ``replace``) in one transaction; ``check(instance dict)`` may refuse by
    raising, on the row as it is inside the transaction. Returns the new
    metadata. Raises InstanceNotFound, and Forbidden (Nova's
    MetadataLimitExceeded) when the result holds more than ``max_items``
    (-1: unlimited)."""
    with session.writer(ctx) as s:
        row = _live(s, instance_uuid)
        if check is not None:
            check(_to_dict(row))
        new = dict(metadata) if replace else dict(row.metadata_ or {},
                                                  **metadata)
        if 0 <= max_items < len(new):
            raise exception.Forbidden(
                message='Maximum number of metadata items exceeds %d'
                % max_items)
        row.metadata_ = new
        s.flush()
        return new


@session.retry
def metadata_delete(ctx, instance_uuid, key, check=None):
    """Remove ``key`` from the live instance's metadata; False when it has
    no such key. ``check`` as for metadata_update."""
    with session.writer(ctx) as s:
        row = _live(s, instance_uuid)
        if check is not None:
            check(_to_dict(row))
        current = dict(row.metadata_ or {})
        if key not in current:
            return False
        del current[key]
        row.metadata_ = current
        s.flush()
        return True


# -- os-instance-actions ------------------------------------------------------

def actions_with_events(ctx, instance_uuid):
    """The instance's actions, newest first (start_time, then id), each
    with its ``events`` (newest first) and ``updated_at`` (the latest of
    its start and its events' start and finish times), in two queries."""
    with session.reader(ctx) as s:
        actions = [r.as_dict() for r in s.execute(
            select(models.InstanceAction).filter_by(
                instance_uuid=instance_uuid).order_by(
                models.InstanceAction.start_time.desc(),
                models.InstanceAction.id.desc())).scalars()]
        by_id = {a['id']: dict(a, events=[]) for a in actions}
        if by_id:
            rows = s.execute(select(models.InstanceActionEvent).where(
                models.InstanceActionEvent.action_id.in_(list(by_id)))
                .order_by(models.InstanceActionEvent.start_time.desc(),
                          models.InstanceActionEvent.id.desc())).scalars()
            for row in rows:
                by_id[row.action_id]['events'].append(row.as_dict())
    result = []
    for action in actions:
        full = by_id[action['id']]
        times = [full['start_time']] + [
            t for e in full['events']
            for t in (e['start_time'], e['finish_time']) if t]
        full['updated_at'] = max(times)
        result.append(full)
    return result


def by_node(ctx):
    """{(host, node): [{'uuid', 'name', 'task_state'}]} of live instances
    placed on a node, in one query (os-hypervisors)."""
    query = select(models.Instance.host, models.Instance.node,
                   models.Instance.uuid, models.Instance.display_name,
                   models.Instance.task_state).where(
        models.Instance.deleted == 0, models.Instance.host.is_not(None))
    result = {}
    with session.reader(ctx) as s:
        for host, node, uuid_, name, task in s.execute(
                query.order_by(models.Instance.id)):
            result.setdefault((host, node), []).append(
                {'uuid': uuid_, 'name': name, 'task_state': task})
    return result


def active_by_window(ctx, begin, end, project_id=None, limit=None,
                     marker=None):
    """Instances (deleted ones too) that ran within [begin, end): launched
    before ``end`` and not terminated before ``begin``, oldest first; from
    after the instance ``marker`` (Nova's get_active_by_window_joined).
    Raises NotFound for an unknown marker."""
    query = select(models.Instance).where(
        or_(models.Instance.terminated_at.is_(None),
            models.Instance.terminated_at > begin),
        models.Instance.launched_at < end)
    if project_id is not None:
        query = query.where(models.Instance.project_id == project_id)
    with session.reader(ctx) as s:
        if marker is not None:
            row = s.execute(select(models.Instance).filter_by(
                uuid=marker)).scalar_one_or_none()
            if row is None:
                raise exception.NotFound(
                    message='Marker %s could not be found.' % marker)
            query = query.where(models.Instance.id > row.id)
        query = query.order_by(models.Instance.id)
        if limit is not None:
            query = query.limit(limit)
        return [_to_dict(r) for r in s.execute(query).scalars()]
