"""Client side of the compute RPC API (topic ``novalite-compute``; each
agent also listens as ``server=<host>`` and is always addressed that way).

Version history:

    1.0 - Initial: build_and_run_instance, terminate_instance.
    1.1 - Added get_diagnostics.
"""

from novalite.common import rpc

TOPIC = 'novalite-compute'
RPC_API_VERSION = '1.1'


class ComputeAPI:

    def __init__(self, conf):
        self.conf = conf
        self._clients = {}

    def _cctxt(self, host, version='1.0'):
        # One client per host: prepare() per call is cheap, the client's
        # target (server=host) is what routes the message.
        if host not in self._clients:
            self._clients[host] = rpc.get_client(self.conf, TOPIC,
                                                 RPC_API_VERSION, server=host)
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
