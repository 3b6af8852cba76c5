"""A server's security groups (Nova's os-security-groups extension on
servers, against the built-in registry): GET /servers/<id>/os-security-groups
and the addSecurityGroup / removeSecurityGroup actions (202). The group is
a name or id in the server's project; 404 for an unknown one or for one the
server is not in (Nova's messages); adding a group the server has already
changes nothing, as Neutron keeps a port's groups a set. Running guests get
the new filters (api/secgroup_refresh.py).

Policy: ``os_compute_api:os-security-groups:list`` (project reader),
``:add`` and ``:remove`` (project member)."""

import pecan

from novalite.api import faults
from novalite.api import request_env
from novalite.api import secgroup_refresh
from novalite.api import server_lookup
from novalite.common.db import server_security_groups as sg_db

POLICY = 'os_compute_api:os-security-groups:%s'
ACTIONS = {'addSecurityGroup': 'add', 'removeSecurityGroup': 'remove'}


def _group_name(body, action):
    """The group a ``{action: {"name": ...}}`` body names (Nova's
    _parse and its 400 messages)."""
    group = body[action]
    if not isinstance(group, dict):
        raise faults.bad_request('Missing parameter dict')
    if 'name' not in group:
        raise faults.bad_request('Security group not specified')
    name = group['name']
    if not isinstance(name, str) or not name.strip():
        raise faults.bad_request('Security group name cannot be empty')
    return name


def action(conf, ctx, server_id, body):
    """POST /servers/<id>/action with addSecurityGroup or
    removeSecurityGroup: the server (404), the policy on its project (403),
    the body (400), then the change and the refresh of running guests."""
    (key,) = body
    inst = server_lookup.get(conf, ctx, server_id, POLICY % ACTIONS[key])
    name = _group_name(body, key)
    old = sg_db.change(ctx, inst, name, add=key == 'addSecurityGroup')
    secgroup_refresh.instances_changed(conf, ctx, [inst['uuid']],
                                       old_groups=old)


class ServerSecurityGroupsController:
    """/servers/<id>/os-security-groups"""

    def __init__(self, conf, server_id):
        self.conf = conf
        self.server_id = server_id

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        inst = server_lookup.get(self.conf, ctx, self.server_id,
                                 POLICY % 'list')
        return {'security_groups': sg_db.list_for_instance(ctx, inst)}
