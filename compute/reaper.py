"""Guests this host runs for instances it no longer owns.

The API deletes a server locally when its host is down (allocation and
ports freed at once), and a reschedule can leave a guest behind on a host
that failed to clean up; either way the domain keeps running and using
resources the scheduler no longer counts. On start and every
``[compute] running_deleted_instance_poll_interval`` seconds the agent asks
the conductor about every domain novalite defined here (known by its
``<nova:package version="novalite">`` metadata) and, per
``[compute] running_deleted_instance_action`` (Nova's default ``reap``),
destroys the domain and files of each instance that is deleted or assigned
to another host. Domains novalite did not define, and novalite domains of
no known instance, are left alone and reported.
"""

from oslo_log import log as logging

from novalite.common import states

LOG = logging.getLogger(__name__)

REAP, LOG_ONLY, NOOP = 'reap', 'log', 'noop'


def lives_elsewhere(instance):
    """A live instance assigned to another host: its domain here goes, but
    its files stay (on shared storage they are the new host's files)."""
    return not (instance.get('deleted')
                or instance.get('vm_state') == states.DELETED)


def why_not_ours(instance, host):
    """Why the domain of ``instance`` should not run on ``host``, or None."""
    if instance.get('deleted') or instance.get('vm_state') == states.DELETED:
        return 'the instance is deleted'
    if instance.get('host') != host:
        return 'the instance is assigned to host %s' % instance.get('host')
    return None


class Reaper:
    """One per compute agent; ``locks`` are the manager's instance locks,
    so a reap never runs beside a build or delete of the same instance."""

    def __init__(self, conf, driver, conductor_api, locks):
        self.conf = conf
        self.driver = driver
        self.conductor = conductor_api
        self.locks = locks

    @property
    def action(self):
        return self.conf.compute.running_deleted_instance_action

    def run(self, ctx):
        """One pass over the domains of this host.

        :returns: {uuid: reason} of the domains found running for an
            instance this host does not own (reaped when the action is
            ``reap``).
        """
        if self.action == NOOP:
            return {}
        ours, others = self.driver.list_instance_domains()
        for uuid in sorted(others):
            LOG.debug('domain %s was not defined by novalite; ignoring it',
                      uuid)
        if not ours:
            return {}
        known = {inst['uuid']: inst for inst in
                 self.conductor.instance_get_by_uuids(
                     ctx, sorted(ours), read_deleted='yes')}
        found = {}
        for uuid in sorted(ours):
            inst = known.get(uuid)
            if inst is None:
                LOG.warning('domain %s belongs to no instance; leaving it '
                            'alone', uuid)
                continue
            reason = why_not_ours(inst, self.conf.host)
            if reason is None:
                continue
            found[uuid] = reason
            self._handle(uuid, reason, keep_files=lives_elsewhere(inst))
        return found

    def reap(self, ctx, instance_uuids):
        """Destroy the domains and files of exactly these instances, each
        only if the conductor says it is deleted or on another host (an
        operator's ``novalite-manage audit --fix``, whatever
        ``running_deleted_instance_action`` says). Unknown uuids and
        instances this host owns are left alone.

        :returns: {uuid: reason} of those destroyed.
        """
        known = {inst['uuid']: inst for inst in
                 self.conductor.instance_get_by_uuids(
                     ctx, sorted(instance_uuids), read_deleted='yes')}
        done = {}
        for uuid in sorted(known):
            reason = why_not_ours(known[uuid], self.conf.host)
            if reason is None:
                continue
            with self.locks.hold(uuid):
                try:
                    self.driver.destroy(
                        {'uuid': uuid},
                        keep_files=lives_elsewhere(known[uuid]))
                except Exception:  # noqa: BLE001 -- report, do the others
                    LOG.exception('cannot destroy guest %s', uuid)
                    continue
            LOG.warning('guest %s and its files removed on request: %s',
                        uuid, reason)
            done[uuid] = reason
        return done

    def _handle(self, uuid, reason, keep_files=False):
        if self.action != REAP:
            LOG.warning('domain %s still runs on this host but %s '
                        '(running_deleted_instance_action = %s)', uuid,
                        reason, self.action)
            return
        LOG.warning('destroying domain %s%s: %s '
                    '(running_deleted_instance_action = reap)', uuid,
                    '' if keep_files else ' and its files', reason)
        with self.locks.hold(uuid):
            try:
                self.driver.destroy({'uuid': uuid}, keep_files=keep_files)
            except Exception:  # noqa: BLE001 -- try the others, retry later
                LOG.exception('cannot destroy domain %s', uuid)
                return
        LOG.info('domain %s reaped', uuid)
