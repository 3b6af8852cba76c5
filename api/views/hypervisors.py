"""Hypervisor bodies as Nova's os-hypervisors shows them per microversion:
uuids from 2.53, ``cpu_info`` an object from 2.28, the resource figures
(and /statistics) gone from 2.88, which adds ``uptime``."""

from novalite.common.db import services as services_db

_STATS = ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
          'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'current_workload',
          'running_vms', 'disk_available_least')


def stats(node, servers):
    """Nova's figures: raw capacity, used from the allocations (plus the
    host's reserved memory and disk, as the resource tracker counts)."""
    reserved_disk_gb = (node['reserved_host_disk_mb'] or 0) // 1024
    memory_used = node['memory_mb_used'] + (node['reserved_host_memory_mb']
                                            or 0)
    disk_used = node['disk_gb_used'] + reserved_disk_gb
    return {
        'vcpus': node['vcpus'], 'memory_mb': node['memory_mb'],
        'local_gb': node['local_gb'], 'vcpus_used': node['vcpus_used'],
        'memory_mb_used': memory_used, 'local_gb_used': disk_used,
        'free_ram_mb': node['memory_mb'] - memory_used,
        'free_disk_gb': node['local_gb'] - disk_used,
        'current_workload': sum(1 for s in servers if s['task_state']),
        'running_vms': len(servers),
        'disk_available_least': node['local_gb'] - disk_used,
    }


def statistics(nodes, servers_by_node):
    total = dict.fromkeys(_STATS, 0)
    for node in nodes:
        for key, value in stats(node, servers_by_node.get(
                (node['host'], node['hypervisor_hostname']), [])).items():
            total[key] += value
    return dict(total, count=len(nodes))


class HypervisorViews:

    def __init__(self, conf, version, services, servers_by_node):
        self.conf = conf
        self.version = version
        self.services = {s['host']: s for s in services}
        self.servers_by_node = servers_by_node

    def _servers(self, node):
        return self.servers_by_node.get(
            (node['host'], node['hypervisor_hostname']), [])

    def basic(self, node, with_servers=False):
        svc = self.services.get(node['host'])
        up = svc is not None and services_db.is_up(
            svc, self.conf.service_down_time)
        body = {
            'id': node['uuid'] if self.version >= '2.53' else node['id'],
            'hypervisor_hostname': node['hypervisor_hostname'],
            'state': 'up' if up else 'down',
            'status': 'disabled' if svc is None or svc['disabled']
            else 'enabled',
        }
        servers = self._servers(node)
        if with_servers and servers:
            body['servers'] = [{'name': s['name'], 'uuid': s['uuid']}
                               for s in servers]
        return body

    def detail(self, node, with_servers=False):
        body = self.basic(node, with_servers)
        svc = self.services.get(node['host']) or {}
        new = self.version >= '2.53'
        body.update({
            'hypervisor_type': node['hypervisor_type'],
            'hypervisor_version': node['hypervisor_version'],
            # The compute agents do not report their address.
            'host_ip': None,
            'cpu_info': {} if self.version >= '2.28' else '{}',
            'service': {'host': node['host'],
                        'id': svc.get('uuid' if new else 'id'),
                        'disabled_reason': svc.get('disabled_reason')},
        })
        if self.version >= '2.88':
            body['uptime'] = None
        else:
            body.update(stats(node, self._servers(node)))
        return body
