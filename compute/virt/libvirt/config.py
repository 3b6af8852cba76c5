"""A small typed model of the libvirt domain XML we generate, rendered with
xml.etree so values are always escaped and the structure always well-formed.

Only what novalite's guests use is modelled; add a field or a device class
when a feature needs one rather than pasting XML strings.
"""

import dataclasses
import xml.etree.ElementTree as ET

NOVA_NS = 'http://openstack.org/xmlns/libvirt/nova/1.1'
ET.register_namespace('nova', NOVA_NS)
# ``<nova:package version=...>`` of the domains novalite defines: what tells
# them from domains of Nova or of the operator on the same host.
PACKAGE_VERSION = 'novalite'


def _nova(tag):
    return '{%s}%s' % (NOVA_NS, tag)


def is_novalite_metadata(xml_text):
    """True when ``xml_text`` (the ``<nova:instance>`` element as libvirt's
    virDomainGetMetadata returns it) was written by novalite."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return False
    return any(elem.tag.rsplit('}', 1)[-1] == 'package' and
               elem.get('version') == PACKAGE_VERSION
               for elem in root.iter())


def _sub(parent, tag, text=None, **attrs):
    elem = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()
                                       if v is not None})
    if text is not None:
        elem.text = str(text)
    return elem


@dataclasses.dataclass
class NovaPort:
    """A port as shown in the metadata."""
    uuid: str
    address: str | None = None
    mac_address: str | None = None
    network_id: str | None = None


@dataclasses.dataclass
class NovaMetadata:
    """Nova's ``<nova:instance>`` block: lets operators (and tools written
    for Nova) tell which server, flavor and owner a domain belongs to."""
    name: str
    creation_time: str
    flavor_name: str
    memory_mb: int
    disk_gb: int
    vcpus: int
    swap_mb: int = 0
    ephemeral_gb: int = 0
    user_id: str | None = None
    project_id: str | None = None
    root_image: str | None = None
    ports: list = dataclasses.field(default_factory=list)

    def to_element(self):
        inst = ET.Element(_nova('instance'))
        _sub(inst, _nova('package'), version=PACKAGE_VERSION)
        _sub(inst, _nova('name'), self.name)
        _sub(inst, _nova('creationTime'), self.creation_time)
        flavor = _sub(inst, _nova('flavor'), name=self.flavor_name)
        _sub(flavor, _nova('memory'), self.memory_mb)
        _sub(flavor, _nova('disk'), self.disk_gb)
        _sub(flavor, _nova('swap'), self.swap_mb)
        _sub(flavor, _nova('ephemeral'), self.ephemeral_gb)
        _sub(flavor, _nova('vcpus'), self.vcpus)
        owner = _sub(inst, _nova('owner'))
        _sub(owner, _nova('user'), self.user_id or '', uuid=self.user_id)
        _sub(owner, _nova('project'), self.project_id or '',
             uuid=self.project_id)
        if self.root_image:
            _sub(inst, _nova('root'), type='image', uuid=self.root_image)
        if self.ports:
            ports = _sub(inst, _nova('ports'))
            for port in self.ports:
                elem = _sub(ports, _nova('port'), uuid=port.uuid,
                            mac=port.mac_address, network=port.network_id)
                if port.address:
                    _sub(elem, _nova('ip'), type='fixed',
                         address=port.address,
                         ipVersion=6 if ':' in port.address else 4)
        return inst


@dataclasses.dataclass
class GuestDisk:
    """A file-backed disk (qcow2 by default) on virtio."""
    source_path: str
    target_dev: str = 'vda'
    driver_type: str = 'qcow2'
    target_bus: str = 'virtio'
    cache: str | None = None

    def to_element(self):
        disk = ET.Element('disk', type='file', device='disk')
        _sub(disk, 'driver', name='qemu', type=self.driver_type,
             cache=self.cache)
        _sub(disk, 'source', file=self.source_path)
        _sub(disk, 'target', dev=self.target_dev, bus=self.target_bus)
        return disk


@dataclasses.dataclass
class GuestCdrom:
    """A read-only ISO (the config drive) as a CD-ROM."""
    source_path: str
    target_dev: str = 'hdd'
    target_bus: str = 'ide'

    def to_element(self):
        disk = ET.Element('disk', type='file', device='cdrom')
        _sub(disk, 'driver', name='qemu', type='raw')
        _sub(disk, 'source', file=self.source_path)
        _sub(disk, 'target', dev=self.target_dev, bus=self.target_bus)
        _sub(disk, 'readonly')
        return disk


@dataclasses.dataclass
class GuestScsiController:
    """virtio-scsi, for a CD-ROM on the scsi bus."""

    def to_element(self):
        return ET.Element('controller', type='scsi', index='0',
                          model='virtio-scsi')


@dataclasses.dataclass
class GuestInterface:
    """A virtio NIC on a libvirt network, its tap named after the port and
    guarded by the port's nwfilter (``IP`` feeds clean-traffic)."""
    network: str
    mac_address: str
    target_dev: str
    mtu: int | None = None
    filter_name: str | None = None
    ip_address: str | None = None

    def to_element(self):
        iface = ET.Element('interface', type='network')
        _sub(iface, 'source', network=self.network)
        _sub(iface, 'mac', address=self.mac_address)
        _sub(iface, 'model', type='virtio')
        _sub(iface, 'target', dev=self.target_dev)
        if self.mtu:
            _sub(iface, 'mtu', size=self.mtu)
        if self.filter_name:
            ref = _sub(iface, 'filterref', filter=self.filter_name)
            if self.ip_address:
                _sub(ref, 'parameter', name='IP', value=self.ip_address)
        return iface


@dataclasses.dataclass
class GuestSerialFile:
    """Serial port 0 written to a file: the server's console log. Appended
    to, so the output of earlier boots survives a reboot or stop/start
    (libvirt adds the matching ``<console>`` itself)."""
    path: str
    append: bool = True

    def to_element(self):
        serial = ET.Element('serial', type='file')
        _sub(serial, 'source', path=self.path,
             append='on' if self.append else None)
        _sub(serial, 'target', port=0)
        return serial


@dataclasses.dataclass
class Guest:
    """A whole ``<domain>``."""
    virt_type: str
    name: str
    uuid: str
    memory_kib: int
    vcpus: int
    metadata: NovaMetadata | None = None
    os_type: str = 'hvm'
    arch: str = 'x86_64'
    machine: str | None = 'pc'
    # Direct kernel boot (AMI images); disk boot when kernel is None.
    kernel: str | None = None
    initrd: str | None = None
    cmdline: str | None = None
    disks: list = dataclasses.field(default_factory=list)
    controllers: list = dataclasses.field(default_factory=list)
    interfaces: list = dataclasses.field(default_factory=list)
    serials: list = dataclasses.field(default_factory=list)

    def to_element(self):
        dom = ET.Element('domain', type=self.virt_type)
        _sub(dom, 'name', self.name)
        _sub(dom, 'uuid', self.uuid)
        if self.metadata is not None:
            _sub(dom, 'metadata').append(self.metadata.to_element())
        _sub(dom, 'memory', self.memory_kib, unit='KiB')
        _sub(dom, 'vcpu', self.vcpus)
        os_elem = _sub(dom, 'os')
        _sub(os_elem, 'type', self.os_type, arch=self.arch,
             machine=self.machine)
        if self.kernel:
            _sub(os_elem, 'kernel', self.kernel)
            if self.initrd:
                _sub(os_elem, 'initrd', self.initrd)
            if self.cmdline:
                _sub(os_elem, 'cmdline', self.cmdline)
        else:
            _sub(os_elem, 'boot', dev='hd')
        features = _sub(dom, 'features')
        _sub(features, 'acpi')
        _sub(features, 'apic')
        _sub(dom, 'clock', offset='utc')
        # A guest that powers itself off stays defined but stopped, as in
        # Nova; a reboot from inside the guest restarts it.
        _sub(dom, 'on_poweroff', 'destroy')
        _sub(dom, 'on_reboot', 'restart')
        _sub(dom, 'on_crash', 'destroy')
        devices = _sub(dom, 'devices')
        for device in (list(self.disks) + list(self.controllers) +
                       list(self.interfaces) + list(self.serials)):
            devices.append(device.to_element())
        return dom

    def to_xml(self):
        return ET.tostring(self.to_element(), encoding='unicode')
