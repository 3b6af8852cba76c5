"""Conductor service: build orchestration (conductor/build.py), the
periodic recovery of lost or unfinished work (conductor/recovery.py) and
the compute agents' only path to the database."""

from oslo_log import log as logging

from novalite.common.db import instances as instances_db
from novalite.common.db import network_info
from novalite.common.db import placement
from novalite.common.db import recovery as recovery_db
from novalite.common.db import services as services_db
from novalite.common import exception
from novalite.common import rpc
from novalite.compute import rpcapi as compute_rpcapi
from novalite.conductor import build
from novalite.conductor import recovery
from novalite.conductor import rpcapi
from novalite.scheduler import rpcapi as scheduler_rpcapi

LOG = logging.getLogger(__name__)

# Exceptions a caller handles itself; not server errors worth a traceback.
_EXPECTED = (exception.InstanceNotFound, exception.UnexpectedTaskState,
             exception.ComputeNodeNotFound, exception.NoValidHost)
_UNSET = object()
_EVENT_PHASES = ('start', 'finish')
_EVENT_RESULTS = (None, 'Success', 'Error')


def _checked_event(action_event):
    """The action event a compute agent sent with an update, or None when
    it is absent or malformed (history only: never worth failing the
    state change it rides on)."""
    if action_event is None:
        return None
    ok = (isinstance(action_event, dict)
          and set(action_event) <= {'event', 'phase', 'host', 'result',
                                    'traceback'}
          and isinstance(action_event.get('event'), str)
          and 0 < len(action_event['event']) <= 255
          and action_event.get('phase') in _EVENT_PHASES
          and action_event.get('result') in _EVENT_RESULTS
          and isinstance(action_event.get('host'), (str, type(None)))
          and isinstance(action_event.get('traceback'), (str, type(None))))
    if not ok:
        LOG.warning('ignoring a malformed action event: %.200r', action_event)
        return None
    return action_event


class ConductorManager:
    """RPC endpoint of ``novalite-conductor`` (API version
    ``RPC_API_VERSION``, see conductor/rpcapi.py for each method's
    contract). Only the ``@rpc.expose`` methods are callable over the bus."""

    RPC_API_VERSION = rpcapi.RPC_API_VERSION
    target = rpc.target(RPC_API_VERSION)

    def __init__(self, conf, scheduler_client=None, compute_client=None):
        self.conf = conf
        self.scheduler_client = (scheduler_client
                                 or scheduler_rpcapi.SchedulerAPI(conf))
        self.compute_client = (compute_client
                               or compute_rpcapi.ComputeAPI(conf))
        self.recovery = recovery.Recovery(conf, self.scheduler_client,
                                          self.compute_client)

    def periodic_tasks(self):
        """The recovery pass every ``[conductor] build_recovery_interval``
        seconds (none when 0)."""
        interval = self.conf.conductor.build_recovery_interval
        return [(interval, self.recovery.run)] if interval > 0 else []

    # -- build orchestration (casts) -----------------------------------------
    @rpc.expose
    def schedule_and_build_instances(self, ctxt, instance_uuids,
                                     request_spec, admin_password=None,
                                     requested_networks=None):
        build.schedule_and_build_instances(
            ctxt, self.scheduler_client, self.compute_client,
            instance_uuids, request_spec, admin_password=admin_password,
            requested_networks=requested_networks,
            grace=self.conf.conductor.build_recovery_grace,
            service_down_time=self.conf.service_down_time)

    @rpc.expose
    def build_instances(self, ctxt, instance, request_spec, host_list,
                        failed_host, reason, admin_password=None,
                        exclude_failed_host=True):
        build.reschedule(ctxt, self.compute_client, instance, request_spec,
                         host_list, failed_host, reason,
                         claim_retries=self.conf.scheduler.claim_retries,
                         scheduler=self.scheduler_client,
                         admin_password=admin_password,
                         exclude_failed_host=bool(exclude_failed_host))

    # -- database proxy for compute agents (calls) ---------------------------
    @rpc.expose
    @rpc.expected_exceptions(*_EXPECTED)
    def instance_update(self, ctxt, instance_uuid, updates,
                        expected_task_state=_UNSET, fault=None,
                        expected_host=_UNSET, action_event=None):
        """:raises: InstanceNotFound, UnexpectedTaskState"""
        if expected_host is not _UNSET:
            # One UPDATE ... WHERE: a compare-and-swap on task state and
            # host (1.4), e.g. a late build message of a moved instance;
            # with the action event it records (1.6).
            expected = {'host': expected_host}
            if expected_task_state is not _UNSET:
                expected['task_state'] = expected_task_state
            return recovery_db.guarded_update(
                ctxt, instance_uuid, updates, expected, fault=fault,
                action_event=_checked_event(action_event))
        expected = (None if expected_task_state is _UNSET
                    else expected_task_state)
        return instances_db.update(ctxt, instance_uuid, updates,
                                   expected_task_state=expected, fault=fault)

    @rpc.expose
    @rpc.expected_exceptions(*_EXPECTED)
    def instance_destroy(self, ctxt, instance_uuid):
        """:raises: InstanceNotFound"""
        groups = network_info.instance_group_uuids(ctxt, [instance_uuid])
        result = instances_db.destroy(ctxt, instance_uuid)
        # Its address leaves the groups that admitted it as a member.
        build.refresh_groups(ctxt, self.compute_client, groups)
        return result

    @rpc.expose
    def get_network_info(self, ctxt, instance_uuid):
        return network_info.for_instances(
            ctxt, [instance_uuid])[instance_uuid]

    @rpc.expose
    def allocation_free(self, ctxt, instance_uuid):
        return placement.free(ctxt, instance_uuid)

    @rpc.expose
    def instance_get_all_by_host(self, ctxt, host):
        return instances_db.get_all_by_host(ctxt, host)

    @rpc.expose
    @rpc.expected_exceptions(exception.Invalid)
    def instance_get_by_uuids(self, ctxt, instance_uuids, read_deleted='no'):
        """:raises: Invalid for a ``read_deleted`` other than yes/no"""
        return instances_db.get_by_uuids(ctxt, instance_uuids,
                                         read_deleted=read_deleted)

    @rpc.expose
    @rpc.expected_exceptions(*_EXPECTED)
    def action_event_start(self, ctxt, instance_uuid, event, host=None):
        return instances_db.action_event_start(
            ctxt, instance_uuid, ctxt.request_id, event, host=host)

    @rpc.expose
    @rpc.expected_exceptions(*_EXPECTED)
    def action_event_finish(self, ctxt, instance_uuid, event, result,
                            traceback=None):
        return instances_db.action_event_finish(
            ctxt, instance_uuid, ctxt.request_id, event, result,
            traceback=traceback)

    @rpc.expose
    def compute_node_update(self, ctxt, host, nodename, resources):
        return placement.compute_node_upsert(ctxt, host, nodename, resources)

    @rpc.expose
    def service_heartbeat(self, ctxt, host, binary, topic):
        return services_db.heartbeat(ctxt, host, binary, topic)

    @rpc.expose
    @rpc.expected_exceptions(exception.Invalid)
    def service_heartbeats(self, ctxt, services):
        """:raises: Invalid for a malformed ``services`` list"""
        return services_db.heartbeat_many(ctxt, services)
