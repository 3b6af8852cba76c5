"""POST /servers options of later microversions that need more than the
schema: 2.74 host / hypervisor_hostname (an admin's requested
destination, honored by the scheduler) and the 2.90 hostname."""

from novalite.api import faults
from novalite.api import policy
from novalite.common.db import placement

REQUESTED_DESTINATION = 'compute:servers:create:requested_destination'


def requested_destination(conf, ctx, req):
    """{'host', 'node'} the request names (2.74), checked against the
    compute nodes; None when it names none.

    :raises: PolicyNotAuthorized (403) unless the policy allows it (admin
        by default), 400 with Nova's
        message for a host or node that does not exist
    """
    host, node = req.get('host'), req.get('hypervisor_hostname')
    if not host and not node:
        return None
    policy.authorize(conf, ctx, REQUESTED_DESTINATION)
    nodes = placement.get_nodes_with_usage(ctx)
    if not any((not host or n['host'] == host) and
               (not node or n['hypervisor_hostname'] == node)
               for n in nodes):
        raise faults.bad_request('Compute host %s could not be found.'
                                 % (host or node))
    return {'host': host, 'node': node}


def check_hostname(req, max_count):
    """2.90: a hostname names one server."""
    if req.get('hostname') and max_count > 1:
        raise faults.bad_request('Cannot set hostname when creating more '
                                 'than one server.')
