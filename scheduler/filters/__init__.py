"""Host filters by the names ``[scheduler] enabled_filters`` uses."""

from novalite.scheduler.filters import affinity_filter
from novalite.scheduler.filters import aggregate_extra_specs
from novalite.scheduler.filters import availability_zone_filter
from novalite.scheduler.filters import compute_filter
from novalite.scheduler.filters import resource_filters

FILTERS = {cls.__name__: cls for cls in (
    compute_filter.ComputeFilter, resource_filters.RamFilter,
    resource_filters.DiskFilter, resource_filters.CoreFilter,
    availability_zone_filter.AvailabilityZoneFilter,
    aggregate_extra_specs.AggregateInstanceExtraSpecsFilter,
    affinity_filter.ServerGroupAffinityFilter,
    affinity_filter.ServerGroupAntiAffinityFilter)}


def get_filters(names):
    """Filter instances for ``names``, in order.

    :raises: ValueError naming an unknown filter (a config error, so the
        scheduler refuses to start rather than silently skip it).
    """
    unknown = [n for n in names if n not in FILTERS]
    if unknown:
        raise ValueError('Unknown scheduler filter(s): %s; available: %s'
                         % (', '.join(unknown), ', '.join(sorted(FILTERS))))
    return [FILTERS[n]() for n in names]
