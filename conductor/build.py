"""The build workflow: schedule new instances and hand them to compute
agents, and reschedule a failed build to its next alternate host.

Functions take the scheduler and compute RPC clients as arguments (the
manager passes its own), so the workflow runs without a message bus in
tests. Every path ends with the instance handed to a compute agent, in
ERROR with a fault, or -- when the failure is one that may pass (the
scheduler did not answer in time, the bus refused the cast) -- waiting
for a host again, where the conductor's recovery pass (recovery.py) takes
it up after ``[conductor] build_recovery_grace``. No allocation is left
behind for an instance that is not handed to a host.

Each hand-over is a compare-and-swap on the instance row
(``common/db/recovery.py``): a conductor builds only instances whose
scheduling lease it took, and moves an instance to a host only while it
has none; a reschedule first takes the instance off the failed host. So
two conductors, or a late message and a recovery, never both act.
"""

from oslo_log import log as logging

from novalite.common.db import instances as instances_db
from novalite.common.db import network_info
from novalite.common.db import placement
from novalite.common.db import recovery as recovery_db
from novalite.common.db import services as services_db
from novalite.common import exception
from novalite.common import rpc
from novalite.common import states

LOG = logging.getLogger(__name__)

SCHEDULE_EVENT = 'conductor_schedule_and_build_instances'
RESCHEDULE_EVENT = 'conductor_build_instances'
FAULT_CODE = 500
# A reschedule may overwrite any build-time task state, never 'deleting'.
_BUILD_TASK_STATES = [None, states.SCHEDULING, states.NETWORKING,
                      states.BLOCK_DEVICE_MAPPING, states.SPAWNING]
# Failures that may pass: the instance waits for the recovery pass.
_TRANSIENT = (rpc.MessagingTimeout, TimeoutError, ConnectionError)
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
                                 requested_networks=None, grace=180,
                                 service_down_time=None):
    """Pick hosts for the instances and cast their builds.

    Only the instances whose scheduling lease this conductor takes are
    built (``recovery_db.claim_for_scheduling``): one another conductor
    (or the recovery pass) took within ``grace`` seconds, or one deleted
    or already placed, is skipped. ``requested_networks`` is not used:
    each instance's own ports are read from the database (the API
    allocated them per instance).
    """
    claimed = recovery_db.claim_for_scheduling(ctx, instance_uuids, grace,
                                               event=SCHEDULE_EVENT)
    skipped = [u for u in instance_uuids if u not in claimed]
    if skipped:
        LOG.info('Not scheduling %s: deleted, placed or taken by another '
                 'conductor meanwhile', skipped)
    if claimed:
        schedule_claimed(ctx, scheduler, compute, claimed,
                         dict(request_spec, instance_uuids=claimed,
                              num_instances=len(claimed)),
                         admin_password=admin_password,
                         service_down_time=service_down_time,
                         event_started=True)


def _no_compute_up(ctx, service_down_time):
    """True when no compute service has beaten lately: every host looks
    down at once (their heartbeats ride on the conductor and the bus, so
    a conductor restart or a broker hiccup does that), not a full cloud."""
    if service_down_time is None:
        return False
    svcs = services_db.get_all(ctx, binary='novalite-compute')
    return bool(svcs) and not any(services_db.is_up(svc, service_down_time)
                                  for svc in svcs)


def schedule_claimed(ctx, scheduler, compute, instance_uuids, request_spec,
                     admin_password=None, service_down_time=None,
                     event_started=False):
    """Schedule and cast instances whose scheduling lease the caller holds.

    With ``service_down_time``, a NoValidHost while no compute host is up
    is taken as passing (left for recovery, like a scheduler timeout).

    :param event_started: the scheduling events are open already (the
        lease's write opened them).
    :returns: the uuids handed to a compute host.
    """
    for uuid in instance_uuids if not event_started else ():
        instances_db.action_event_start(ctx, uuid, ctx.request_id,
                                        SCHEDULE_EVENT)
    try:
        selections = scheduler.select_destinations(
            ctx, request_spec, instance_uuids, return_alternates=True)
    except Exception as exc:  # noqa: BLE001 -- sorted out below
        if not isinstance(exc, _TRANSIENT) and not (
                isinstance(exc, exception.NoValidHost) and
                _no_compute_up(ctx, service_down_time)):
            return _schedule_failed(ctx, instance_uuids, exc)
        # The scheduler died or is slow: it may come back, so do not fail
        # the build. The lease taken runs out and recovery retries it
        # (bounded by [compute] instance_build_timeout). A claim the
        # scheduler made meanwhile is replaced or freed then.
        LOG.warning('Scheduling %s failed (%s); the recovery pass will '
                    'retry', instance_uuids, _message(exc))
        for uuid in instance_uuids:
            instances_db.action_event_finish(ctx, uuid, ctx.request_id,
                                             SCHEDULE_EVENT, 'Error',
                                             traceback=_message(exc))
        return []
    # The ports, and the rules other hosts need now that these instances
    # joined their groups, in one read (one scan of each group's members).
    ports, (rules, hosts) = network_info.for_boot(ctx, instance_uuids)
    built = []
    for uuid, host_list in zip(instance_uuids, selections):
        if _build_one(ctx, compute, uuid, host_list, request_spec,
                      admin_password, ports.get(uuid, [])):
            built.append(uuid)
    # After the casts, off the boot's critical path: a new member's
    # address reaches the other hosts' filters while the guest is built
    # (its own host gets the rules with the build's ports).
    send_rules(ctx, compute, rules, hosts)
    return built


def _schedule_failed(ctx, instance_uuids, exc):
    """ERROR with the failure as the fault (NoValidHost and the like)."""
    if not isinstance(exc, exception.NoValidHost):
        LOG.error('Scheduling %s failed: %s', instance_uuids, exc)
    message = _message(exc)
    # Why no host, per host (admins see a fault's details and an event's
    # traceback; Nova leaves operators to its scheduler's logs).
    why = (getattr(exc, 'kwargs', None) or {}).get('explanation')
    details = '%s\n%s' % (message, why) if why else None
    for uuid in instance_uuids:
        set_error(ctx, uuid, message, details=details,
                  expected_task_state=states.SCHEDULING)
        instances_db.action_event_finish(ctx, uuid, ctx.request_id,
                                         SCHEDULE_EVENT, 'Error',
                                         traceback=details or message)
    return []


def _build_one(ctx, compute, uuid, host_list, request_spec, admin_password,
               ports):
    """Move the instance onto the chosen host (only while it has none)
    and cast its build; True when cast."""
    chosen, alternates = host_list[0], host_list[1:]
    try:
        instance = recovery_db.guarded_update(
            ctx, uuid, {'host': chosen['service_host'],
                        'node': chosen['nodename']},
            {'task_state': states.SCHEDULING, 'host': None,
             'vm_state': states.BUILDING},
            action_event={'event': SCHEDULE_EVENT, 'phase': 'finish',
                          'result': 'Success'})
    except (exception.InstanceNotFound, exception.UnexpectedTaskState) as exc:
        # Deleted while we scheduled: drop the claim, build nothing.
        LOG.info('Instance %s went away during scheduling (%s)',
                 uuid, _message(exc))
        placement.free(ctx, uuid)
        return False
    try:
        compute.build_and_run_instance(
            ctx, chosen['service_host'], instance, request_spec,
            host_list=alternates, admin_password=admin_password,
            requested_networks=ports, node=chosen['nodename'])
    except Exception:  # noqa: BLE001 -- never stuck in BUILD
        # The bus refused the cast: nobody builds it. Take it back off the
        # host and let recovery schedule it again.
        LOG.exception('Handing %s to %s failed', uuid,
                      chosen['service_host'])
        unassign(ctx, uuid, chosen['service_host'], [states.SCHEDULING])
        return False
    return True


def refresh_groups(ctx, compute, member_groups):
    """New members joined (or left) ``member_groups``: send the rules of
    the groups that admit those members to the hosts using them. Never
    fails the caller: a host that misses it catches up with its next
    plug of the group."""
    try:
        groups, hosts = network_info.rules_after_member_change(
            ctx, member_groups)
    except Exception:  # noqa: BLE001
        LOG.exception('cannot refresh security groups %s', member_groups)
        return
    send_rules(ctx, compute, groups, hosts)


def send_rules(ctx, compute, groups, hosts):
    """Send ``groups`` ({uuid: [rule]}) to ``hosts`` (one cast, see
    ComputeAPI.refresh_security_groups); never fails the caller (see
    refresh_groups)."""
    if not groups or not hosts:
        return
    try:
        compute.refresh_security_groups(ctx, hosts, groups)
    except Exception:  # noqa: BLE001
        LOG.exception('cannot refresh security groups on %s', sorted(hosts))


def unassign(ctx, uuid, host, task_states):
    """Take a building instance off ``host`` (back to waiting for a host,
    task_state scheduling, a fresh lease) and drop its claim; False when
    the instance is gone or no longer on that host in those states."""
    try:
        recovery_db.guarded_update(
            ctx, uuid, {'host': None, 'node': None,
                        'task_state': states.SCHEDULING},
            {'host': host, 'task_state': task_states,
             'vm_state': states.BUILDING})
    except (exception.InstanceNotFound, exception.UnexpectedTaskState) as exc:
        LOG.info('Instance %s is no longer building on %s (%s)', uuid, host,
                 _message(exc))
        return False
    placement.free(ctx, uuid)
    return True


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
               failed_host, reason, claim_retries=3, scheduler=None,
               admin_password=None, exclude_failed_host=True):
    """A build failed on ``failed_host``: take the instance off it, then
    move it to the first alternate in ``host_list`` that still has room,
    or put it in ERROR.

    ``host_list`` None (a build interrupted by an agent restart, or found
    by recovery on a host that went down: its alternates are lost) asks
    ``scheduler`` for a new host instead, ``failed_host`` excluded unless
    ``exclude_failed_host`` is False (the agent restarted: the host did
    not fail the build) and the build was not rescheduled away from that
    host before (an agent that dies on this build every time must not get
    it back for ever).
    ``request_spec`` None is read from the database.

    :returns: the selection it went to, or None.
    """
    uuid = instance['uuid']
    if not unassign(ctx, uuid, failed_host, _BUILD_TASK_STATES):
        # Deleted, or moved already by another reschedule or recovery.
        return None
    if not exclude_failed_host and _rescheduled_from(ctx, uuid, failed_host):
        exclude_failed_host = True
    try:
        return _reschedule(ctx, compute, scheduler, instance, request_spec,
                           host_list, failed_host, reason, claim_retries,
                           admin_password, exclude_failed_host)
    except Exception as exc:  # noqa: BLE001 -- never stuck in BUILD
        LOG.exception('Rescheduling %s failed', uuid)
        placement.free(ctx, uuid)
        set_error(ctx, uuid, _message(exc),
                  details='Last exception: %s' % reason, host=failed_host,
                  expected_task_state=_BUILD_TASK_STATES)
        return None


def _rescheduled_from(ctx, uuid, host):
    return any(event['event'] == RESCHEDULE_EVENT and event['host'] == host
               for action in instances_db.actions_with_events(ctx, uuid)
               for event in action['events'])


def _reschedule(ctx, compute, scheduler, instance, request_spec, host_list,
                failed_host, reason, claim_retries, admin_password,
                exclude_failed_host=True):
    uuid = instance['uuid']
    LOG.info('Rescheduling %s away from %s: %s', uuid, failed_host, reason)
    instances_db.action_event_start(ctx, uuid, ctx.request_id,
                                    RESCHEDULE_EVENT, host=failed_host)
    if request_spec is None:
        request_spec = instances_db.request_spec_get(ctx, uuid)
    if host_list is None and scheduler is not None:
        return _reschedule_anywhere(
            ctx, compute, scheduler, uuid, request_spec,
            failed_host if exclude_failed_host else None, reason,
            admin_password)
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
            updated = recovery_db.guarded_update(
                ctx, uuid, {'host': sel['service_host'],
                            'node': sel['nodename']},
                {'host': None, 'task_state': states.SCHEDULING,
                 'vm_state': states.BUILDING})
        except (exception.InstanceNotFound,
                exception.UnexpectedTaskState) as exc:
            LOG.info('Instance %s went away during rescheduling (%s)',
                     uuid, _message(exc))
            placement.free(ctx, uuid)
            return None
        instances_db.action_event_finish(ctx, uuid, ctx.request_id,
                                         RESCHEDULE_EVENT, 'Success')
        ports = network_info.for_instances(ctx, [uuid])[uuid]
        try:
            compute.build_and_run_instance(
                ctx, sel['service_host'], updated, request_spec,
                host_list=remaining, admin_password=admin_password,
                requested_networks=ports, node=sel['nodename'])
        except Exception:  # noqa: BLE001 -- recovery retries it
            LOG.exception('Handing %s to %s failed', uuid,
                          sel['service_host'])
            unassign(ctx, uuid, sel['service_host'], [states.SCHEDULING])
            return None
        return sel
    message = MAX_RETRIES_MSG % {'instance_uuid': uuid}
    set_error(ctx, uuid, message, details='Last exception: %s' % reason,
              host=failed_host, expected_task_state=_BUILD_TASK_STATES)
    instances_db.action_event_finish(ctx, uuid, ctx.request_id,
                                     RESCHEDULE_EVENT, 'Error',
                                     traceback=reason)
    return None


def _reschedule_anywhere(ctx, compute, scheduler, uuid, request_spec,
                         failed_host, reason, admin_password=None):
    """Ask the scheduler for a new host, ``failed_host`` (if any)
    excluded."""
    ignore = sorted(set(request_spec.get('ignore_hosts') or ())
                    | ({failed_host} if failed_host else set()))
    spec = dict(request_spec, ignore_hosts=ignore, instance_uuids=[uuid],
                num_instances=1)
    instances_db.action_event_finish(ctx, uuid, ctx.request_id,
                                     RESCHEDULE_EVENT, 'Success')
    # The instance is ours (unassign renewed its lease): schedule it.
    built = schedule_claimed(ctx, scheduler, compute, [uuid], spec,
                             admin_password=admin_password)
    if not built:
        return None
    inst = instances_db.get(ctx, uuid)
    return {'service_host': inst['host'], 'nodename': inst['node']}
