"""Flavors with their extra specs and project access. Flavor dicts carry
``extra_specs`` ({key: value}) and ``projects`` ([project_id])."""

import uuid

from sqlalchemy import delete, or_, select

from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception

# devstack's defaults: (flavorid, name, memory_mb, root_gb, vcpus). m1.nano
# has 128 MB as in newer devstack: the test guest's Debian cloud kernel
# cannot start in 64 (it decompresses itself to 16 MB + 51.5 MB).
DEFAULT_FLAVORS = (
    ('1', 'm1.tiny', 512, 1, 1),
    ('2', 'm1.small', 2048, 20, 1),
    ('3', 'm1.medium', 4096, 40, 2),
    ('4', 'm1.large', 8192, 80, 4),
    ('5', 'm1.xlarge', 16384, 160, 8),
    ('42', 'm1.nano', 128, 1, 1),
)

SORT_KEYS = ('flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb',
             'ephemeral_gb', 'swap', 'rxtx_factor', 'id', 'created_at')


def _to_dicts(s, rows):
    """Flavor dicts with extra specs and projects: two queries in all."""
    rows = list(rows)
    ids = [r.id for r in rows]
    specs, projects = {}, {}
    if ids:
        for spec in s.execute(select(models.FlavorExtraSpec).where(
                models.FlavorExtraSpec.flavor_id.in_(ids))).scalars():
            specs.setdefault(spec.flavor_id, {})[spec.key] = spec.value
        for proj in s.execute(select(models.FlavorProject).where(
                models.FlavorProject.flavor_id.in_(ids))).scalars():
            projects.setdefault(proj.flavor_id, []).append(proj.project_id)
    result = []
    for row in rows:
        d = row.as_dict()
        d['extra_specs'] = specs.get(row.id, {})
        d['projects'] = projects.get(row.id, [])
        result.append(d)
    return result


@session.retry
def create(ctx, values, extra_specs=None, projects=None):
    """Create a flavor from column ``values``; ``flavorid`` defaults to a
    new uuid. Raises FlavorExists on a taken name or flavorid."""
    values = dict(values)
    if not values.get('flavorid'):
        values['flavorid'] = str(uuid.uuid4())
    with session.writer(ctx) as s:
        for field in ('flavorid', 'name'):
            taken = s.execute(select(models.Flavor.id).filter_by(
                **{field: values[field]})).first()
            if taken:
                raise exception.FlavorExists(field='name' if field == 'name'
                                             else 'ID', value=values[field])
        row = models.Flavor(**values)
        s.add(row)
        try:
            s.flush()
        except session.DBDuplicateEntry:
            raise exception.FlavorExists(field='name', value=values['name'])
        for key, value in (extra_specs or {}).items():
            s.add(models.FlavorExtraSpec(flavor_id=row.id, key=key,
                                         value=value))
        for project_id in projects or []:
            s.add(models.FlavorProject(flavor_id=row.id,
                                       project_id=project_id))
        s.flush()
        return _to_dicts(s, [row])[0]


def get_by_flavorid(ctx, flavorid):
    with session.reader(ctx) as s:
        row = s.execute(select(models.Flavor).filter_by(
            flavorid=str(flavorid))).scalar_one_or_none()
        if row is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        return _to_dicts(s, [row])[0]


def get_all(ctx, filters=None, sort_key='flavorid', sort_dir='asc',
            limit=None, marker=None):
    """Flavors matching ``filters``: is_public (True/False/None = both),
    min_memory_mb, min_root_gb, disabled, project_id (private flavors
    shared with that project are included). ``marker`` is a flavorid."""
    filters = filters or {}
    if sort_key not in SORT_KEYS:
        raise exception.Invalid(reason='Invalid sort key %s' % sort_key)
    column = getattr(models.Flavor, sort_key)
    with session.reader(ctx) as s:
        query = select(models.Flavor)
        if filters.get('min_memory_mb') is not None:
            query = query.where(models.Flavor.memory_mb
                                >= filters['min_memory_mb'])
        if filters.get('min_root_gb') is not None:
            query = query.where(models.Flavor.root_gb
                                >= filters['min_root_gb'])
        if filters.get('disabled') is not None:
            query = query.where(models.Flavor.disabled == filters['disabled'])
        is_public = filters.get('is_public', True)
        project_id = filters.get('project_id')
        if is_public is not None:
            cond = models.Flavor.is_public == bool(is_public)
            if is_public and project_id:
                shared = select(models.FlavorProject.flavor_id).filter_by(
                    project_id=project_id)
                cond = or_(cond, models.Flavor.id.in_(shared))
            query = query.where(cond)
        if marker is not None:
            mrow = s.execute(select(models.Flavor).filter_by(
                flavorid=str(marker))).scalar_one_or_none()
            if mrow is None:
                raise exception.Invalid(message='marker [%s] not found'
                                        % marker)
            mval = getattr(mrow, sort_key)
            if sort_dir == 'desc':
                query = query.where(or_(column < mval, (column == mval) &
                                        (models.Flavor.id < mrow.id)))
            else:
                query = query.where(or_(column > mval, (column == mval) &
                                        (models.Flavor.id > mrow.id)))
        if sort_dir == 'desc':
            query = query.order_by(column.desc(), models.Flavor.id.desc())
        else:
            query = query.order_by(column.asc(), models.Flavor.id.asc())
        if limit is not None:
            query = query.limit(limit)
        return _to_dicts(s, s.execute(query).scalars())


@session.retry
def update_description(ctx, flavorid, description):
    """Set the flavor's description (2.55); returns the flavor dict.
    Raises FlavorNotFound."""
    with session.writer(ctx) as s:
        row = s.execute(select(models.Flavor).filter_by(
            flavorid=str(flavorid))).scalar_one_or_none()
        if row is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        row.description = description
        s.flush()
        return _to_dicts(s, [row])[0]


@session.retry
def destroy(ctx, flavorid):
    with session.writer(ctx) as s:
        row = s.execute(select(models.Flavor).filter_by(
            flavorid=str(flavorid))).scalar_one_or_none()
        if row is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        s.execute(delete(models.FlavorExtraSpec).filter_by(flavor_id=row.id))
        s.execute(delete(models.FlavorProject).filter_by(flavor_id=row.id))
        s.delete(row)


def create_default_flavors(ctx):
    """devstack's m1.* flavors (and m1.nano 42); only the missing ones are
    created. Returns the flavors created."""
    existing = {f['flavorid'] for f in get_all(ctx, {'is_public': None})}
    names = {f['name'] for f in get_all(ctx, {'is_public': None})}
    created = []
    for flavorid, name, ram, disk, vcpus in DEFAULT_FLAVORS:
        if flavorid in existing or name in names:
            continue
        try:
            created.append(create(ctx, {
                'flavorid': flavorid, 'name': name, 'memory_mb': ram,
                'root_gb': disk, 'vcpus': vcpus}))
        except exception.FlavorExists:
            pass  # created concurrently: that is fine
    return created
