"""Quota on server creation, as Nova's compute API checks it: how many of
the requested servers the project's [quota] limits still allow."""

from novalite.api import faults
from novalite.common.db import instances as instances_db

RESOURCES = ('instances', 'cores', 'ram')


def allowed_count(conf, ctx, flavor, min_count, max_count):
    """The number of servers to create: ``max_count`` when it fits, fewer
    (but at least ``min_count``) when only that many fit.

    :raises: Fault 403 "Quota exceeded for <resource>: ..." otherwise.
    """
    limits = {r: getattr(conf.quota, r) for r in RESOURCES}
    if all(limit < 0 for limit in limits.values()):
        return max_count
    each = {'instances': 1, 'cores': flavor['vcpus'],
            'ram': flavor['memory_mb']}
    used = instances_db.project_usage(ctx, ctx.project_id)
    count = max_count
    for resource in RESOURCES:
        limit = limits[resource]
        if limit < 0 or not each[resource]:
            continue
        fits = max(0, (limit - used[resource]) // each[resource])
        if fits < min_count:
            raise faults.Fault(403, (
                'Quota exceeded for %(r)s: Requested %(req)d, but already '
                'used %(used)d of %(limit)d %(r)s' % {
                    'r': resource, 'req': each[resource] * max_count,
                    'used': used[resource], 'limit': limit}))
        count = min(count, fits)
    return count
