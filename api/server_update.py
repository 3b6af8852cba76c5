"""PUT /servers/<id> after schema validation: the fields it may change
per microversion (name, access IPs, disk config; description from 2.19;
hostname from 2.90)."""

from novalite.api import access_ip
from novalite.common.db import instances as instances_db

# update body key -> instance column
_FIELDS = (('name', 'display_name'), ('accessIPv4', 'access_ip_v4'),
           ('accessIPv6', 'access_ip_v6'),
           ('OS-DCF:diskConfig', 'disk_config'),
           ('description', 'display_description'),
           ('hostname', 'hostname'))


def update(ctx, inst, req):
    """Write what ``req`` (the validated ``server`` dict) changes; returns
    the updated instance."""
    req = access_ip.normalize(dict(req))
    updates = {column: req[key] for key, column in _FIELDS if key in req}
    if not updates:
        return inst
    return instances_db.update(ctx, inst['uuid'], updates)
