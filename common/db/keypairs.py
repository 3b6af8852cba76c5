"""Key pairs: per user, unique by name (Nova's key_pairs table). Key pair
dicts carry ``id, name, user_id, fingerprint, public_key, type,
created_at, updated_at``."""

from sqlalchemy import delete, func, select

from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception


class KeyPairExists(exception.NovaliteException):
    code = 409
    msg_fmt = "Key pair '%(key_name)s' already exists."


class KeypairNotFound(exception.NovaliteException):
    code = 404
    msg_fmt = 'Keypair %(name)s not found for user %(user_id)s'


class MarkerNotFound(exception.NovaliteException):
    code = 400
    msg_fmt = 'Marker %(marker)s could not be found.'


def _get(s, user_id, name):
    return s.execute(select(models.KeyPair).filter_by(
        user_id=user_id, name=name)).scalar_one_or_none()


@session.retry
def create(ctx, values, check=None):
    """Write a key pair; ``check(session)`` runs first in the transaction
    (the quota count). Raises KeyPairExists on a taken name."""
    with session.writer(ctx) as s:
        if check is not None:
            check(s)
        if _get(s, values['user_id'], values['name']) is not None:
            raise KeyPairExists(key_name=values['name'])
        row = models.KeyPair(**values)
        s.add(row)
        try:
            s.flush()
        except session.DBDuplicateEntry:
            raise KeyPairExists(key_name=values['name'])
        return row.as_dict()


def get(ctx, user_id, name):
    with session.reader(ctx) as s:
        row = _get(s, user_id, name)
        if row is None:
            raise KeypairNotFound(name=name, user_id=user_id)
        return row.as_dict()


def get_all(ctx, user_id, limit=None, marker=None):
    """The user's key pairs by id; ``marker`` names the last one seen."""
    with session.reader(ctx) as s:
        query = select(models.KeyPair).filter_by(user_id=user_id)
        if marker is not None:
            row = _get(s, user_id, marker)
            if row is None:
                raise MarkerNotFound(marker=marker)
            query = query.where(models.KeyPair.id > row.id)
        query = query.order_by(models.KeyPair.id)
        if limit is not None:
            query = query.limit(limit)
        return [r.as_dict() for r in s.execute(query).scalars()]


def count_by_user(s, user_id):
    """Key pairs of ``user_id``, inside an open session ``s``."""
    return s.execute(select(func.count(models.KeyPair.id)).filter_by(
        user_id=user_id)).scalar()


def count(ctx, user_id):
    with session.reader(ctx) as s:
        return count_by_user(s, user_id)


@session.retry
def destroy(ctx, user_id, name):
    with session.writer(ctx) as s:
        result = s.execute(delete(models.KeyPair).filter_by(
            user_id=user_id, name=name))
        if not result.rowcount:
            raise KeypairNotFound(name=name, user_id=user_id)
