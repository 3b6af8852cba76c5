"""Client side of the scheduler RPC API (topic ``novalite-scheduler``).

Version history:

    1.0 - Initial: select_destinations.
"""

from novalite.common import rpc

TOPIC = 'novalite-scheduler'
RPC_API_VERSION = '1.0'


class SchedulerAPI:

    def __init__(self, conf):
        self.client = rpc.get_client(conf, TOPIC, RPC_API_VERSION)

    def select_destinations(self, ctxt, request_spec, instance_uuids,
                            return_alternates=True):
        """Pick and claim a host for each instance.

        :param request_spec: dict (see doc/architecture.md).
        :param instance_uuids: the consumers to claim resources for.
        :param return_alternates: also return up to max_attempts - 1
            unclaimed alternate hosts per instance.
        :returns: one list per instance: ``[chosen, alternate, ...]``, each a
            selection dict ``{service_host, nodename, compute_node_uuid}``;
            the chosen one is claimed for that instance.
        :raises: NoValidHost when any instance fits no host (nothing is
            left claimed then).
        """
        cctxt = self.client.prepare(version='1.0')
        return cctxt.call(ctxt, 'select_destinations',
                          request_spec=request_spec,
                          instance_uuids=instance_uuids,
                          return_alternates=return_alternates)
