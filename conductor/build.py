"""The build workflow: schedule new instances and hand them to compute
agents, and reschedule a failed build to its next alternate host.

Functions take the scheduler and compute RPC clients as arguments (the
manager passes its own), so the workflow runs without a message bus in
tests. Every path ends with the instance handed to a compute agent or in
ERROR with a fault, and no allocation left behind for it otherwise.
"""

from oslo_log import log as logging

from novalite.common.db import instances as instances_db
from novalite.common.db import networks as networks_db
from novalite.common.db import placement
from novalite.common import exception
from novalite.common import states

LOG = logging.getLogger(__name__)

SCHEDULE_EVENT = 'conductor_schedule_and_build_instances'
RESCHEDULE_EVENT = 'conductor_build_instances'
FAULT_CODE = 500
# A reschedule may overwrite any build-time task state, never 'deleting'.
_BUILD_TASK_STATES = [None, states.SCHEDULING, states.NETWORKING,
                      states.BLOCK_DEVICE_MAPPING, states.SPAWNING]
MAX_RETRIES_MSG = ('Exceeded maximum number of retries. Exhausted all hosts '
                   'available for retrying build failures for instance '
                   '%(instance_uuid)s.')


def _message(exc):
    """The user-facing message of ``exc``: our exceptions keep theirs in
    ``message`` (a remote one's str() also carries the remote traceback)."""
    msg = getattr(exc, 'message', None) or str(exc) or type(exc).__name__
    return msg.splitlines()[0]


def set_error(ctx, instance_uuid, message, details=None, host=None,
              expected_task_state=None):
    """Put the instance in ERROR (task_state None) with a fault; an
    instance deleted (or being deleted) meanwhile is left alone."""
    try:
        instances_db.update(ctx, instance_uuid, {
            'vm_state': states.ERROR, 'task_state': None},
            expected_task_state=expected_task_state,
            fault={'code': FAULT_CODE, 'message': message,
                   'details': details, 'host': host})
    except (exception.InstanceNotFound, exception.UnexpectedTaskState):
        return False
    return True


def schedule_and_build_instances(ctx, scheduler, compute, instance_uuids,
                                 request_spec, admin_password=None,
                                 requested_networks=None):
    """Pick hosts for the instances and cast their builds.

    ``requested_networks`` is not used: each instance's own ports are read
    from the database (the API allocated them per instance).
    """
    for uuid in instance_uuids:
        instances_db.action_event_start(ctx, uuid, ctx.request_id,
                                        SCHEDULE_EVENT)
    try:
        selections = scheduler.select_destinations(
            ctx, request_spec, instance_uuids, return_alternates=True)
    except Exception as exc:  # noqa: BLE001 -- every failure ends in ERROR
        # NoValidHost is the usual one; a scheduler timeout must not leave
        # the instances in BUILD either.
        if not isinstance(exc, exception.NoValidHost):
            LOG.exception('Scheduling %s failed', instance_uuids)
        message = _message(exc)
        for uuid in instance_uuids:
            set_error(ctx, uuid, message,
                      expected_task_state=states.SCHEDULING)
            instances_db.action_event_finish(ctx, uuid, ctx.request_id,
                                             SCHEDULE_EVENT, 'Error',
                                             traceback=message)
        return
    ports = networks_db.get_ports_by_instances(ctx, instance_uuids)
    for uuid, host_list in zip(instance_uuids, selections):
        try:
            _build_one(ctx, compute, uuid, host_list, request_spec,
                       admin_password, ports.get(uuid, []))
        except Exception as exc:  # noqa: BLE001 -- never stuck in BUILD
            # e.g. the bus is down for the cast: nobody builds it.
            LOG.exception('Handing %s to a compute host failed', uuid)
            placement.free(ctx, uuid)
            set_error(ctx, uuid, _message(exc),
                      expected_task_state=states.SCHEDULING)


def _build_one(ctx, compute, uuid, host_list, request_spec, admin_password,
               ports):
    chosen, alternates = host_list[0], host_list[1:]
    try:
        instance = instances_db.update(
            ctx, uuid, {'host': chosen['service_host'],
                        'node': chosen['nodename']},
            expected_task_state=states.SCHEDULING)
    except (exception.InstanceNotFound, exception.UnexpectedTaskState) as exc:
        # Deleted while we scheduled: drop the claim, build nothing.
        LOG.info('Instance %s went away during scheduling (%s)',
                 uuid, _message(exc))
        placement.free(ctx, uuid)
        return
    instances_db.action_event_finish(ctx, uuid, ctx.request_id,
                                     SCHEDULE_EVENT, 'Success')
    compute.build_and_run_instance(
        ctx, chosen['service_host'], instance, request_spec,
        host_list=alternates, admin_password=admin_password,
        requested_networks=ports, node=chosen['nodename'])


def claim_on_node(ctx, consumer_uuid, node_uuid, resources, retries):
    """Claim ``resources`` on one given node, re-reading it on concurrent
    changes; False when it is gone or has no room."""
    for _attempt in range(retries):
        try:
            node = placement.get_node_by_uuid(ctx, node_uuid)
        except exception.ComputeNodeNotFound:
            return False
        used = {'vcpus': node['vcpus_used'],
                'memory_mb': node['memory_mb_used'],
                'disk_gb': node['disk_gb_used']}
        if not placement.fits(node, used, resources):
            return False
        try:
            placement.claim(ctx, consumer_uuid, node['id'],
                            node['generation'], resources)
            return True
        except exception.ResourceProviderConflict:
            continue
    return False


def reschedule(ctx, compute, instance, request_spec, host_list,
               failed_host, reason, claim_retries=3):
    """A build failed on ``failed_host``: move the instance to the first
    alternate in ``host_list`` that still has room, or put it in ERROR.

    :returns: the selection it went to, or None.
    """
    try:
        return _reschedule(ctx, compute, instance, request_spec, host_list,
                           failed_host, reason, claim_retries)
    except Exception as exc:  # noqa: BLE001 -- never stuck in BUILD
        LOG.exception('Rescheduling %s failed', instance['uuid'])
        placement.free(ctx, instance['uuid'])
        set_error(ctx, instance['uuid'], _message(exc),
                  details='Last exception: %s' % reason, host=failed_host,
                  expected_task_state=_BUILD_TASK_STATES)
        return None


def _reschedule(ctx, compute, instance, request_spec, host_list,
                failed_host, reason, claim_retries):
    uuid = instance['uuid']
    LOG.info('Rescheduling %s away from %s: %s', uuid, failed_host, reason)
    instances_db.action_event_start(ctx, uuid, ctx.request_id,
                                    RESCHEDULE_EVENT, host=failed_host)
    placement.free(ctx, uuid)
    flavor = instance.get('flavor') or (request_spec or {}).get('flavor')
    resources = placement.resources_from_flavor(flavor)
    remaining = [sel for sel in (host_list or [])
                 if sel['service_host'] != failed_host]
    while remaining:
        sel = remaining.pop(0)
        if not claim_on_node(ctx, uuid, sel['compute_node_uuid'], resources,
                             claim_retries):
            continue
        try:
            updated = instances_db.update(
                ctx, uuid, {'host': sel['service_host'],
                            'node': sel['nodename'],
                            'task_state': states.SCHEDULING},
                expected_task_state=_BUILD_TASK_STATES)
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskState) as exc:
            LOG.info('Instance %s went away during rescheduling (%s)',
                     uuid, _message(exc))
            placement.free(ctx, uuid)
            return None
        instances_db.action_event_finish(ctx, uuid, ctx.request_id,
                                         RESCHEDULE_EVENT, 'Success')
        ports = networks_db.get_instance_ports(ctx, uuid)
        compute.build_and_run_instance(
            ctx, sel['service_host'], updated, request_spec,
            host_list=remaining, requested_networks=ports,
            node=sel['nodename'])
        return sel
    message = MAX_RETRIES_MSG % {'instance_uuid': uuid}
    set_error(ctx, uuid, message, details='Last exception: %s' % reason,
              host=failed_host, expected_task_state=_BUILD_TASK_STATES)
    instances_db.action_event_finish(ctx, uuid, ctx.request_id,
                                     RESCHEDULE_EVENT, 'Error',
                                     traceback=reason)
    return None
