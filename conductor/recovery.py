"""The conductor's recovery pass: find lost or unfinished work and finish
it, or fail it with a fault that says why (doc/reliability.md, "Recovery").

Every ``[conductor] build_recovery_interval`` seconds each conductor reads
the live instances still building or being deleted (one query) and the
compute services (one query), and for each instance decides:

- **build timed out**: created more than ``[compute]
  instance_build_timeout`` seconds ago and still building -> ERROR with
  "Build of instance <uuid> aborted: Instance build timed out after N
  seconds", taken off its host, claim freed.
- **waiting for a host** (task_state scheduling, no host) for longer than
  ``[conductor] build_recovery_grace`` (its conductor died, or the cast to
  the conductor was lost) -> scheduled again from its stored request spec.
- **sent to a host that never started it** (task_state scheduling with a
  host, unchanged for ``build_recovery_grace``: the cast was lost) or
  **claimed by a compute agent that is down** (no heartbeat for
  ``service_down_time``) before its guest was spawning -> taken off that
  host and scheduled again (a host that is down is excluded).
- **spawning on a compute host that is down** -> left to its agent for
  ``build_recovery_grace`` more seconds: an agent that restarts finishes
  the build or reschedules it itself (``init_host``), which beats failing
  it. Still silent after that -> the guest may be running there, so it is
  not built twice: ERROR with "Instance failed to spawn: ...", taken off
  the host (whose agent destroys the guest when it comes back,
  compute/reaper.py), claim freed.
- **deleting** on a host that is down, or with no host -> deleted here
  (Nova's local delete: instance marked deleted, claim and ports freed);
  on a host that is up for ``build_recovery_grace`` -> the delete is sent
  again.
- claims of instances that are gone (older than ``build_recovery_grace``)
  -> freed.

Every action starts with a compare-and-swap on the row as read
(``common/db/recovery.py``), so with several conductors only one acts on
an instance, and a compute agent progressing meanwhile wins over recovery.
"""

import datetime

from oslo_log import log as logging

from novalite.common.db import instances as instances_db
from novalite.common.db import placement
from novalite.common.db import recovery as recovery_db
from novalite.common.db import services as services_db
from novalite.common import exception
from novalite.common import states
from novalite.conductor import build

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'novalite-compute'
FAULT_CODE = 500
TIMEOUT_MSG = ('Build of instance %(uuid)s aborted: Instance build timed '
               'out after %(timeout)d seconds')
HOST_DOWN_SPAWN_MSG = ('Instance failed to spawn: compute host %(host)s '
                       'went down during the build')
# Task states of a build before the guest is being created.
_BEFORE_SPAWN = (states.SCHEDULING, states.NETWORKING,
                 states.BLOCK_DEVICE_MAPPING)
_LOST = (exception.InstanceNotFound, exception.UnexpectedTaskState)


def _age(now, value):
    if value is None:
        return 0.0
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return (now - value).total_seconds()


class Recovery:
    """One per conductor; ``run(ctx)`` is its periodic task."""

    def __init__(self, conf, scheduler, compute):
        self.conf = conf
        self.scheduler = scheduler
        self.compute = compute

    @property
    def grace(self):
        return self.conf.conductor.build_recovery_grace

    def run(self, ctx):
        """One pass. :returns: {action: [instance uuid, ...]} of what it
        did (actions: timed_out, rescheduled, failed_spawn, deleted,
        delete_resent; and freed_claims)."""
        done = {}
        now = recovery_db.utcnow()
        up, silent = {}, {}
        for svc in services_db.get_all(ctx, binary=COMPUTE_BINARY):
            up[svc['host']] = services_db.is_up(svc,
                                                self.conf.service_down_time)
            silent[svc['host']] = _age(now, svc.get('last_seen_up')
                                       or svc.get('updated_at'))
        for inst in recovery_db.get_unfinished(ctx):
            try:
                action = self._recover(ctx, inst, now, up, silent)
            except Exception:  # noqa: BLE001 -- try the others, retry later
                LOG.exception('cannot recover instance %s', inst['uuid'])
                continue
            if action:
                done.setdefault(action, []).append(inst['uuid'])
        orphans = recovery_db.get_orphan_allocations(ctx, self.grace)
        if orphans:
            LOG.warning('freeing the claims of instances that are gone: %s',
                        orphans)
            placement.free_all(ctx, orphans)
            done['freed_claims'] = orphans
        if done:
            LOG.info('recovery pass: %s', {k: len(v) for k, v in done.items()})
        return done

    # -- one instance ---------------------------------------------------------
    def _recover(self, ctx, inst, now, up, silent):
        host = inst['host']
        host_up = bool(host) and up.get(host, False)
        quiet = _age(now, inst['updated_at'] or inst['created_at'])
        if inst['task_state'] == states.DELETING:
            return self._finish_delete(ctx, inst, host_up, quiet)
        timeout = self.conf.compute.instance_build_timeout
        if timeout and _age(now, inst['created_at']) > timeout:
            return self._time_out(ctx, inst, timeout)
        task = inst['task_state']
        if not host:
            if task == states.SCHEDULING and quiet > self.grace:
                return self._schedule_again(ctx, inst)
            return None
        if task == states.SCHEDULING and quiet > self.grace:
            return self._reschedule(ctx, inst, 'the build sent to %s was '
                                    'not started' % host, host_up)
        if host_up:
            return None   # its agent owns it; the timeout bounds it
        if task in _BEFORE_SPAWN:
            return self._reschedule(ctx, inst, 'compute host %s went down '
                                    'before the build started' % host, False)
        if task == states.SPAWNING:
            # An agent killed mid-spawn usually comes back within seconds
            # and settles its builds at start; fail only a silent host's.
            if (silent.get(host, float('inf'))
                    > self.conf.service_down_time + self.grace):
                return self._fail_spawn(ctx, inst)
            return None
        return None

    def _ctx(self, ctx, uuid):
        """``ctx`` with the instance's create request id, so what recovery
        does shows in the server's create action (os-instance-actions)."""
        request_id = recovery_db.create_request_id(ctx, uuid)
        if not request_id:
            return ctx
        return ctx.__class__.from_dict(dict(ctx.to_dict(),
                                            request_id=request_id))

    def _expected(self, inst):
        return {'task_state': inst['task_state'], 'host': inst['host'],
                'vm_state': inst['vm_state'],
                'updated_at': inst['updated_at']}

    def _time_out(self, ctx, inst, timeout):
        uuid = inst['uuid']
        message = TIMEOUT_MSG % {'uuid': uuid, 'timeout': timeout}
        try:
            recovery_db.guarded_update(
                ctx, uuid, {'vm_state': states.ERROR, 'task_state': None,
                            'host': None, 'node': None},
                self._expected(inst),
                fault={'code': FAULT_CODE, 'message': message,
                       'details': 'vm_state building, task_state %s, host '
                                  '%s' % (inst['task_state'], inst['host']),
                       'host': inst['host']})
        except _LOST:
            return None
        placement.free(ctx, uuid)
        LOG.warning('instance %s: %s', uuid, message)
        return 'timed_out'

    def _schedule_again(self, ctx, inst):
        uuid = inst['uuid']
        if not recovery_db.claim_for_scheduling(ctx, [uuid], self.grace,
                                                stale_only=True):
            return None
        LOG.warning('instance %s has waited for a host for more than %ss '
                    '(its conductor stopped, or the request was lost): '
                    'scheduling it again', uuid, self.grace)
        self._schedule(ctx, uuid, ignore_hosts=())
        return 'rescheduled'

    def _schedule(self, ctx, uuid, ignore_hosts):
        ctx = self._ctx(ctx, uuid)
        try:
            spec = instances_db.request_spec_get(ctx, uuid)
        except exception.NotFound:
            build.set_error(ctx, uuid, 'Build of instance %s aborted: its '
                            'request spec is missing' % uuid,
                            expected_task_state=states.SCHEDULING)
            return
        ignore = sorted(set(spec.get('ignore_hosts') or ()) |
                        set(ignore_hosts))
        build.schedule_claimed(
            ctx, self.scheduler, self.compute, [uuid],
            dict(spec, instance_uuids=[uuid], num_instances=1,
                 ignore_hosts=ignore),
            service_down_time=self.conf.service_down_time)

    def _reschedule(self, ctx, inst, why, host_up):
        """Take the instance off its host (compare-and-swap on the row as
        read) and schedule it again."""
        uuid, host = inst['uuid'], inst['host']
        try:
            recovery_db.guarded_update(
                ctx, uuid, {'host': None, 'node': None,
                            'task_state': states.SCHEDULING},
                self._expected(inst))
        except _LOST:
            return None
        placement.free(ctx, uuid)
        LOG.warning('instance %s: %s; scheduling it again', uuid, why)
        self._schedule(ctx, uuid, ignore_hosts=() if host_up else (host,))
        return 'rescheduled'

    def _fail_spawn(self, ctx, inst):
        uuid = inst['uuid']
        message = HOST_DOWN_SPAWN_MSG % {'host': inst['host']}
        try:
            recovery_db.guarded_update(
                ctx, uuid, {'vm_state': states.ERROR, 'task_state': None,
                            'host': None, 'node': None},
                self._expected(inst),
                fault={'code': FAULT_CODE, 'message': message,
                       'details': 'The guest may have started there, so '
                                  'the build was not repeated elsewhere.',
                       'host': inst['host']})
        except _LOST:
            return None
        placement.free(ctx, uuid)
        LOG.warning('instance %s: %s', uuid, message)
        return 'failed_spawn'

    def _finish_delete(self, ctx, inst, host_up, quiet):
        uuid = inst['uuid']
        if host_up and quiet <= self.grace:
            return None   # its agent is on it
        try:
            # Claim: only one conductor finishes it (a fresh updated_at).
            inst = recovery_db.guarded_update(ctx, uuid, {},
                                              self._expected(inst))
        except _LOST:
            return None
        if host_up:
            LOG.warning('instance %s has been deleting for more than %ss: '
                        'sending the delete to %s again', uuid, self.grace,
                        inst['host'])
            self.compute.terminate_instance(self._ctx(ctx, uuid), inst)
            return 'delete_resent'
        LOG.warning('instance %s is deleting and its host %s is down: '
                    'deleting it locally (its agent removes the guest when '
                    'it comes back)', uuid, inst['host'])
        try:
            instances_db.destroy(ctx, uuid)
        except exception.InstanceNotFound:
            return None
        return 'deleted'
