"""A flavor's extra specs and project access, changed one flavor at a time
(os-extra_specs, os-flavor-access and the addTenantAccess /
removeTenantAccess actions). Reads go through common/db/flavors.py, whose
flavor dicts carry ``extra_specs`` and ``projects``."""

from sqlalchemy import delete, select

from novalite.common.db import models
from novalite.common.db import session
from novalite.common import exception


class FlavorExtraSpecsNotFound(exception.NotFound):
    msg_fmt = 'Flavor %(flavor_id)s has no extra specs with key %(key)s.'


class FlavorAccessExists(exception.Conflict):
    msg_fmt = ('Flavor access already exists for flavor %(flavor_id)s and '
               'project %(project_id)s combination.')


class FlavorAccessNotFound(exception.NotFound):
    msg_fmt = ('Flavor access not found for %(flavor_id)s / %(project_id)s '
               'combination.')


def visible(ctx, flavor):
    """Whether ``ctx`` may see the ``flavor`` dict: public, shared with
    its project, or an admin (Nova's flavor query for a non-admin)."""
    return bool(ctx.is_admin or flavor.get('is_public', True)
                or ctx.project_id in (flavor.get('projects') or []))


def _flavor(s, flavorid):
    row = s.execute(select(models.Flavor).filter_by(
        flavorid=str(flavorid))).scalar_one_or_none()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


def _specs(s, flavor_id):
    return {r.key: r.value for r in s.execute(
        select(models.FlavorExtraSpec).filter_by(flavor_id=flavor_id)
        .order_by(models.FlavorExtraSpec.key)).scalars()}


@session.retry_on_duplicate
@session.retry
def extra_specs_update(ctx, flavorid, specs):
    """Set ``specs`` ({key: str}) on the flavor, other keys kept; returns
    all its extra specs. Raises FlavorNotFound."""
    with session.writer(ctx) as s:
        row = _flavor(s, flavorid)
        current = {r.key: r for r in s.execute(
            select(models.FlavorExtraSpec).filter_by(flavor_id=row.id))
            .scalars()}
        for key, value in specs.items():
            if key in current:
                current[key].value = value
            else:
                s.add(models.FlavorExtraSpec(flavor_id=row.id, key=key,
                                             value=value))
        s.flush()
        return _specs(s, row.id)


@session.retry
def extra_spec_delete(ctx, flavorid, key):
    """Raises FlavorNotFound, FlavorExtraSpecsNotFound."""
    with session.writer(ctx) as s:
        row = _flavor(s, flavorid)
        gone = s.execute(delete(models.FlavorExtraSpec).filter_by(
            flavor_id=row.id, key=key))
        if not gone.rowcount:
            raise FlavorExtraSpecsNotFound(flavor_id=flavorid, key=key)


def _projects(s, flavor_id):
    return list(s.execute(select(models.FlavorProject.project_id).filter_by(
        flavor_id=flavor_id).order_by(models.FlavorProject.id)).scalars())


@session.retry
def access_add(ctx, flavorid, project_id):
    """Give ``project_id`` the flavor; returns the projects that have it.
    Raises FlavorNotFound, FlavorAccessExists."""
    try:
        with session.writer(ctx) as s:
            row = _flavor(s, flavorid)
            if project_id in _projects(s, row.id):
                raise FlavorAccessExists(flavor_id=flavorid,
                                         project_id=project_id)
            s.add(models.FlavorProject(flavor_id=row.id,
                                       project_id=project_id))
            s.flush()
            return _projects(s, row.id)
    except session.DBDuplicateEntry:
        # A concurrent add of the same project won the race.
        raise FlavorAccessExists(flavor_id=flavorid, project_id=project_id)


@session.retry
def access_remove(ctx, flavorid, project_id):
    """Take the flavor from ``project_id``; returns the projects left.
    Raises FlavorNotFound, FlavorAccessNotFound."""
    with session.writer(ctx) as s:
        row = _flavor(s, flavorid)
        gone = s.execute(delete(models.FlavorProject).filter_by(
            flavor_id=row.id, project_id=project_id))
        if not gone.rowcount:
            raise FlavorAccessNotFound(flavor_id=flavorid,
                                       project_id=project_id)
        return _projects(s, row.id)
