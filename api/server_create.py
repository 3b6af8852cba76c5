"""POST /servers after schema validation: check what the body refers to,
write the instances (one transaction), then cast to the conductor."""

import re
import secrets
import string
import uuid

from oslo_log import log as logging

from novalite.api import access_ip
from novalite.api import create_options
from novalite.api import faults
from novalite.api import image_api
from novalite.api import policy
from novalite.api import quota
from novalite.api import zones
from novalite.api.schemas import common
from novalite.api.schemas import server_groups as server_groups_schema
from novalite.api import validation
from novalite.common.db import flavor_extras
from novalite.common.db import flavors as flavors_db
from novalite.common.db import instances as instances_db
from novalite.common.db import keypairs as keypairs_db
from novalite.common.db import network_api
from novalite.common.db import networks as networks_db
from novalite.common.db import server_groups as server_groups_db
from novalite.common import exception
from novalite.common import states

LOG = logging.getLogger(__name__)
DEFAULT_AZ = 'nova'
CREATE = 'os_compute_api:servers:%s'
_PASSWORD_CHARS = string.ascii_letters + string.digits
GiB = 1024 ** 3


def generate_password(length=12):
    return ''.join(secrets.choice(_PASSWORD_CHARS) for _ in range(length))


def reservation_id():
    alphabet = string.ascii_lowercase + string.digits
    return 'r-' + ''.join(secrets.choice(alphabet) for _ in range(8))


def hostname_from(name):
    """A DNS label from a display name, as Nova sanitizes it."""
    text = re.sub(r'[^\w.-]+', '-', (name or '').lower().replace('_', '-'))
    text = re.sub(r'[^a-z0-9.-]', '', text).strip('.-')[:63].strip('.-')
    return text or 'server'


def flavor_snapshot(flavor):
    keys = ('id', 'flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb',
            'ephemeral_gb', 'swap', 'extra_specs')
    return {k: flavor.get(k) for k in keys}


def _flavor(ctx, ref):
    try:
        flavor = flavors_db.get_by_flavorid(ctx, str(ref))
    except exception.FlavorNotFound:
        raise faults.bad_request('Invalid flavorRef provided.')
    if not flavor_extras.visible(ctx, flavor):
        # A private flavor not shared with the project (Nova finds none).
        raise faults.bad_request('Invalid flavorRef provided.')
    return flavor


def _image(conf, ctx, ref):
    if not ref:
        raise faults.bad_request('Booting without an image (from a volume) '
                                 'is not supported.')
    try:
        image = image_api.get(conf, ctx, ref)
    except exception.ImageNotFound:
        raise faults.bad_request('Image %s could not be found.' % ref)
    if image['status'] != 'active':
        raise faults.bad_request('Image %s is not active.' % ref)
    return image


def check_flavor_fits_image(flavor, image):
    """Nova's _validate_flavor_image_nostatus for a local root disk: the
    image's min_ram, and its size and min_disk against root_gb. A root_gb 0
    flavor is not checked for disk (Nova: its disk takes the image's size).

    :raises: Fault 400 with Nova's messages
    """
    if int(image.get('min_ram') or 0) > int(flavor['memory_mb'] or 0):
        raise faults.bad_request("Flavor's memory is too small for "
                                 "requested image.")
    dest_size = int(flavor.get('root_gb') or 0) * GiB
    if not dest_size:
        return
    image_size = int(image.get('size') or 0)
    if image_size > dest_size:
        raise faults.bad_request(
            "Flavor's disk is too small for requested image. Flavor disk is "
            "%d bytes, image is %d bytes." % (dest_size, image_size))
    min_disk = int(image.get('min_disk') or 0) * GiB
    if min_disk > dest_size:
        raise faults.bad_request(
            "Flavor's disk is smaller than the minimum size specified in "
            "image metadata. Flavor disk is %d bytes, minimum size is %d "
            "bytes." % (dest_size, min_disk))


def _network_uuids(ctx, requested, version):
    """Network uuids to put one port on each; [] for no NIC."""
    if requested == 'none':
        return []
    if requested is None or requested == 'auto':
        try:
            return [networks_db.get_default_network(ctx)['uuid']]
        except exception.NetworkNotFound:
            if requested == 'auto':
                raise faults.bad_request('Unable to automatically allocate '
                                         'a network for project %s'
                                         % ctx.project_id)
            return []
    uuids = []
    entries = []
    for item in requested:
        if item.get('fixed_ip'):
            raise faults.bad_request('Requesting a fixed IP is not '
                                     'supported yet.')
        if item.get('port'):
            entries.append({'port': _free_port(ctx, item['port'])})
            continue
        if not item.get('uuid'):
            raise faults.bad_request('Bad networks format: network uuid is '
                                     'not in proper format (%s)'
                                     % item.get('uuid'))
        uuids.append(item['uuid'])
        entries.append(item['uuid'])
    known = {n['uuid'] for n in networks_db.get_networks(ctx, uuids)}
    for net_uuid in uuids:
        if net_uuid not in known:
            raise faults.bad_request('Network %s could not be found.'
                                     % net_uuid)
    return entries


def _free_port(ctx, port_id):
    """``port_id`` if it is the caller's (400 otherwise) and no server's
    (409 otherwise), as Nova asks Neutron."""
    try:
        port = network_api.get_port(ctx, str(port_id))
    except network_api.Error:
        raise faults.bad_request('Port id %s could not be found.' % port_id)
    if port['device_id']:
        raise faults.Fault(409, 'Port %s is still in use.' % port_id)
    return port['id']


def _security_groups(ctx, requested):
    names = [g['name'] for g in requested or []] or ['default']
    if requested:
        # A name or (as the openstack CLI sends) a group's id.
        found = {}
        for group in networks_db.get_security_groups(ctx, names):
            found[group['name']] = found[group['uuid']] = group['name']
        for name in names:
            if name not in found:
                raise faults.bad_request('Security group %s not found.'
                                         % name)
        names = [found[name] for name in names]
    return list(dict.fromkeys(names))


def key_data(ctx, key_name):
    """The public key of the caller's key pair ``key_name`` (None for
    none); 400 "Invalid key_name provided." when the user has no such
    key pair (Nova)."""
    if key_name is None:
        return None
    try:
        return keypairs_db.get(ctx, ctx.user_id, key_name)['public_key']
    except keypairs_db.KeypairNotFound:
        raise faults.bad_request('Invalid key_name provided.')


def _hints(body):
    return body.get('os:scheduler_hints') or body.get(
        'OS-SCH-HNT:scheduler_hints') or {}


def server_group(conf, ctx, body, count):
    """The server group the ``group`` scheduler hint names (None without
    one): the caller's project's (any for an admin), with room for
    ``count`` more of the user's servers (checked again when they join).

    :raises: Fault 400 "Instance group ... could not be found.", 403
        "Quota exceeded, too many servers in group"
    """
    hints = _hints(body)
    validation.validate(server_groups_schema.group_hint, hints)
    group_uuid = hints.get('group')
    if not group_uuid:
        return None
    try:
        group = server_groups_db.get(
            ctx, group_uuid, None if ctx.is_admin else ctx.project_id)
    except server_groups_db.InstanceGroupNotFound as exc:
        raise faults.bad_request(exc.message)
    limit = quota.server_group_members_limit(conf, ctx)
    if limit >= 0:
        mine = server_groups_db.counts_members(ctx, group['id'],
                                               ctx.user_id)
        if mine + count > limit:
            raise faults.Fault(403, server_groups_db.MembersOverQuota.msg_fmt)
    group['members_limit'] = limit
    return group


def _join_group(ctx, plan, created):
    """Make the servers just written members of their group, under its
    guard (the member quota counted again); on failure delete them."""
    group = plan.get('group')
    if not group:
        return
    try:
        server_groups_db.add_members(
            ctx, group['uuid'], [i['uuid'] for i in created], ctx.user_id,
            limit=group['members_limit'])
    except (server_groups_db.InstanceGroupNotFound,
            server_groups_db.MembersOverQuota) as exc:
        for inst in created:
            instances_db.destroy(ctx, inst['uuid'])
        if exc.code == 404:
            raise faults.bad_request(exc.message)
        raise faults.Fault(exc.code, exc.message)


def _authorize(conf, ctx, req):
    """Nova's create rules, on the caller's own project: ``create``,
    ``create:forced_host`` for an availability zone naming a host
    (``zone:host``), ``requested_destination`` for the 2.74 host /
    hypervisor_hostname, ``create:attach_network`` for networks asked
    for."""
    policy.authorize(conf, ctx, CREATE % 'create')
    if ':' in (req.get('availability_zone') or ''):
        policy.authorize(conf, ctx, CREATE % 'create:forced_host')
    if req.get('host') or req.get('hypervisor_hostname'):
        policy.authorize(conf, ctx, create_options.REQUESTED_DESTINATION)
    if req.get('networks') not in (None, 'none'):
        policy.authorize(conf, ctx, CREATE % 'create:attach_network')


def prepare(conf, ctx, body, version):
    """Check the request against the database and the project's quota;
    returns what ``create`` writes. Raises 400/403 faults, writes
    nothing."""
    req = body['server']
    _authorize(conf, ctx, req)
    min_count = int(req.get('min_count', 1))
    max_count = int(req.get('max_count', min_count))
    if min_count > max_count:
        raise faults.bad_request('min_count must be <= max_count')
    cap = conf.api.max_instances_per_request
    if max_count > cap:
        # Before any lookup: quota may be unlimited, this bound is not.
        raise faults.bad_request(
            'max_count (%d) exceeds the maximum number of instances per '
            'request (%d).' % (max_count, cap))
    create_options.check_hostname(req, max_count)
    destination = create_options.requested_destination(conf, ctx, req)
    # zone, zone:host, zone:host:node, zone::node (forced, admins).
    az, forced = zones.requested_zone(ctx, req.get('availability_zone'))
    destination = destination or forced
    flavor = _flavor(ctx, req['flavorRef'])
    image = _image(conf, ctx, create_options.boot_image_ref(req))
    check_flavor_fits_image(flavor, image)
    public_key = key_data(ctx, req.get('key_name'))
    if req.get('metadata'):
        quota.check_metadata_items(ctx, len(req['metadata']), conf)
    injected = quota.check_injected_files(conf, ctx, req.get('personality'))
    limits = {}
    count = quota.allowed_count(conf, ctx, flavor, min_count, max_count,
                                limits)
    group = server_group(conf, ctx, body, count)
    return {
        'group': group,
        'key_data': public_key,
        'quota_guard': quota.instances_guard(conf, ctx, limits),
        'req': req, 'count': count, 'flavor': flavor, 'image': image,
        'network_uuids': _network_uuids(ctx, req.get('networks'), version),
        'security_groups': _security_groups(ctx, req.get('security_groups')),
        'az': az, 'destination': destination, 'injected_files': injected,
    }


def _instance_values(ctx, plan, index, res_id):
    req = plan['req']
    name = req['name']
    if plan['count'] > 1:
        name = '%s-%d' % (name, index + 1)
    return {
        'display_name': name,
        'display_description': req.get('description'),
        'hostname': req.get('hostname') or hostname_from(name),
        'tags': req.get('tags') or [],
        'trusted_certs': req.get('trusted_image_certificates'),
        'image_ref': plan['image']['id'],
        'flavor': flavor_snapshot(plan['flavor']),
        'availability_zone': plan['az'],
        'key_name': req.get('key_name'),
        'key_data': plan.get('key_data'),
        'reservation_id': res_id,
        'launch_index': index,
        'config_drive': ('True' if common.to_bool(
            req.get('config_drive', False)) else ''),
        'access_ip_v4': req.get('accessIPv4'),
        'access_ip_v6': access_ip.canonical_v6(req.get('accessIPv6')),
        'disk_config': req.get('OS-DCF:diskConfig', 'MANUAL'),
        'user_data': req.get('user_data'),
        'metadata': req.get('metadata', {}),
        'security_groups': plan['security_groups'],
        'vm_state': states.BUILDING,
        'task_state': states.SCHEDULING,
        'power_state': states.NOSTATE,
    }


def _request_spec(ctx, plan, body):
    image = plan['image']
    hints = _hints(body)
    group = plan.get('group')
    return {
        'instance_group': group and {
            k: group[k] for k in ('uuid', 'policy', 'rules')},
        'project_id': ctx.project_id, 'user_id': ctx.user_id,
        'flavor': flavor_snapshot(plan['flavor']),
        'image': {k: image.get(k) for k in (
            'id', 'name', 'min_disk', 'min_ram', 'disk_format',
            'container_format', 'size', 'properties')},
        'num_instances': plan['count'],
        'availability_zone': plan['az'],
        'ignore_hosts': [],
        'scheduler_hints': hints,
        'requested_destination': plan.get('destination'),
        'injected_files': plan.get('injected_files') or [],
    }


def create(ctx, conductor, plan, body):
    """Write the instances and ask the conductor to build them.

    :returns: (instances, admin_password, reservation_id)
    """
    res_id = reservation_id()
    values = [_instance_values(ctx, plan, i, res_id)
              for i in range(plan['count'])]
    for value in values:
        value['uuid'] = str(uuid.uuid4())
    spec = _request_spec(ctx, plan, body)
    spec['instance_uuids'] = [v['uuid'] for v in values]
    if plan['count'] > 1 and any(isinstance(n, dict)
                                 for n in plan['network_uuids']):
        raise faults.bad_request(
            'Unable to launch multiple instances with a single configured '
            'port ID. Please launch your instance one by one with '
            'different ports.')
    try:
        # Over quota (a concurrent boot took the room since the check
        # above): 403 from inside the transaction, nothing written.
        created = instances_db.create_instances(
            ctx, values, spec, plan['network_uuids'],
            quota_guard=plan.get('quota_guard'))
    except (exception.NoFixedIpsAvailable, networks_db.PortInUse) as exc:
        raise faults.Fault(409, exc.message)
    except exception.NetworkNotFound as exc:  # deleted meanwhile
        raise faults.bad_request(exc.message)
    _join_group(ctx, plan, created)
    uuids = spec['instance_uuids']
    password = plan['req'].get('adminPass') or generate_password()
    try:
        conductor.schedule_and_build_instances(
            ctx, uuids, spec, admin_password=password,
            requested_networks=None)
    except Exception as exc:  # noqa: BLE001 -- bus down: fail visibly
        LOG.exception('cast to conductor failed')
        for inst_uuid in uuids:
            instances_db.update(
                ctx, inst_uuid, {'vm_state': states.ERROR,
                                 'task_state': None},
                fault={'code': 503,
                       'message': 'Conductor unreachable: %s' % exc})
        raise faults.Fault(503, 'The compute service is unavailable, '
                                'try again later.')
    return created, password, res_id
