"""GET /servers/<id>/diagnostics bodies: before 2.48 what the driver says;
from 2.48 Nova's standard format (tempest's v2_48 show_server_diagnostics),
filled from the driver's answer and the server's ports."""


def standard(raw, inst, ports):
    """The 2.48 body from the driver's ``raw`` dict."""
    memory = raw.get('memory_mb')
    used = raw.get('memory_used_mb')
    nics = [{'mac_address': p['mac_address'], 'rx_octets': None,
             'rx_errors': None, 'rx_drop': None, 'rx_packets': None,
             'rx_rate': None, 'tx_octets': None, 'tx_errors': None,
             'tx_drop': None, 'tx_packets': None, 'tx_rate': None}
            for p in ports]
    num_cpus = int(raw.get('num_cpus') or 0)
    return {
        'state': raw.get('state') or 'pending',
        'driver': raw.get('driver') or 'libvirt',
        'hypervisor': raw.get('hypervisor'),
        'hypervisor_os': raw.get('hypervisor_os'),
        'uptime': raw.get('uptime'),
        'config_drive': bool(inst.get('config_drive')),
        'num_cpus': num_cpus,
        'num_nics': len(nics),
        'num_disks': 0,
        'memory_details': {'maximum': memory, 'used': used},
        'cpu_details': [{'id': i, 'time': None, 'utilisation': None}
                        for i in range(num_cpus)],
        'nic_details': nics,
        'disk_details': [],
    }
