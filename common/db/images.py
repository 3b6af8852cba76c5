"""Image records of the built-in Glance v2-compatible store (the bits are
files under ``[image] store_path``, handled by the API's image store).

Visibility follows Glance: an image is shown to its owner, to admins, and
to everyone when public or community; lists carry community images only
when asked for (``visibility=community``) or owned. ``os_hidden`` lives in
``properties`` (no column of its own) and is a boolean there."""

import copy
import datetime
import uuid

from sqlalchemy import and_, or_, select

from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception

COLUMNS = frozenset(c.key for c in models.Image.__table__.columns)
SORT_KEYS = ('name', 'status', 'container_format', 'disk_format', 'size',
             'id', 'created_at', 'updated_at', 'min_disk', 'min_ram',
             'visibility')
# Filters that are plain column equality in SQL.
_EQUAL_FILTERS = ('name', 'status', 'owner', 'disk_format',
                  'container_format', 'protected', 'size', 'min_ram',
                  'min_disk', 'checksum')
Image = models.Image


def _show_condition(ctx):
    if ctx.is_admin:
        return None
    return or_(Image.owner == ctx.project_id,
               Image.visibility.in_(('public', 'community')))


def _list_conditions(ctx, visibility):
    conds = [Image.deleted.is_(False)]
    if not ctx.is_admin:
        seen = [Image.visibility == 'public', Image.owner == ctx.project_id]
        if visibility == 'community':
            seen.append(Image.visibility == 'community')
        conds.append(or_(*seen))
    if visibility not in (None, 'all'):
        conds.append(Image.visibility == visibility)
    return conds


@session.retry
def create(ctx, values):
    """Create an image record from column ``values`` (``id`` generated when
    absent, ``owner`` defaults to the context's project)."""
    values = dict(values)
    values.setdefault('id', str(uuid.uuid4()))
    values.setdefault('owner', ctx.project_id)
    with session.writer(ctx) as s:
        row = Image(**values)
        s.add(row)
        try:
            s.flush()
        except session.DBDuplicateEntry:
            raise exception.Conflict(
                reason='Image with identifier %s already exists!'
                % values['id'])
        return row.as_dict()


def _get(s, ctx, image_id, for_update=False):
    query = select(Image).filter_by(id=image_id, deleted=False)
    cond = _show_condition(ctx)
    if cond is not None:
        query = query.where(cond)
    if for_update:
        query = query.with_for_update()
    row = s.execute(query).scalar_one_or_none()
    if row is None:
        raise exception.ImageNotFound(image_id=image_id)
    return row


def get(ctx, image_id):
    """The image if ``ctx`` may see it; raises ImageNotFound."""
    with session.reader(ctx) as s:
        return _get(s, ctx, image_id).as_dict()


def _matches(img, filters):
    """What SQL cannot filter portably: JSON tags and properties."""
    if not set(filters.get('tags') or ()) <= set(img['tags'] or ()):
        return False
    props = img['properties'] or {}
    hidden = filters.get('os_hidden', False)
    if hidden is not None and bool(props.get('os_hidden')) != hidden:
        return False
    return all(props.get(k) == v
               for k, v in (filters.get('properties') or {}).items())


def get_all(ctx, filters=None, limit=None, marker=None, sort=None):
    """Images ``ctx`` may list, in ``sort`` order ([(key, 'asc'|'desc')],
    default newest first), after the image ``marker``.

    ``filters``: name, status, owner, disk_format, container_format,
    protected (equality), ``ids`` (list), visibility (Glance's values and
    ``all``), size_min/size_max, tags (all of them), properties ({k: v}),
    os_hidden (default False: hidden images are left out; None: both).
    Raises ImageNotFound when the marker is not visible.
    """
    filters = dict(filters or {})
    conds = _list_conditions(ctx, filters.get('visibility'))
    for key in _EQUAL_FILTERS:
        value = filters.get(key)
        if isinstance(value, list):
            conds.append(getattr(Image, key).in_(value))
        elif value is not None:
            conds.append(getattr(Image, key) == value)
    if filters.get('ids') is not None:
        conds.append(Image.id.in_(filters['ids']))
    if filters.get('size_min') is not None:
        conds.append(Image.size >= filters['size_min'])
    if filters.get('size_max') is not None:
        conds.append(Image.size <= filters['size_max'])
    order = []
    for key, direction in list(sort or []) + [('created_at', 'desc'),
                                              ('id', 'desc')]:
        col = getattr(Image, key)
        order.append(col.asc() if direction == 'asc' else col.desc())
    with session.reader(ctx) as s:
        where = and_(*conds)
        if marker is not None:
            _get(s, ctx, marker)
            # The marker row rides along (whatever the filters say) so the
            # page starts right after its place in this very ordering: no
            # per-backend NULL ordering rules to reproduce.
            where = or_(where, Image.id == marker)
        rows = s.execute(select(Image).where(where).order_by(*order))
        found, passed = [], marker is None
        for row in rows.scalars():
            if limit is not None and len(found) >= limit:
                break
            if not passed:
                passed = row.id == marker
                continue
            img = row.as_dict()
            if _matches(img, filters):
                found.append(img)
        return found


def _check_status(row, expected_status):
    allowed = ([expected_status] if isinstance(expected_status, str)
               else list(expected_status))
    if row.status not in allowed:
        raise exception.Conflict(
            reason='Image status transition from %s is not allowed'
            % row.status)


def _apply(row, values):
    for key, value in values.items():
        if key in COLUMNS and key not in ('id', 'created_at'):
            setattr(row, key, value)
    row.updated_at = datetime.datetime.now(
        datetime.timezone.utc).replace(tzinfo=None)


@session.retry
def update(ctx, image_id, values, expected_status=None):
    """Update an image; with ``expected_status`` (value or list) write
    nothing and raise Conflict unless the status is one of them."""
    with session.writer(ctx) as s:
        row = _get(s, ctx, image_id, for_update=True)
        if expected_status is not None:
            _check_status(row, expected_status)
        _apply(row, values)
        s.flush()
        return row.as_dict()


@session.retry
def modify(ctx, image_id, change):
    """Read-modify-write in one transaction: ``change(image_dict)`` returns
    the column values to write (properties and tags as whole new values),
    or raises to write nothing. Returns the updated image."""
    with session.writer(ctx) as s:
        row = _get(s, ctx, image_id, for_update=True)
        _apply(row, change(copy.deepcopy(row.as_dict())))
        s.flush()
        return row.as_dict()


@session.retry
def destroy(ctx, image_id):
    """Mark the image deleted (status ``deleted``); returns its dict."""
    with session.writer(ctx) as s:
        row = _get(s, ctx, image_id, for_update=True)
        if row.protected:
            raise exception.Forbidden(
                message='Image %s is protected and cannot be deleted.'
                % image_id)
        row.deleted = True
        row.status = 'deleted'
        s.flush()
        return row.as_dict()
