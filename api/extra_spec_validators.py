"""Flavor extra spec validation of microversion 2.86: the keys of the
namespaces Nova knows (``hw``, ``hw_rng``, ``hw_video``, ``os``, ``quota``,
``resources*``, ``trait*``, ``pci_passthrough``, ``accel``, ...) must be
ones it knows, with values of their type, range or format; keys of other
namespaces, and keys without one, pass as they are. Messages are Nova's
("Validation failed; ...")."""

import re

from novalite.api import faults

_BOOL_STRINGS = ('1', 't', 'true', 'on', 'y', 'yes',
                 '0', 'f', 'false', 'off', 'n', 'no')
_CPU_MASK = r'\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*'
_GROUP = r'([a-zA-Z0-9_-]{1,64})?'
# os-resource-classes' standard classes.
_RESOURCE_CLASSES = (
    'VCPU', 'MEMORY_MB', 'DISK_GB', 'PCI_DEVICE', 'SRIOV_NET_VF',
    'NUMA_SOCKET', 'NUMA_CORE', 'NUMA_THREAD', 'NUMA_MEMORY_MB',
    'IPV4_ADDRESS', 'VGPU', 'VGPU_DISPLAY_HEAD',
    'NET_BW_EGR_KILOBIT_PER_SEC', 'NET_BW_IGR_KILOBIT_PER_SEC', 'PCPU',
    'MEM_ENCRYPTION_CONTEXT', 'FPGA', 'PGPU',
    'NET_PACKET_RATE_KILOPACKET_PER_SEC',
    'NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC',
    'NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC')


def _bool():
    return {'type': bool}


def _int(minimum=None):
    value = {'type': int}
    if minimum is not None:
        value['min'] = minimum
    return value


def _enum(*values):
    return {'type': str, 'enum': list(values)}


def _pattern(pattern):
    return {'type': str, 'pattern': pattern}


def _any():
    return {'type': str}


# name (a regular expression over the whole key) -> value rule
_SPECS = {
    'hw:cpu_realtime': _bool(),
    'hw:cpu_realtime_mask': _pattern(r'(\^)?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*'),
    'hw:hide_hypervisor_id': _bool(),
    'hw:cpu_policy': _enum('dedicated', 'shared', 'mixed'),
    'hw:cpu_thread_policy': _enum('prefer', 'isolate', 'require'),
    'hw:emulator_threads_policy': _enum('isolate', 'share'),
    'hw:cpu_dedicated_mask': _pattern(_CPU_MASK),
    'hw:mem_page_size': _pattern(
        r'(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)'),
    'hw:numa_nodes': _int(1),
    r'hw:numa_cpus\.\d+': _pattern(_CPU_MASK),
    r'hw:numa_mem\.\d+': _int(1),
    'hw:pci_numa_affinity_policy': _enum('required', 'preferred', 'legacy',
                                         'socket'),
    'hw:cpu_sockets': _int(1), 'hw:cpu_cores': _int(1),
    'hw:cpu_threads': _int(1), 'hw:max_cpu_sockets': _int(1),
    'hw:max_cpu_cores': _int(1), 'hw:max_cpu_threads': _int(1),
    'hw:boot_menu': _bool(), 'hw:mem_encryption': _bool(),
    'hw:pmem': _pattern('([a-zA-Z0-9_]+(,)?)+'), 'hw:pmu': _bool(),
    'hw:serial_port_count': _int(0),
    'hw:tpm_model': _enum('tpm-tis', 'tpm-crb'),
    'hw:tpm_version': _enum('1.2', '2.0'),
    'hw:watchdog_action': _enum('none', 'pause', 'poweroff', 'reset',
                                'disabled'),
    'hw:vif_multiqueue_enabled': _bool(), 'hw:locked_memory': _bool(),
    'hw:virtio_packed_ring': _bool(),
    'hw:ephemeral_encryption': _bool(),
    'hw:ephemeral_encryption_format': _enum('luks'),
    'hw:maxphysaddr_mode': _enum('passthrough', 'emulate'),
    'hw:maxphysaddr_bits': _int(1),
    'hw:viommu_model': _enum('intel', 'smmuv3', 'virtio', 'auto'),
    'hw:mem_encryption_model': _enum('amd-sev', 'amd-sev-es'),
    'hw:cpu_model': _any(),
    'hw:cpu_max_sockets': _int(1), 'hw:cpu_max_cores': _int(1),
    'hw:cpu_max_threads': _int(1),
    'hw_rng:allowed': _bool(), 'hw_rng:rate_bytes': _int(0),
    'hw_rng:rate_period': _int(0),
    'hw_video:ram_max_mb': _int(0),
    'os:secure_boot': _enum('disabled', 'required'),
    'quota:cpu_shares': _int(0), 'quota:cpu_period': _int(0),
    'quota:cpu_quota': _int(0),
    r'quota:disk_(read|write|total)_(bytes|iops)_sec': _int(0),
    r'quota:vif_(inbound|outbound)_(average|peak|burst)': _int(0),
    r'quota:(cpu|memory|disk_io|vif)_(limit|reservation|shares_share)':
        _int(),
    r'quota:(cpu|memory|disk_io|vif)_shares_level': _any(),
    r'resources%s:(%s|CUSTOM_[A-Z0-9_]+)' % (
        _GROUP, '|'.join(_RESOURCE_CLASSES)): _int(),
    # os-traits' names are upper case words: any such name is taken as one.
    r'trait%s:[A-Z0-9_]+' % _GROUP: _enum('required', 'forbidden'),
    'pci_passthrough:alias': _pattern(r'[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*'),
    'accel:device_profile': _any(),
    r'aggregate_instance_extra_specs:.+': _any(),
    r'capabilities:.+': _any(),
    r'vmware:.+': _any(), r'powervm:.+': _any(),
}
_COMPILED = [(re.compile(name), rule) for name, rule in _SPECS.items()]
# The namespaces Nova has validators in: an unknown key there is refused.
_NAMESPACES = [re.compile(ns) for ns in (
    'hw', 'hw_rng', 'hw_video', 'os', 'quota', 'resources' + _GROUP,
    'trait' + _GROUP, 'pci_passthrough', 'accel')]


def _fail(text):
    raise faults.bad_request('Validation failed; %s' % text)


def _check(rule, value):
    value = str(value)
    kind = rule['type']
    if kind is bool:
        if value.strip().lower() not in _BOOL_STRINGS:
            _fail("'%s' is not a valid boolean-like value." % value)
    elif kind is int:
        try:
            number = int(value)
        except ValueError:
            _fail("'%s' is not a valid integer value." % value)
        if 'max' in rule and rule['max'] < number:
            _fail("'%s' is greater than the max value of '%s'."
                  % (value, rule['max']))
        if 'min' in rule and rule['min'] > number:
            _fail("'%s' is less than the min value of '%s'."
                  % (value, rule['min']))
    elif 'pattern' in rule:
        if not re.fullmatch(rule['pattern'], value):
            _fail("'%s' is not of the format '%s'." % (value,
                                                       rule['pattern']))
    elif 'enum' in rule and value not in rule['enum']:
        _fail("'%s' is not one of: %s." % (value, ', '.join(rule['enum'])))


def validate(name, value):
    """400 (Nova's message) when ``name`` is in a namespace Nova knows but
    is not a key of it, or ``value`` is not what the key takes."""
    for pattern, rule in _COMPILED:
        if pattern.fullmatch(name):
            _check(rule, value)
            return
    if ':' not in name:
        return
    namespace = name.split(':', 1)[0]
    if any(ns.fullmatch(namespace) for ns in _NAMESPACES):
        _fail("extra spec '%s' does not appear to be a valid extra spec."
              % name)
