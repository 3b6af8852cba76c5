"""Server bodies as Nova shows them, per microversion (2.1 .. 2.37).
Build a list with ``ServerViews.detail_many``: faults, ports and services
are loaded once for the whole page, never per server."""

import hashlib

from novalite.api.views.links import links
from novalite.common.db import instances as instances_db
from novalite.common.db import networks as networks_db
from novalite.common.db import services as services_db
from novalite.common import states

_TIME = '%Y-%m-%dT%H:%M:%SZ'
COMPUTE_BINARY = 'novalite-compute'


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


def addresses(ports):
    result = {}
    for port in ports:
        result.setdefault(port['network_name'], []).append({
            'version': 6 if ':' in port['address'] else 4,
            'addr': port['address'],
            'OS-EXT-IPS:type': 'fixed',
            'OS-EXT-IPS-MAC:mac_addr': port['mac_address']})
    return result


class ServerViews:

    def __init__(self, conf, ctx, version, prefixes):
        self.conf = conf
        self.ctx = ctx
        self.version = version
        self.prefixes = prefixes

    def detail_many(self, instances):
        uuids = [i['uuid'] for i in instances]
        ports = networks_db.get_ports_by_instances(self.ctx, uuids)
        faults = instances_db.get_latest_faults(
            self.ctx, [i['uuid'] for i in instances
                       if i['vm_state'] == states.ERROR])
        host_status = {}
        if self.ctx.is_admin and self.version >= '2.16':
            host_status = self._host_status()
        return [self._detail(i, ports.get(i['uuid'], []),
                             faults.get(i['uuid']), host_status)
                for i in instances]

    def detail(self, inst):
        return self.detail_many([inst])[0]

    def _host_status(self):
        result = {}
        for svc in services_db.get_all(self.ctx, binary=COMPUTE_BINARY):
            if svc['disabled']:
                result[svc['host']] = 'MAINTENANCE'
            elif services_db.is_up(svc, self.conf.service_down_time):
                result[svc['host']] = 'UP'
            else:
                result[svc['host']] = 'DOWN'
        return result

    def _detail(self, inst, ports, fault, host_status):
        bookmark = self.prefixes[1]
        flavor = inst['flavor'] or {}
        image_ref = inst['image_ref']
        body = basic(inst, self.prefixes)
        vm_state = inst['vm_state']
        body.update({
            'status': states.api_status(vm_state, inst['task_state']),
            'tenant_id': inst['project_id'],
            'user_id': inst['user_id'],
            'metadata': inst['metadata'] or {},
            'hostId': host_id(inst),
            'image': {'id': image_ref, 'links': [{
                'rel': 'bookmark',
                'href': '%s/images/%s' % (bookmark, image_ref)}]}
            if image_ref else '',
            'flavor': {'id': flavor.get('flavorid'), 'links': [{
                'rel': 'bookmark',
                'href': '%s/flavors/%s' % (bookmark, flavor.get('flavorid'))}]},
            'created': _time(inst['created_at']),
            'updated': _time(inst['updated_at'] or inst['created_at']),
            'addresses': addresses(ports),
            'accessIPv4': inst['access_ip_v4'] or '',
            'accessIPv6': inst['access_ip_v6'] or '',
            'OS-DCF:diskConfig': inst['disk_config'] or 'MANUAL',
            'progress': 100 if vm_state == states.ACTIVE else 0,
            'OS-EXT-AZ:availability_zone': inst['availability_zone'] or (
                'nova' if inst['host'] else ''),
            'config_drive': inst['config_drive'] or '',
            'key_name': inst['key_name'],
            'OS-SRV-USG:launched_at': _usage_time(inst['launched_at']),
            'OS-SRV-USG:terminated_at': _usage_time(inst['terminated_at']),
            'security_groups': [{'name': n} for n in
                                inst['security_groups'] or []],
            'OS-EXT-STS:task_state': inst['task_state'],
            'OS-EXT-STS:vm_state': vm_state,
            'OS-EXT-STS:power_state': inst['power_state'],
            'os-extended-volumes:volumes_attached': [],
        })
        if self.ctx.is_admin:
            self._admin_fields(body, inst, host_status)
        if fault is not None:
            body['fault'] = self._fault(fault)
        if self.version >= '2.9':
            body['locked'] = bool(inst['locked'])
        if self.version >= '2.19':
            body['description'] = inst['display_description']
        if self.version >= '2.26':
            body['tags'] = []
        return body

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
