"""Client side of the compute RPC API (topic ``novalite-compute``; each
agent also listens as ``server=<host>`` and is always addressed that way).

Version history:

    1.0 - Initial: build_and_run_instance, terminate_instance.
    1.1 - Added get_diagnostics.
    1.2 - Added server actions: stop_instance, start_instance,
          reboot_instance, pause_instance, unpause_instance,
          suspend_instance, resume_instance, rebuild_instance,
          get_console_output, snapshot_instance.
    1.3 - Added list_guests and reap_guests (novalite-manage audit: each
          host's domains and instance directories, and their repair).
    1.4 - Added refresh_security_groups (cast to the one host with ports
          in the groups, or fanout when several have: each host redefines
          the filters it has and ignores the rest).
    1.5 - refresh_security_groups takes ``hosts``, the hosts a fanout is
          for: the others drop it unread (one process running a thousand
          simulated hosts dispatched every fanout a thousand times).
"""

from novalite.common import rpc

TOPIC = 'novalite-compute'
RPC_API_VERSION = '1.5'


class ComputeAPI:

    def __init__(self, conf):
        self.conf = conf
        self._clients = {}

    def _cctxt(self, host, version='1.0', timeout=None):
        # One client per host: prepare() per call is cheap, the client's
        # target (server=host) is what routes the message.
        if host not in self._clients:
            self._clients[host] = rpc.get_client(self.conf, TOPIC,
                                                 RPC_API_VERSION, server=host)
        if timeout:
            return self._clients[host].prepare(version=version,
                                               timeout=timeout)
        return self._clients[host].prepare(version=version)

    def build_and_run_instance(self, ctxt, host, instance, request_spec,
                               host_list, admin_password=None,
                               requested_networks=None, node=None):
        """Build and start ``instance`` on ``host`` (cast).

        :param instance: instance dict with host/node set by the conductor.
        :param host_list: alternates (selection dicts) to reschedule to.
        :param requested_networks: the instance's port dicts.
        """
        self._cctxt(host).cast(ctxt, 'build_and_run_instance',
                               instance=instance, request_spec=request_spec,
                               host_list=host_list,
                               admin_password=admin_password,
                               requested_networks=requested_networks,
                               node=node)

    def terminate_instance(self, ctxt, instance):
        """Destroy the instance's domain and files on its host (cast)."""
        self._cctxt(instance['host']).cast(ctxt, 'terminate_instance',
                                           instance=instance)

    def get_diagnostics(self, ctxt, instance):
        """Hypervisor view of the instance's domain (call).

        :returns: dict with at least ``state`` (running, paused, shutdown,
            ...), ``driver``, ``hypervisor``, ``num_cpus``, ``memory_mb``.
        :raises: InstanceNotFound when its host has no such domain.
        """
        return self._cctxt(instance['host'], '1.1').call(
            ctxt, 'get_diagnostics', instance=instance)

    # -- server actions (1.2); the API has already set the task_state ------
    def _cast_action(self, ctxt, method, instance, **kwargs):
        self._cctxt(instance['host'], '1.2').cast(ctxt, method,
                                                  instance=instance, **kwargs)

    def stop_instance(self, ctxt, instance, clean_shutdown=True):
        """Power off (ACPI shutdown first when ``clean_shutdown``): task
        powering-off → vm_state stopped, power_state SHUTDOWN."""
        self._cast_action(ctxt, 'stop_instance', instance,
                          clean_shutdown=clean_shutdown)

    def start_instance(self, ctxt, instance):
        """Power on: task powering-on → vm_state active, RUNNING."""
        self._cast_action(ctxt, 'start_instance', instance)

    def reboot_instance(self, ctxt, instance, reboot_type):
        """Reboot, ``reboot_type`` SOFT (ACPI, falls back to hard) or HARD."""
        self._cast_action(ctxt, 'reboot_instance', instance,
                          reboot_type=reboot_type)

    def pause_instance(self, ctxt, instance):
        self._cast_action(ctxt, 'pause_instance', instance)

    def unpause_instance(self, ctxt, instance):
        self._cast_action(ctxt, 'unpause_instance', instance)

    def suspend_instance(self, ctxt, instance):
        """Save the guest's memory to disk (libvirt managed save)."""
        self._cast_action(ctxt, 'suspend_instance', instance)

    def resume_instance(self, ctxt, instance):
        self._cast_action(ctxt, 'resume_instance', instance)

    def rebuild_instance(self, ctxt, instance, image_ref, image_meta,
                         admin_password=None):
        """Recreate the guest from ``image_ref`` (same flavor, same host).

        :param image_meta: the new image's record (dict, Glance fields).
        """
        self._cast_action(ctxt, 'rebuild_instance', instance,
                          image_ref=image_ref, image_meta=image_meta,
                          admin_password=admin_password)

    def snapshot_instance(self, ctxt, instance, image_id):
        """Upload the root disk into the (queued) image ``image_id``."""
        self._cast_action(ctxt, 'snapshot_instance', instance,
                          image_id=image_id)

    def get_console_output(self, ctxt, instance, tail_length=None):
        """The serial console log (call).

        :param tail_length: only the last N lines, or all when None.
        :returns: the text.
        """
        return self._cctxt(instance['host'], '1.2').call(
            ctxt, 'get_console_output', instance=instance,
            tail_length=tail_length)

    # -- audit (1.3) -----------------------------------------------------------
    def list_guests(self, ctxt, host, timeout=None):
        """The domains and instance directories of ``host`` (call).

        :param timeout: seconds to wait instead of rpc_call_timeout.
        :returns: dict: ``host``, ``domains`` ({uuid: {"novalite",
            "power_state"}}), ``instances_path``, ``instance_dirs``.
        :raises: MessagingTimeout when the agent does not answer.
        """
        return self._cctxt(host, '1.3', timeout).call(ctxt, 'list_guests')

    def reap_guests(self, ctxt, host, instance_uuids, timeout=None):
        """Have ``host`` remove the guests and files of these instances
        that are deleted or on another host (call).

        :returns: {uuid: reason} of those removed.
        :raises: MessagingTimeout when the agent does not answer.
        """
        return self._cctxt(host, '1.3', timeout).call(
            ctxt, 'reap_guests', instance_uuids=instance_uuids)

    # -- security groups (1.4) ---------------------------------------------
    def refresh_security_groups(self, ctxt, hosts, groups, ports=None):
        """Have ``hosts`` apply these groups' rules (and the ports' group
        lists) to their running guests; a host without the groups or ports
        ignores them. One host gets a cast of its own; several get ONE
        fanout cast to every compute host: each cast costs the sender a
        broker confirm, and a cast per host made a boot into a group
        spread over 1 000 hosts send 1 000 of them.

        :param hosts: the hosts with ports in the groups.
        :param groups: {group uuid: [rule dict]}, remote groups expanded
            to ``remote_ips`` (see common/db/network_info.py).
        :param ports: [port info] whose set of groups changed.
        """
        hosts = sorted(set(hosts))
        if not hosts:
            return
        if len(hosts) == 1:
            cctxt = self._cctxt(hosts[0], '1.4')
        else:
            if None not in self._clients:
                self._clients[None] = rpc.get_client(self.conf, TOPIC,
                                                     RPC_API_VERSION)
            cctxt = self._clients[None].prepare(version='1.5', fanout=True)
            cctxt.cast(ctxt, 'refresh_security_groups', groups=groups or {},
                       ports=ports or [], hosts=hosts)
            return
        cctxt.cast(ctxt, 'refresh_security_groups', groups=groups or {},
                   ports=ports or [])
