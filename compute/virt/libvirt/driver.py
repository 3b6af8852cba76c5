"""The libvirt driver: turns an instance dict into a running domain and back.

Domains are named after the instance id (``[DEFAULT] instance_name_template``,
``instance-%08x`` by default) and carry the
instance uuid as their own, so the uuid is how we find them again. Power
actions live in ``power.py``, snapshots in ``snapshot.py``, image and disk
preparation in ``disks.py`` / ``imagecache.py``.
"""

import datetime
import threading
import time
import xml.etree.ElementTree as ET

import libvirt
from oslo_log import log as logging

from novalite.common import context as nl_context
from novalite.common import exception
from novalite.common import states
from novalite.compute.image import client as image_client_mod
from novalite.compute.virt.libvirt import config as vconfig
from novalite.compute.virt.libvirt import configdrive
from novalite.compute.virt.libvirt import disks
from novalite.compute.virt.libvirt import firewall
from novalite.compute.virt.libvirt import host as vhost
from novalite.compute.virt.libvirt import imagecache
from novalite.compute.virt.libvirt import networks as vnetworks
from novalite.compute.virt.libvirt import power
from novalite.compute.virt.libvirt import snapshot as vsnapshot
from novalite.compute.virt.libvirt import storage

LOG = logging.getLogger(__name__)

POWER_STATES = {
    libvirt.VIR_DOMAIN_NOSTATE: states.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: states.RUNNING,
    libvirt.VIR_DOMAIN_BLOCKED: states.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: states.POWER_PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: states.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: states.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: states.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: states.POWER_SUSPENDED,
}

# Drop a managed save image and UEFI vars with the definition so nothing
# of the guest is left behind.
_UNDEFINE_FLAGS = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                   libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)


# Nova's diagnostics state names (2.48 format) by power state.
_DIAG_STATES = {
    states.NOSTATE: 'pending',
    states.RUNNING: 'running',
    states.POWER_PAUSED: 'paused',
    states.SHUTDOWN: 'shutdown',
    states.CRASHED: 'crashed',
    states.POWER_SUSPENDED: 'suspended',
}


def domain_name(conf, instance):
    return conf.instance_name_template % instance['id']


def power_state(libvirt_state):
    return POWER_STATES.get(libvirt_state, states.NOSTATE)


class LibvirtDriver(power.PowerActionsMixin, vsnapshot.SnapshotMixin):
    """One per compute agent; all methods are safe to call from threads."""

    # Seconds spawn and power_on wait for the domain to report RUNNING.
    RUNNING_TIMEOUT = 30

    def __init__(self, conf, image_client=None):
        self.conf = conf
        self.host = vhost.Host(conf.libvirt.connection_uri, conf.host)
        self.image_client = (image_client if image_client is not None
                             else image_client_mod.ImageClient(conf))
        self.image_cache = imagecache.ImageCache(conf, self.image_client)
        self.disk_builder = disks.DiskBuilder(conf, self.image_client,
                                              self.image_cache)
        self._cachemode = None
        self.networks = vnetworks.Networks(self.host)
        self.firewall = firewall.Firewall(self.host)
        # uuid -> power state the last action of this driver left the
        # domain in: its caller records that state itself, so the lifecycle
        # events it causes need no write (one RPC less per boot/action).
        # RPC workers and the event dispatcher share it: every
        # check-then-set holds the lock.
        self._left_in = {}
        self._left_in_lock = threading.Lock()

    @property
    def nodename(self):
        # The host name, as Nova does for most drivers: two agents on one
        # machine (test:///default) must still be two nodes.
        return self.conf.host

    @property
    def instances_path(self):
        return self.conf.libvirt.instances_path

    def init_host(self):
        self.host.connect()
        # A host or libvirtd restart leaves our networks down.
        self.networks.start_all()

    def cleanup_host(self):
        self.host.close()

    def get_available_resource(self):
        """vcpus, memory_mb, local_gb and the hypervisor type/version."""
        resources = self.host.get_info()
        resources['local_gb'] = storage.total_disk_gb(self.instances_path)
        return resources

    # -- guests -------------------------------------------------------------
    def register_lifecycle_handler(self, callback):
        """Call ``callback(uuid, power_state)`` on every domain lifecycle
        event (started, stopped, paused, resumed...), from a dispatcher
        thread fed by libvirt's event loop."""
        self.host.lifecycle.add_handler(callback)

    def _expect(self, instance, power_state):
        # Set before the libvirt call: its event may be handled before the
        # call returns.
        with self._left_in_lock:
            self._left_in[instance['uuid']] = power_state

    def _remember(self, instance):
        state = self.get_power_state(instance)   # libvirt: not under lock
        with self._left_in_lock:
            self._left_in[instance['uuid']] = state

    def _forget(self, uuid):
        with self._left_in_lock:
            self._left_in.pop(uuid, None)

    def is_new_power_state(self, uuid, power_state):
        """False when ``power_state`` is what this driver's last action on
        ``uuid`` left it in (or was last reported as new). Atomic: of
        threads racing with the same new state, exactly one gets True."""
        with self._left_in_lock:
            if self._left_in.get(uuid) == power_state:
                return False
            self._left_in[uuid] = power_state
            return True

    @property
    def disk_cachemode(self):
        if self._cachemode is None:
            mode = self.conf.libvirt.disk_cachemode
            if mode == 'none' and not storage.supports_direct_io(
                    storage.ensure_dir(self.instances_path)):
                mode = 'writethrough'
            self._cachemode = mode
        return self._cachemode

    def get_guest_config(self, instance, image_meta, network_info,
                         boot=None):
        """The :class:`config.Guest` for ``instance``; ``boot`` is the
        :class:`disks.BootFiles` (None: no disk, the test hypervisor)."""
        flavor = instance['flavor']
        uuid = instance['uuid']
        ports = [vconfig.NovaPort(uuid=p['id'], address=p.get('address'),
                                  mac_address=p.get('mac_address'),
                                  network_id=p.get('network_id'))
                 for p in network_info or []]
        meta = vconfig.NovaMetadata(
            name=instance.get('display_name') or '',
            creation_time=datetime.datetime.now(datetime.timezone.utc)
            .strftime('%Y-%m-%d %H:%M:%S'),
            flavor_name=flavor.get('name', ''),
            memory_mb=flavor['memory_mb'], disk_gb=flavor.get('root_gb', 0),
            vcpus=flavor['vcpus'], swap_mb=flavor.get('swap') or 0,
            ephemeral_gb=flavor.get('ephemeral_gb') or 0,
            user_id=instance.get('user_id'),
            project_id=instance.get('project_id'),
            root_image=(image_meta or {}).get('id') or instance.get(
                'image_ref'),
            ports=ports)
        virt_type = self.conf.libvirt.virt_type
        guest = vconfig.Guest(
            virt_type=virt_type, name=domain_name(self.conf, instance), uuid=uuid,
            memory_kib=flavor['memory_mb'] * 1024, vcpus=flavor['vcpus'],
            metadata=meta,
            machine='pc' if virt_type in ('kvm', 'qemu') else None,
            serials=[vconfig.GuestSerialFile(
                storage.console_log_path(self.instances_path, uuid))])
        if boot is not None:
            guest.disks.append(vconfig.GuestDisk(
                source_path=boot.disk, driver_type=boot.disk_format,
                cache=self.disk_cachemode))
            guest.kernel, guest.initrd = boot.kernel, boot.ramdisk
            guest.cmdline = boot.cmdline
            if boot.config_drive:
                guest.disks.append(vconfig.GuestCdrom(
                    source_path=boot.config_drive,
                    target_dev=configdrive.CDROM_DEV,
                    target_bus=configdrive.CDROM_BUS))
                if configdrive.CDROM_BUS == 'scsi':
                    guest.controllers.append(vconfig.GuestScsiController())
        for port in network_info or []:
            guest.interfaces.append(vconfig.GuestInterface(
                network=vnetworks.network_name(port['network_id']),
                mac_address=port['mac_address'],
                target_dev=vnetworks.tap_name(port['id']),
                mtu=port.get('mtu'),
                filter_name=firewall.port_filter_name(port['id']),
                ip_address=port.get('address')))
        return guest

    def wants_config_drive(self, instance):
        return bool(instance.get('config_drive') or
                    self.conf.force_config_drive)

    def _plug(self, network_info):
        for port in network_info or []:
            self.firewall.setup_port(port)
            self.networks.plug(port)

    def _nics_of(self, dom):
        """``[(network uuid, mac, filter name)]`` of ``dom``'s NICs, read
        from its own definition so that a destroy needs no network info."""
        try:
            root = ET.fromstring(dom.XMLDesc(0))
        except libvirt.libvirtError as exc:
            if vhost.is_no_domain(exc):
                return []
            raise
        nics = []
        for iface in root.iterfind('./devices/interface'):
            src, mac = iface.find('source'), iface.find('mac')
            ref = iface.find('filterref')
            if src is None or mac is None:
                continue
            net = src.get('network') or ''
            if net.startswith(vnetworks.NAME_PREFIX):
                nics.append((net[len(vnetworks.NAME_PREFIX):],
                             mac.get('address'),
                             None if ref is None else ref.get('filter')))
        return nics

    def _release_nics(self, nics):
        """Unplug NICs once their domain is gone: DHCP entry, filter, and
        the network itself when it was the host's last port on it."""
        for network_uuid, mac, filter_name in nics:
            self.networks.unplug(network_uuid, mac)
            if filter_name and filter_name.startswith(firewall.PORT_PREFIX):
                self.firewall.remove_port(
                    filter_name[len(firewall.PORT_PREFIX):])

    def list_nics(self):
        """{domain uuid: [{network_id, mac_address, filter}]}."""
        out = {}
        for dom in self.host.list_domains():
            try:
                uuid = dom.UUIDString()
                out[uuid] = [{'network_id': n, 'mac_address': m, 'filter': f}
                             for n, m, f in self._nics_of(dom)]
            except libvirt.libvirtError as exc:
                if not vhost.is_no_domain(exc):
                    raise
        return out

    def list_networks(self):
        """{network uuid: {bridge, dhcp_hosts: [[mac, ip]]}} of ours."""
        return self.networks.describe()

    def refresh_security_groups(self, groups, ports=()):
        """Apply new rules (``{group uuid: [rule]}``) and ports' new group
        lists to running guests; returns what this host had."""
        return (self.firewall.refresh_groups(groups) +
                self.firewall.refresh_ports(ports))

    def spawn(self, instance, image_meta, network_info, admin_password=None,
              context=None):
        """Fetch the image, create the instance's files, define and start
        its domain and wait until it runs.

        On failure the caller cleans up with :meth:`destroy`.

        :param image_meta: the image record, or None to boot a blank disk.
        :param context: the request context (the image API is asked as
            its user); the admin context when None.
        :raises: Invalid for an image this host cannot boot (format, size,
            kernel or ramdisk); ImageNotFound; RescheduledException when
            the guest does not run.
        """
        uuid = instance['uuid']
        ctx = context or nl_context.get_admin_context()
        image_id = (image_meta or {}).get('id')
        boot = None
        # The test hypervisor has no storage: create no files for it.
        if not self.host.is_test_driver:
            storage.create_instance_dir(self.instances_path, uuid)
            if image_id:
                boot = self.disk_builder.prepare(ctx, instance, image_id)
            else:
                boot = self.disk_builder.blank(instance)
            if self.wants_config_drive(instance):
                boot.config_drive = storage.disk_path(
                    self.instances_path, uuid, 'disk.config')
                configdrive.build(boot.config_drive, instance, network_info,
                                  availability_zone=instance.get(
                                      'availability_zone'),
                                  admin_password=admin_password)
        guest = self.get_guest_config(instance, image_meta, network_info,
                                      boot)
        conn = self.host.get_connection()
        try:
            try:
                self._plug(network_info)
                dom = conn.defineXML(guest.to_xml())
            finally:
                for port in network_info or []:
                    self.networks.settle(port)
            self._expect(instance, states.RUNNING)
            dom.createWithFlags(0)
        except Exception:
            # No domain may exist for destroy to find its NICs through.
            self._release_nics([
                (p['network_id'], p['mac_address'],
                 firewall.port_filter_name(p['id']))
                for p in network_info or []])
            raise
        self._wait_running(dom, uuid)
        self._remember(instance)
        LOG.info('instance %s spawned as %s', uuid, guest.name)

    def _wait_running(self, dom, uuid):
        deadline = time.monotonic() + self.RUNNING_TIMEOUT
        while True:
            state = dom.state()[0]
            if power_state(state) == states.RUNNING:
                return
            if time.monotonic() > deadline:
                raise exception.RescheduledException(
                    instance_uuid=uuid,
                    reason='domain is in libvirt state %s after start'
                    % state)
            time.sleep(0.1)

    def destroy(self, instance, keep_files=False):
        """Stop and undefine the domain (with its managed save image) and,
        unless ``keep_files``, remove the instance's files. Idempotent: a
        missing domain or directory is fine."""
        uuid = instance['uuid']
        dom = self.host.lookup(uuid)
        if dom is not None:
            self._expect(instance, states.SHUTDOWN)
            nics = self._nics_of(dom)
            self._stop(dom)
            self._undefine(dom)
            self._release_nics(nics)
        self._forget(uuid)
        if not keep_files:
            storage.remove_instance_dir(self.instances_path, uuid)

    @staticmethod
    def _stop(dom):
        try:
            if dom.isActive():
                dom.destroy()
        except libvirt.libvirtError as exc:
            # It may have stopped or vanished meanwhile.
            if not vhost.is_no_domain(exc) and dom.isActive():
                raise

    @staticmethod
    def _undefine(dom):
        try:
            dom.undefineFlags(_UNDEFINE_FLAGS)
        except libvirt.libvirtError as exc:
            if vhost.is_no_domain(exc):
                return
            if exc.get_error_code() not in (libvirt.VIR_ERR_INVALID_ARG,
                                            libvirt.VIR_ERR_NO_SUPPORT):
                raise
            # Hypervisors without NVRAM support refuse the flag.
            try:
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
            except libvirt.libvirtError as exc2:
                if not vhost.is_no_domain(exc2):
                    raise

    # -- inventory ----------------------------------------------------------
    def list_instance_uuids(self):
        return [dom.UUIDString() for dom in self.host.list_domains()]

    def list_instance_domains(self):
        """``(ours, others)``: sets of the uuids of the domains carrying
        novalite's Nova-style metadata, and of every other domain."""
        ours, others = set(), set()
        for dom in self.host.list_domains():
            try:
                uuid = dom.UUIDString()
                meta = dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT,
                                    vconfig.NOVA_NS)
            except libvirt.libvirtError as exc:
                if vhost.is_no_domain(exc):
                    continue   # undefined meanwhile
                if (exc.get_error_code() !=
                        libvirt.VIR_ERR_NO_DOMAIN_METADATA):
                    raise
                others.add(uuid)
                continue
            (ours if vconfig.is_novalite_metadata(meta) else others).add(uuid)
        return ours, others

    def get_power_states(self):
        """{uuid: power_state} of every domain on this host."""
        result = {}
        for dom in self.host.list_domains():
            try:
                result[dom.UUIDString()] = power_state(dom.state()[0])
            except libvirt.libvirtError as exc:
                if not vhost.is_no_domain(exc):
                    raise
        return result

    def get_power_state(self, instance):
        """The power state of ``instance``'s domain (NOSTATE if none)."""
        dom = self.host.lookup(instance['uuid'])
        if dom is None:
            return states.NOSTATE
        try:
            return power_state(dom.state()[0])
        except libvirt.libvirtError as exc:
            if vhost.is_no_domain(exc):
                return states.NOSTATE
            raise

    def instance_exists(self, uuid):
        return self.host.lookup(uuid) is not None

    def get_diagnostics(self, instance):
        """The hypervisor's view of the instance's domain.

        :raises: InstanceNotFound when this host has no such domain.
        """
        dom = self.host.lookup(instance['uuid'])
        if dom is None:
            raise exception.InstanceNotFound(instance_id=instance['uuid'])
        state, max_mem_kib, mem_kib, ncpus, _cpu_time = dom.info()
        return {'state': _DIAG_STATES.get(power_state(state), 'pending'),
                'driver': 'libvirt',
                'hypervisor': self.host.get_connection().getType().lower(),
                'domain': dom.name(),
                'num_cpus': ncpus,
                'memory_mb': max_mem_kib // 1024,
                'memory_used_mb': mem_kib // 1024}
