"""Availability zones as Nova derives them: a compute host's zone is the
``availability_zone`` metadata of an aggregate it belongs to, else
``default_availability_zone`` ("nova"); every other service is in the
internal zone ("internal")."""

from novalite.common.db import aggregates as aggregates_db

DEFAULT_AZ = 'nova'
INTERNAL_AZ = 'internal'
COMPUTE_BINARY = 'novalite-compute'


def host_zones(ctx):
    """{host: zone} for the hosts that an aggregate puts in a zone."""
    return aggregates_db.host_zones(ctx)


def service_zone(service, zones):
    if service['binary'] != COMPUTE_BINARY:
        return INTERNAL_AZ
    return zones.get(service['host'], DEFAULT_AZ)


def requested_zone(ctx, text):
    """(zone, forced destination) from a create request's
    ``availability_zone``: ``zone``, ``zone:host``, ``zone:host:node`` or
    ``zone::node`` (the forms with a host need create:forced_host, checked
    by the caller). 400 with Nova's messages for a zone no host is in or
    a host or node that does not exist."""
    from novalite.api import faults
    from novalite.common.db import placement
    if not text:
        return None, None
    zone, _, rest = text.partition(':')
    host, _, node = rest.partition(':')
    zone = zone or None
    if zone not in (None, DEFAULT_AZ) and \
            zone not in set(aggregates_db.host_zones(ctx).values()):
        raise faults.bad_request('The requested availability zone is not '
                                 'available')
    if not host and not node:
        return zone, None
    if not any((not host or n['host'] == host) and
               (not node or n['hypervisor_hostname'] == node)
               for n in placement.get_nodes_with_usage(ctx)):
        raise faults.bad_request('Compute host %s could not be found.'
                                 % (host or node))
    return zone, {'host': host or None, 'node': node or None}
