"""Nova's vm/task/power states and the API status derived from them."""

# vm_state
BUILDING = 'building'
ACTIVE = 'active'
STOPPED = 'stopped'
PAUSED = 'paused'
SUSPENDED = 'suspended'
ERROR = 'error'
DELETED = 'deleted'

# task_state
SCHEDULING = 'scheduling'
NETWORKING = 'networking'
BLOCK_DEVICE_MAPPING = 'block_device_mapping'
SPAWNING = 'spawning'
DELETING = 'deleting'
POWERING_OFF = 'powering-off'
POWERING_ON = 'powering-on'
REBOOTING = 'rebooting'
REBOOT_PENDING = 'reboot_pending'
REBOOT_STARTED = 'reboot_started'
REBOOTING_HARD = 'rebooting_hard'
REBOOT_PENDING_HARD = 'reboot_pending_hard'
REBOOT_STARTED_HARD = 'reboot_started_hard'
PAUSING = 'pausing'
UNPAUSING = 'unpausing'
SUSPENDING = 'suspending'
RESUMING = 'resuming'
REBUILDING = 'rebuilding'
REBUILD_BLOCK_DEVICE_MAPPING = 'rebuild_block_device_mapping'
REBUILD_SPAWNING = 'rebuild_spawning'
IMAGE_SNAPSHOT = 'image_snapshot'
IMAGE_PENDING_UPLOAD = 'image_pending_upload'
IMAGE_UPLOADING = 'image_uploading'

# power_state (integers as Nova reports them)
NOSTATE = 0
RUNNING = 1
POWER_PAUSED = 3
SHUTDOWN = 4
CRASHED = 6
POWER_SUSPENDED = 7

_REBOOT = {REBOOTING: 'REBOOT', REBOOT_PENDING: 'REBOOT',
           REBOOT_STARTED: 'REBOOT', REBOOTING_HARD: 'HARD_REBOOT',
           REBOOT_PENDING_HARD: 'HARD_REBOOT',
           REBOOT_STARTED_HARD: 'HARD_REBOOT'}
_REBUILD = {REBUILDING: 'REBUILD', REBUILD_BLOCK_DEVICE_MAPPING: 'REBUILD',
            REBUILD_SPAWNING: 'REBUILD'}

# vm_state -> {task_state: status, None: default}, Nova's table: a reboot or
# rebuild in progress shows in the status, other tasks do not.
_STATUS = {
    BUILDING: {None: 'BUILD'},
    ACTIVE: dict({None: 'ACTIVE'}, **_REBOOT, **_REBUILD),
    STOPPED: dict({None: 'SHUTOFF'}, **_REBUILD),
    PAUSED: {None: 'PAUSED'},
    SUSPENDED: {None: 'SUSPENDED'},
    ERROR: dict({None: 'ERROR'}, **_REBUILD),
    DELETED: {None: 'DELETED'},
}


def api_status(vm_state, task_state=None):
    """The API ``status`` of a server, as Nova maps it."""
    by_task = _STATUS.get(vm_state)
    if by_task is None:
        return 'UNKNOWN'
    return by_task.get(task_state, by_task[None])
