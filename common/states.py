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

# power_state (integers as Nova reports them)
NOSTATE = 0
RUNNING = 1
POWER_PAUSED = 3
SHUTDOWN = 4
CRASHED = 6
POWER_SUSPENDED = 7

_STATUS = {
    BUILDING: 'BUILD',
    ACTIVE: 'ACTIVE',
    STOPPED: 'SHUTOFF',
    PAUSED: 'PAUSED',
    SUSPENDED: 'SUSPENDED',
    ERROR: 'ERROR',
    DELETED: 'DELETED',
}


def api_status(vm_state, task_state=None):
    """The API ``status`` of a server, as Nova maps it."""
    return _STATUS.get(vm_state, 'UNKNOWN')
