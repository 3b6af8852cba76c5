"""Image records of the built-in Glance v2-compatible store (the bits are
files under ``[image] store_path``, handled by the API's image store)."""

import datetime
import uuid

from sqlalchemy import and_, or_, select

from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception

COLUMNS = frozenset(c.key for c in models.Image.__table__.columns)


def _visible(query, ctx):
    # Private images belong to their owner; admins see everything.
    if ctx.is_admin:
        return query
    return query.where(or_(models.Image.visibility != 'private',
                           models.Image.owner == ctx.project_id))


@session.retry
def create(ctx, values):
    """Create an image record from column ``values`` (``id`` generated when
    absent, ``owner`` defaults to the context's project)."""
    values = dict(values)
    values.setdefault('id', str(uuid.uuid4()))
    values.setdefault('owner', ctx.project_id)
    with session.writer(ctx) as s:
        row = models.Image(**values)
        s.add(row)
        try:
            s.flush()
        except session.DBDuplicateEntry:
            raise exception.Conflict(
                reason='Image with identifier %s already exists!'
                % values['id'])
        return row.as_dict()


def _get(s, ctx, image_id):
    row = s.execute(_visible(select(models.Image).filter_by(
        id=image_id, deleted=False), ctx)).scalar_one_or_none()
    if row is None:
        raise exception.ImageNotFound(image_id=image_id)
    return row


def get(ctx, image_id):
    with session.reader(ctx) as s:
        return _get(s, ctx, image_id).as_dict()


def get_all(ctx, filters=None, limit=None, marker=None):
    """Images visible to ``ctx``, newest first. ``filters``: name, status,
    visibility, owner. ``marker`` is an image id."""
    filters = filters or {}
    with session.reader(ctx) as s:
        query = _visible(select(models.Image).filter_by(deleted=False), ctx)
        for key in ('name', 'status', 'visibility', 'owner'):
            if filters.get(key) is not None:
                query = query.where(getattr(models.Image, key)
                                    == filters[key])
        if marker is not None:
            mrow = _get(s, ctx, marker)
            query = query.where(or_(
                models.Image.created_at < mrow.created_at,
                and_(models.Image.created_at == mrow.created_at,
                     models.Image.id < mrow.id)))
        query = query.order_by(models.Image.created_at.desc(),
                               models.Image.id.desc())
        if limit is not None:
            query = query.limit(limit)
        return [r.as_dict() for r in s.execute(query).scalars()]


@session.retry
def update(ctx, image_id, values, expected_status=None):
    """Update an image; with ``expected_status`` (value or list) write
    nothing and raise Conflict unless the status is one of them."""
    with session.writer(ctx) as s:
        row = _get(s, ctx, image_id)
        if expected_status is not None:
            allowed = ([expected_status] if isinstance(expected_status, str)
                       else list(expected_status))
            if row.status not in allowed:
                raise exception.Conflict(
                    reason='Image status transition from %s is not allowed'
                    % row.status)
        for key, value in values.items():
            if key in COLUMNS and key not in ('id', 'created_at'):
                setattr(row, key, value)
        row.updated_at = datetime.datetime.now(
            datetime.timezone.utc).replace(tzinfo=None)
        s.flush()
        return row.as_dict()


@session.retry
def destroy(ctx, image_id):
    """Mark the image deleted (status ``deleted``); returns its dict."""
    with session.writer(ctx) as s:
        row = _get(s, ctx, image_id)
        if row.protected:
            raise exception.Forbidden(
                message='Image %s is protected and cannot be deleted.'
                % image_id)
        row.deleted = True
        row.status = 'deleted'
        s.flush()
        return row.as_dict()
