"""/v2.1/os-availability-zone and /detail (Nova's availability_zone API):
zones with an enabled service are available, zones whose services are all
disabled are not; the list hides the internal zone, the detail (admin)
shows it and, per available zone, each enabled service by host with
whether it is up."""

import pecan

from novalite.api import policy
from novalite.api import request_env
from novalite.api import zones
from novalite.common.db import services as services_db

Z = 'os_compute_api:os-availability-zone:%s'


def _time(value):
    return value.isoformat(timespec='microseconds') if value else None


class AvailabilityZonesController:

    def __init__(self, conf):
        self.conf = conf

    def _zones(self, ctx):
        """(available {zone: [enabled services]}, [unavailable zones])."""
        zone_map = zones.host_zones(ctx)
        available, disabled = {}, set()
        for svc in sorted(services_db.get_all(ctx), key=lambda s: s['id']):
            zone = zones.service_zone(svc, zone_map)
            if svc['disabled']:
                disabled.add(zone)
            else:
                available.setdefault(zone, []).append(svc)
        return available, sorted(disabled - set(available))

    @pecan.expose('json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        policy.authorize(self.conf, ctx, Z % 'list')
        available, unavailable = self._zones(ctx)
        info = [{'zoneName': z, 'zoneState': {'available': True},
                 'hosts': None} for z in available if z != zones.INTERNAL_AZ]
        info += [{'zoneName': z, 'zoneState': {'available': False},
                  'hosts': None} for z in unavailable
                 if z != zones.INTERNAL_AZ]
        return {'availabilityZoneInfo': info}

    @pecan.expose('json')
    def detail(self):
        request_env.only_get()
        ctx = request_env.context()
        policy.authorize(self.conf, ctx, Z % 'detail')
        available, unavailable = self._zones(ctx)
        info = []
        for zone, svcs in available.items():
            hosts = {}
            for svc in svcs:
                hosts.setdefault(svc['host'], {})[svc['binary']] = {
                    'available': services_db.is_up(
                        svc, self.conf.service_down_time),
                    'active': not svc['disabled'],
                    'updated_at': _time(svc['updated_at'] or
                                        svc['created_at'])}
            info.append({'zoneName': zone, 'zoneState': {'available': True},
                         'hosts': hosts})
        info += [{'zoneName': z, 'zoneState': {'available': False},
                  'hosts': None} for z in unavailable]
        return {'availabilityZoneInfo': info}
