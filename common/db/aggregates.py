"""Host aggregates, their hosts and metadata. The ``availability_zone``
metadata key puts the aggregate's hosts in that availability zone."""

import uuid as uuidlib

from sqlalchemy import delete, select

from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception

AZ_KEY = 'availability_zone'


class AggregateNotFound(exception.NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s could not be found.'


class AggregateNameExists(exception.Conflict):
    msg_fmt = 'Aggregate %(aggregate_name)s already exists.'


def _full(s, rows):
    """Aggregate dicts with ``hosts`` and ``metadata``: two queries."""
    result = {r.id: dict(r.as_dict(), hosts=[], metadata={}) for r in rows}
    if result:
        ids = list(result)
        for h in s.execute(select(models.AggregateHost).where(
                models.AggregateHost.aggregate_id.in_(ids))
                .order_by(models.AggregateHost.id)).scalars():
            result[h.aggregate_id]['hosts'].append(h.host)
        for m in s.execute(select(models.AggregateMetadata).where(
                models.AggregateMetadata.aggregate_id.in_(ids))).scalars():
            result[m.aggregate_id]['metadata'][m.key] = m.value
    for agg in result.values():
        agg['availability_zone'] = agg['metadata'].get(AZ_KEY)
    return [result[r.id] for r in rows]


def _row(s, aggregate_id):
    row = s.execute(select(models.Aggregate).filter_by(
        id=aggregate_id)).scalar_one_or_none()
    if row is None:
        raise AggregateNotFound(aggregate_id=aggregate_id)
    return row


def _name_free(s, name, aggregate_id=None):
    row = s.execute(select(models.Aggregate).filter_by(
        name=name)).scalar_one_or_none()
    if row is not None and row.id != aggregate_id:
        raise AggregateNameExists(aggregate_name=name)


def get_all(ctx):
    with session.reader(ctx) as s:
        return _full(s, list(s.execute(select(models.Aggregate).order_by(
            models.Aggregate.id)).scalars()))


def get(ctx, aggregate_id):
    with session.reader(ctx) as s:
        return _full(s, [_row(s, aggregate_id)])[0]


@session.retry
def create(ctx, name, availability_zone=None):
    """Raises AggregateNameExists."""
    with session.writer(ctx) as s:
        _name_free(s, name)
        row = models.Aggregate(uuid=str(uuidlib.uuid4()), name=name)
        s.add(row)
        s.flush()
        if availability_zone:
            s.add(models.AggregateMetadata(aggregate_id=row.id, key=AZ_KEY,
                                           value=availability_zone))
            s.flush()
        return _full(s, [row])[0]


def _set_metadata(s, row, metadata):
    """Set keys, delete those whose value is None."""
    current = {m.key: m for m in s.execute(select(
        models.AggregateMetadata).filter_by(aggregate_id=row.id)).scalars()}
    for key, value in metadata.items():
        if value is None:
            if key in current:
                s.delete(current[key])
        elif key in current:
            current[key].value = value
        else:
            s.add(models.AggregateMetadata(aggregate_id=row.id, key=key,
                                           value=value))
    row.updated_at = models._now()
    s.flush()


@session.retry
def update(ctx, aggregate_id, values):
    """``values``: name and/or availability_zone (None removes it).
    Raises AggregateNotFound, AggregateNameExists."""
    with session.writer(ctx) as s:
        row = _row(s, aggregate_id)
        if 'name' in values:
            _name_free(s, values['name'], row.id)
            row.name = values['name']
        if 'availability_zone' in values:
            _set_metadata(s, row, {AZ_KEY: values['availability_zone']})
        row.updated_at = models._now()
        s.flush()
        return _full(s, [row])[0]


@session.retry
def set_metadata(ctx, aggregate_id, metadata):
    with session.writer(ctx) as s:
        row = _row(s, aggregate_id)
        _set_metadata(s, row, metadata)
        return _full(s, [row])[0]


@session.retry
def destroy(ctx, aggregate_id):
    """Raises AggregateNotFound, Invalid when it still has hosts."""
    with session.writer(ctx) as s:
        row = _row(s, aggregate_id)
        if s.execute(select(models.AggregateHost).filter_by(
                aggregate_id=row.id)).first() is not None:
            raise exception.Invalid(
                message="Invalid action 'delete' on aggregate %s: Host "
                        "aggregate is not empty" % aggregate_id)
        s.execute(delete(models.AggregateMetadata).filter_by(
            aggregate_id=row.id))
        s.delete(row)


@session.retry
def add_host(ctx, aggregate_id, host):
    """Raises AggregateNotFound, Conflict when the host is in it."""
    with session.writer(ctx) as s:
        row = _row(s, aggregate_id)
        if s.execute(select(models.AggregateHost).filter_by(
                aggregate_id=row.id, host=host)).first() is not None:
            raise exception.Conflict(
                message='Aggregate %s already has host %s.'
                % (aggregate_id, host))
        s.add(models.AggregateHost(aggregate_id=row.id, host=host))
        row.updated_at = models._now()
        s.flush()
        return _full(s, [row])[0]


@session.retry
def remove_host(ctx, aggregate_id, host):
    """Raises AggregateNotFound, NotFound when the host is not in it."""
    with session.writer(ctx) as s:
        row = _row(s, aggregate_id)
        result = s.execute(delete(models.AggregateHost).filter_by(
            aggregate_id=row.id, host=host))
        if not result.rowcount:
            raise exception.NotFound(
                message='Aggregate %s has no host %s.'
                % (aggregate_id, host))
        row.updated_at = models._now()
        s.flush()
        return _full(s, [row])[0]


@session.retry
def host_zones(ctx):
    """{host: availability zone} for hosts of aggregates that have one
    (one query). A host in several zoned aggregates gets the first."""
    query = (select(models.AggregateHost.host, models.AggregateMetadata.value)
             .join(models.AggregateMetadata, models.AggregateMetadata.
                   aggregate_id == models.AggregateHost.aggregate_id)
             .where(models.AggregateMetadata.key == AZ_KEY)
             .order_by(models.AggregateHost.aggregate_id))
    result = {}
    with session.reader(ctx) as s:
        for host, zone in s.execute(query):
            result.setdefault(host, zone)
    return result


def zones_of_hosts(ctx, hosts):
    """{host: [zones]} for ``hosts`` (a host may be in several)."""
    query = (select(models.AggregateHost.host, models.AggregateMetadata.value)
             .join(models.AggregateMetadata, models.AggregateMetadata.
                   aggregate_id == models.AggregateHost.aggregate_id)
             .where(models.AggregateMetadata.key == AZ_KEY,
                    models.AggregateHost.host.in_(list(hosts))))
    result = {}
    with session.reader(ctx) as s:
        for host, zone in s.execute(query):
            result.setdefault(host, []).append(zone)
    return result


@session.retry
def host_metadata(ctx):
    """{host: {key: {values}}}: the metadata of each host's aggregates,
    merged (one query), for AggregateInstanceExtraSpecsFilter."""
    query = (select(models.AggregateHost.host, models.AggregateMetadata.key,
                    models.AggregateMetadata.value)
             .join(models.AggregateMetadata, models.AggregateMetadata.
                   aggregate_id == models.AggregateHost.aggregate_id))
    result = {}
    with session.reader(ctx) as s:
        for host, key, value in s.execute(query):
            result.setdefault(host, {}).setdefault(key, set()).add(value)
    return result
