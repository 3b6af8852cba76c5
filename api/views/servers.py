"""Server bodies as Nova shows them, per microversion (2.1 .. MAX).
Build a list with ``ServerViews.detail_many``: faults, ports, services,
tags and request specs are loaded once for the whole page, never per
server. ``restricted`` is the shape of the update and rebuild answers."""

import hashlib
import re

from novalite.api import image_api
from novalite.api import policy
from novalite.api.views.links import links
from novalite.common.db import aggregates as aggregates_db
from novalite.common.db import instances as instances_db
from novalite.common.db import networks as networks_db
from novalite.common.db import server_groups as server_groups_db
from novalite.common.db import services as services_db
from novalite.common import exception
from novalite.common import states

_TIME = '%Y-%m-%dT%H:%M:%SZ'
COMPUTE_BINARY = 'novalite-compute'
# Image property keys the 2.98 view shows (tempest's image_properties).
_IMAGE_PROP_KEY = re.compile(r'^[a-zA-Z0-9_:. ]{1,255}$')
_IMAGE_ATTRS = ('min_disk', 'min_ram', 'disk_format', 'container_format')


def _time(value):
    return value.strftime(_TIME) if value else None


def _usage_time(value):
    return value.isoformat(timespec='microseconds') if value else None


def basic(inst, prefixes):
    return {'id': inst['uuid'], 'name': inst['display_name'],
            'links': links(prefixes, 'servers', inst['uuid'])}


def host_id(inst):
    if not inst.get('host'):
        return ''
    data = (inst['project_id'] or '') + inst['host']
    return hashlib.sha224(data.encode('utf-8')).hexdigest()


def addresses(ports, extended=True):
    result = {}
    for port in ports:
        addr = {'version': 6 if ':' in port['address'] else 4,
                'addr': port['address']}
        if extended:
            addr['OS-EXT-IPS:type'] = 'fixed'
            addr['OS-EXT-IPS-MAC:mac_addr'] = port['mac_address']
        result.setdefault(port['network_name'], []).append(addr)
    return result


def image_properties(image):
    """The 2.98 ``properties`` of the embedded image: the image's
    properties and its boot attributes, as strings (Nova shows the image
    metadata recorded with the server)."""
    props = {}
    for key in _IMAGE_ATTRS:
        if image.get(key) is not None:
            props[key] = str(image[key])
    for key, value in (image.get('properties') or {}).items():
        if key != 'os_hidden' and _IMAGE_PROP_KEY.match(key):
            props[key] = None if value is None else str(value)[:255]
    return props


def embedded_flavor(flavor, with_extra_specs=True):
    """The 2.47 ``flavor``: the server's own copy of its flavor."""
    body = {'original_name': flavor.get('name') or '',
            'vcpus': flavor.get('vcpus') or 0,
            'ram': flavor.get('memory_mb') or 0,
            'disk': flavor.get('root_gb') or 0,
            'ephemeral': flavor.get('ephemeral_gb') or 0,
            'swap': flavor.get('swap') or 0}
    if with_extra_specs:
        body['extra_specs'] = dict(flavor.get('extra_specs') or {})
    return body


# Nova's ViewBuilder._progress_statuses: the statuses whose servers show
# 'progress' (a stopped or errored server has none).
PROGRESS_STATUSES = ('ACTIVE', 'BUILD', 'REBUILD', 'RESIZE',
                     'VERIFY_RESIZE', 'MIGRATING')

class _Page:
    """What the views of a page of servers share, loaded in a few
    queries."""

    def __init__(self, views, instances):
        ctx, version = views.ctx, views.version
        uuids = [i['uuid'] for i in instances]
        self.ports = networks_db.get_ports_by_instances(ctx, uuids)
        self.faults = instances_db.get_latest_faults(
            ctx, [i['uuid'] for i in instances
                  if i['vm_state'] == states.ERROR])
        self.host_status = (views.host_status() if version >= '2.16' and
                            policy.check(views.conf, ctx,
                                         'os_compute_api:servers:show:'
                                         'host_status') else {})
        self.tags = (instances_db.tags_get_many(ctx, uuids)
                     if version >= '2.26' else {})
        self.specs = (instances_db.request_specs_get_many(ctx, uuids)
                      if version >= '2.96' else {})
        self.groups = (server_groups_db.groups_of(ctx, uuids)
                       if version >= '2.71' else {})
        # A placed server without a recorded zone is in its host's.
        self.zones = (aggregates_db.host_zones(ctx) if any(
            i['host'] and not i['availability_zone'] for i in instances)
            else {})
        self._images = {}
        self._views = views

    def image(self, inst):
        """The server's image as recorded at boot (its request spec), or
        as the image API has it now (after a rebuild); {} if gone."""
        spec_image = self.specs.get(inst['uuid'], {}).get('image') or {}
        if spec_image.get('id') == inst['image_ref']:
            return spec_image
        ref = inst['image_ref']
        if ref not in self._images:
            try:
                self._images[ref] = image_api.get(
                    self._views.conf, self._views.ctx, ref)
            except exception.NovaliteException:
                self._images[ref] = {}
        return self._images[ref]


class ServerViews:

    def __init__(self, conf, ctx, version, prefixes):
        self.conf = conf
        self.ctx = ctx
        self.version = version
        self.prefixes = prefixes

    # -- entry points ---------------------------------------------------------
    def detail_many(self, instances):
        """GET /servers/detail bodies."""
        page = _Page(self, instances)
        return [self._full(i, page, server_groups=False) for i in instances]

    def detail(self, inst):
        """GET /servers/<id> (from 2.75 also PUT and rebuild)."""
        return self._full(inst, _Page(self, [inst]), server_groups=True)

    def updated(self, inst):
        """PUT /servers/<id>."""
        if self.version >= '2.75':
            return self.detail(inst)
        return self.restricted(inst, _Page(self, [inst]))

    def rebuilt(self, inst):
        """POST /servers/<id>/action {rebuild} (without adminPass)."""
        if self.version >= '2.75':
            body = self.detail(inst)
            body.pop('OS-EXT-SRV-ATTR:user_data', None)
        else:
            body = self.restricted(inst, _Page(self, [inst]))
            if self.version >= '2.54':
                body['key_name'] = inst['key_name']
        if self.version >= '2.57':
            body['user_data'] = inst['user_data']
        return body

    def host_status(self):
        result = {}
        for svc in services_db.get_all(self.ctx, binary=COMPUTE_BINARY):
            if svc['disabled']:
                result[svc['host']] = 'MAINTENANCE'
            elif services_db.is_up(svc, self.conf.service_down_time):
                result[svc['host']] = 'UP'
            else:
                result[svc['host']] = 'DOWN'
        return result

    # -- shapes ---------------------------------------------------------------
    def restricted(self, inst, page):
        """Nova's update/rebuild answer before 2.75: the common server
        fields only (no extension attributes)."""
        vm_state = inst['vm_state']
        body = basic(inst, self.prefixes)
        body.update({
            'status': states.api_status(vm_state, inst['task_state']),
            'tenant_id': inst['project_id'],
            'user_id': inst['user_id'],
            'metadata': inst['metadata'] or {},
            'hostId': host_id(inst),
            'image': self._image(inst, page),
            'flavor': self._flavor(inst),
            'created': _time(inst['created_at']),
            'updated': _time(inst['updated_at'] or inst['created_at']),
            'addresses': addresses(page.ports.get(inst['uuid'], []),
                                   extended=False),
            'accessIPv4': inst['access_ip_v4'] or '',
            'accessIPv6': inst['access_ip_v6'] or '',
            'OS-DCF:diskConfig': inst['disk_config'] or 'MANUAL',
        })
        # Nova shows progress only while it means something.
        if body['status'] in PROGRESS_STATUSES:
            body['progress'] = 100 if vm_state == states.ACTIVE else 0
        fault = page.faults.get(inst['uuid'])
        if fault is not None:
            body['fault'] = self._fault(fault)
        self._versioned(body, inst, page, server_groups=True)
        return body

    def _full(self, inst, page, server_groups):
        body = self.restricted(inst, page)
        body['addresses'] = addresses(page.ports.get(inst['uuid'], []))
        body.update({
            'OS-EXT-AZ:availability_zone': inst['availability_zone'] or (
                page.zones.get(inst['host'], 'nova') if inst['host']
                else ''),
            'config_drive': inst['config_drive'] or '',
            'key_name': inst['key_name'],
            'OS-SRV-USG:launched_at': _usage_time(inst['launched_at']),
            'OS-SRV-USG:terminated_at': _usage_time(inst['terminated_at']),
            'security_groups': [{'name': n} for n in
                                inst['security_groups'] or []],
            'OS-EXT-STS:task_state': inst['task_state'],
            'OS-EXT-STS:vm_state': inst['vm_state'],
            'OS-EXT-STS:power_state': inst['power_state'],
            'os-extended-volumes:volumes_attached': [],
        })
        if policy.check(self.conf, self.ctx,
                        'os_compute_api:os-extended-server-attributes',
                        {'project_id': inst['project_id']}):
            self._admin_fields(body, inst, page.host_status)
        elif self.version >= '2.90':
            body['OS-EXT-SRV-ATTR:hostname'] = inst['hostname']
        if not server_groups:
            body.pop('server_groups', None)
        return body

    def _versioned(self, body, inst, page, server_groups):
        """The fields microversions added to every server shape."""
        version = self.version
        if version >= '2.9':
            body['locked'] = bool(inst['locked'])
        if version >= '2.19':
            body['description'] = inst['display_description']
        if version >= '2.26':
            body['tags'] = page.tags.get(inst['uuid'], [])
        if version >= '2.63':
            body['trusted_image_certificates'] = inst['trusted_certs']
        if version >= '2.71' and server_groups:
            group = page.groups.get(inst['uuid'])
            body['server_groups'] = [group] if group else []
        if version >= '2.73':
            body['locked_reason'] = inst['locked_reason']
        spec = page.specs.get(inst['uuid'], {})
        if version >= '2.96':
            body['pinned_availability_zone'] = spec.get('availability_zone')
        if version >= '2.100':
            body['scheduler_hints'] = dict(spec.get('scheduler_hints')
                                           or {})

    def _image(self, inst, page):
        image_ref = inst['image_ref']
        if not image_ref:
            return ''
        image = {'id': image_ref, 'links': [{
            'rel': 'bookmark',
            'href': '%s/images/%s' % (self.prefixes[1], image_ref)}]}
        if self.version >= '2.98':
            image['properties'] = image_properties(page.image(inst))
        return image

    def _flavor(self, inst):
        flavor = inst['flavor'] or {}
        if self.version >= '2.47':
            return embedded_flavor(flavor)
        return {'id': flavor.get('flavorid'), 'links': [{
            'rel': 'bookmark',
            'href': '%s/flavors/%s' % (self.prefixes[1],
                                       flavor.get('flavorid'))}]}

    def _admin_fields(self, body, inst, host_status):
        body['OS-EXT-SRV-ATTR:host'] = inst['host']
        body['OS-EXT-SRV-ATTR:instance_name'] = (
            self.conf.instance_name_template % inst['id'])
        body['OS-EXT-SRV-ATTR:hypervisor_hostname'] = inst['node']
        if self.version >= '2.3':
            body.update({
                'OS-EXT-SRV-ATTR:reservation_id': inst['reservation_id'],
                'OS-EXT-SRV-ATTR:launch_index': inst['launch_index'],
                'OS-EXT-SRV-ATTR:hostname': inst['hostname'],
                'OS-EXT-SRV-ATTR:kernel_id': '',
                'OS-EXT-SRV-ATTR:ramdisk_id': '',
                'OS-EXT-SRV-ATTR:root_device_name': None,
                'OS-EXT-SRV-ATTR:user_data': inst['user_data'],
            })
        if self.version >= '2.16':
            body['host_status'] = (host_status.get(inst['host'], 'UNKNOWN')
                                   if inst['host'] else '')

    def _fault(self, fault):
        body = {'code': fault['code'], 'message': fault['message'],
                'created': _time(fault['created_at'])}
        if self.ctx.is_admin or fault['code'] != 500:
            body['details'] = fault['details'] or ''
        return body
