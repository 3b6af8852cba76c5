"""Quota limits as stored (project, project-user and class rows) and the
usage counts the quota engine (``api/quota.py``) checks them against.
Usage is counted, never stored (Nova's counting quotas)."""

from sqlalchemy import delete, func, select, update

from novalite.common.db import keypairs
from novalite.common.db import models
from novalite.common.db import session

_TABLES = {'project': models.Quota, 'user': models.ProjectUserQuota,
           'class': models.QuotaClass}


def _as_map(rows):
    return {r.resource: r.hard_limit for r in rows}


def get_class(ctx, class_name):
    """{resource: limit} of the class's rows."""
    with session.reader(ctx) as s:
        return _as_map(s.execute(select(models.QuotaClass).filter_by(
            class_name=class_name)).scalars())


def get_project(ctx, project_id):
    with session.reader(ctx) as s:
        return _as_map(s.execute(select(models.Quota).filter_by(
            project_id=project_id)).scalars())


def get_user(ctx, project_id, user_id):
    with session.reader(ctx) as s:
        return _as_map(s.execute(select(models.ProjectUserQuota).filter_by(
            project_id=project_id, user_id=user_id)).scalars())


def get_stack(ctx, project_id, user_id):
    """(default class rows, project rows, user rows) in one transaction:
    what a quota check on a boot reads."""
    with session.reader(ctx) as s:
        default = _as_map(s.execute(select(models.QuotaClass).filter_by(
            class_name='default')).scalars())
        project = _as_map(s.execute(select(models.Quota).filter_by(
            project_id=project_id)).scalars())
        user = _as_map(s.execute(select(models.ProjectUserQuota).filter_by(
            project_id=project_id, user_id=user_id)).scalars())
    return default, project, user


def get_all_users(ctx, project_id):
    """{user_id: {resource: limit}} of every user quota of the project."""
    found = {}
    with session.reader(ctx) as s:
        for row in s.execute(select(models.ProjectUserQuota).filter_by(
                project_id=project_id)).scalars():
            found.setdefault(row.user_id, {})[row.resource] = row.hard_limit
    return found


@session.retry
@session.retry_on_duplicate
def set_limits(ctx, kind, key, limits):
    """Create or update rows: ``kind`` 'project' (key: project_id), 'user'
    (key: (project_id, user_id)) or 'class' (key: class_name)."""
    model = _TABLES[kind]
    if kind == 'project':
        where = {'project_id': key}
    elif kind == 'user':
        where = {'project_id': key[0], 'user_id': key[1]}
    else:
        where = {'class_name': key}
    with session.writer(ctx) as s:
        existing = {r.resource: r for r in s.execute(
            select(model).filter_by(**where)).scalars()}
        for resource, limit in limits.items():
            row = existing.get(resource)
            if row is None:
                s.add(model(resource=resource, hard_limit=limit, **where))
            else:
                row.hard_limit = limit
        s.flush()


@session.retry
def destroy_project(ctx, project_id):
    """Drop the project's limits and those of its users."""
    with session.writer(ctx) as s:
        s.execute(delete(models.Quota).filter_by(project_id=project_id))
        s.execute(delete(models.ProjectUserQuota).filter_by(
            project_id=project_id))


@session.retry
def destroy_user(ctx, project_id, user_id):
    with session.writer(ctx) as s:
        s.execute(delete(models.ProjectUserQuota).filter_by(
            project_id=project_id, user_id=user_id))


def count_instances(s, project_id, user_id=None):
    """{'instances', 'cores', 'ram'} the live servers of the project (of
    one user of it, with ``user_id``) use, in an open session: one
    aggregate query over the flavor snapshots."""
    flavor = models.Instance.flavor
    query = select(func.count(models.Instance.id),
                   func.sum(flavor['vcpus'].as_integer()),
                   func.sum(flavor['memory_mb'].as_integer())).filter_by(
        project_id=project_id, deleted=0)
    if user_id is not None:
        query = query.filter_by(user_id=user_id)
    count, cores, ram = s.execute(query).one()
    return {'instances': int(count or 0), 'cores': int(cores or 0),
            'ram': int(ram or 0)}


def usage(ctx, project_id, user_id=None):
    """Counted usage: servers, cores, RAM, and key pairs of ``user_id``."""
    with session.reader(ctx) as s:
        used = count_instances(s, project_id, user_id)
        used['key_pairs'] = (keypairs.count_by_user(s, user_id)
                             if user_id is not None else 0)
    return used


def lock_project(s, project_id):
    """Take the project's quota guard inside the open writer session ``s``:
    until it commits, no other guarded transaction of the project runs."""
    bumped = s.execute(update(models.QuotaGuard).filter_by(
        project_id=project_id).values(
        generation=models.QuotaGuard.generation + 1)).rowcount
    if not bumped:
        s.add(models.QuotaGuard(project_id=project_id, generation=1))
        s.flush()   # a racing first insert: DBDuplicateEntry, retried


