"""AvailabilityZoneFilter: with an availability zone asked for, only hosts
in it (a host's zone is its aggregates' ``availability_zone`` metadata,
else the default zone "nova"). One query per scheduling request."""

from novalite.common import context
from novalite.common.db import aggregates as aggregates_db
from novalite.scheduler.filters import base

DEFAULT_AZ = 'nova'


class AvailabilityZoneFilter(base.BaseHostFilter):

    def filter_all(self, hosts, spec):
        zone = spec.get('availability_zone')
        if not zone:
            return list(hosts)
        zones = aggregates_db.host_zones(context.get_admin_context())
        return [h for h in hosts if zones.get(h.host, DEFAULT_AZ) == zone]

    def host_passes(self, host, spec):
        return bool(self.filter_all([host], spec))

    def explain(self, host, spec):
        return 'not in availability zone %s' % spec.get('availability_zone')
