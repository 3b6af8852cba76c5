"""Instance action events written by the compute agent (through the
conductor). They are history only: losing one must never fail the build or
action it describes, so failures are logged, not raised."""

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def record(conductor, ctx, phase, uuid, event, host=None, result=None,
           tb=None):
    """Open (``phase`` 'start') or close ('finish', with ``result``
    Success/Error and an optional traceback) the event ``event``."""
    try:
        if phase == 'start':
            conductor.action_event_start(ctx, uuid, event, host=host)
        else:
            conductor.action_event_finish(ctx, uuid, event, result,
                                          traceback=tb)
    except Exception as exc:  # noqa: BLE001 -- history only, see above
        LOG.warning('cannot record %s of %s for instance %s: %s',
                    phase, event, uuid, exc)
