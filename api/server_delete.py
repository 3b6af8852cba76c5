"""DELETE /servers/<id>: locally when no compute host can act on it,
otherwise mark it ``deleting`` and ask its compute agent. A delete whose
message is lost, or whose host goes down before doing it, is finished by
the conductor's recovery pass (conductor/recovery.py)."""

from oslo_log import log as logging

from novalite.common.db import instances as instances_db
from novalite.common.db import services as services_db
from novalite.common import exception
from novalite.common import states

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = 'novalite-compute'


def _host_is_up(conf, ctx, host):
    for svc in services_db.get_all(ctx, binary=COMPUTE_BINARY):
        if svc['host'] == host:
            return services_db.is_up(svc, conf.service_down_time)
    return False


def delete(conf, ctx, inst, compute_api):
    """Delete ``inst`` (a dict). Raises InstanceNotFound if it is gone."""
    if not inst['host'] or not _host_is_up(conf, ctx, inst['host']):
        instances_db.destroy(ctx, inst['uuid'])
        return
    try:
        inst = instances_db.update(ctx, inst['uuid'],
                                   {'task_state': states.DELETING})
    except exception.UnexpectedTaskState:
        return
    try:
        compute_api.terminate_instance(ctx, inst)
    except Exception:  # noqa: BLE001 -- the conductor finishes it
        # The delete is recorded (task_state deleting): the recovery pass
        # sends it again after [conductor] build_recovery_grace, or deletes
        # locally if the host goes down.
        LOG.exception('cannot send the delete of %s to %s now; the '
                      'conductor will finish it', inst['uuid'], inst['host'])
