"""The libvirt driver: turns an instance dict into a running domain and back.

Domains are named ``instance-%08x`` after the instance id and carry the
instance uuid as their own, so the uuid is how we find them again.
"""

import datetime

import libvirt
from oslo_log import log as logging

from novalite.common import exception
from novalite.common import states
from novalite.compute.virt.libvirt import config as vconfig
from novalite.compute.virt.libvirt import host as vhost
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


def domain_name(instance):
    return 'instance-%08x' % instance['id']


def power_state(libvirt_state):
    return POWER_STATES.get(libvirt_state, states.NOSTATE)


class LibvirtDriver:
    """One per compute agent; all methods are safe to call from threads."""

    def __init__(self, conf):
        self.conf = conf
        self.host = vhost.Host(conf.libvirt.connection_uri, conf.host)

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

    def cleanup_host(self):
        self.host.close()

    def get_available_resource(self):
        """vcpus, memory_mb, local_gb and the hypervisor type/version."""
        resources = self.host.get_info()
        resources['local_gb'] = storage.total_disk_gb(self.instances_path)
        return resources

    # -- guests -------------------------------------------------------------
    def get_guest_config(self, instance, image_meta, network_info,
                         disk_paths=()):
        """The :class:`config.Guest` for ``instance``."""
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
        return vconfig.Guest(
            virt_type=virt_type, name=domain_name(instance), uuid=uuid,
            memory_kib=flavor['memory_mb'] * 1024, vcpus=flavor['vcpus'],
            metadata=meta,
            machine='pc' if virt_type in ('kvm', 'qemu') else None,
            disks=[vconfig.GuestDisk(source_path=p) for p in disk_paths],
            serials=[vconfig.GuestSerialFile(
                storage.console_log_path(self.instances_path, uuid))])

    def spawn(self, instance, image_meta, network_info, admin_password=None):
        """Create the instance's files, define and start its domain.

        On failure the caller cleans up with :meth:`destroy`.

        :raises: RescheduledException when the guest does not run.
        """
        uuid = instance['uuid']
        disk_paths = []
        # The test hypervisor has no storage: create no files for it.
        if not self.host.is_test_driver:
            storage.create_instance_dir(self.instances_path, uuid)
            disk_paths.append(storage.create_root_disk(
                self.instances_path, uuid, instance['flavor'].get('root_gb')))
        guest = self.get_guest_config(instance, image_meta, network_info,
                                      disk_paths)
        conn = self.host.get_connection()
        dom = conn.defineXML(guest.to_xml())
        dom.create()
        state = dom.state()[0]
        if power_state(state) != states.RUNNING:
            raise exception.RescheduledException(
                instance_uuid=uuid,
                reason='domain is in libvirt state %s after start' % state)
        LOG.info('instance %s spawned as %s', uuid, guest.name)

    def destroy(self, instance):
        """Stop and undefine the domain and remove the instance's files.
        Idempotent: a missing domain or directory is fine."""
        uuid = instance['uuid']
        dom = self.host.lookup(uuid)
        if dom is not None:
            self._stop(dom)
            self._undefine(dom)
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
