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
