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


# Nova's BDM v2 destinations and sources that need a block storage service.
_VOLUME_SOURCES = ('volume', 'snapshot')


def boot_image_ref(req):
    """The image to boot: ``imageRef``, or the ``block_device_mapping_v2``
    entry with boot_index 0, source image and destination local (what
    Horizon and novaclient send to boot from an image). Local blank disks
    (ephemeral, swap) are the flavor's. Anything needing a volume is
    refused with a 400: novalite has no block storage service.

    :raises: Fault 400
    """
    image_ref = req.get('imageRef')
    for bdm in req.get('block_device_mapping_v2') or []:
        if not isinstance(bdm, dict):
            raise faults.bad_request('Block Device Mapping is Invalid: '
                                     'each entry must be an object.')
        source = bdm.get('source_type')
        dest = bdm.get('destination_type') or 'local'
        if source in _VOLUME_SOURCES or dest == 'volume':
            raise faults.bad_request(
                'Block Device Mapping is Invalid: volumes are not '
                'supported: this cloud has no block storage service.')
        if source not in ('image', 'blank'):
            raise faults.bad_request('Block Device Mapping is Invalid: '
                                     'source_type %s is not supported.'
                                     % source)
        boot = str(bdm.get('boot_index')) == '0'
        if source == 'image' and boot and not image_ref:
            image_ref = bdm.get('uuid')
    if req.get('block_device_mapping'):
        raise faults.bad_request('Block Device Mapping is Invalid: volumes '
                                 'are not supported: this cloud has no '
                                 'block storage service.')
    return image_ref
