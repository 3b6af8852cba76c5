"""Server actions, API side, after Nova's compute API: its checks (lock,
host, vm/task state), the starting task_state written with an
expected_task_state guard, the instance action record, then the RPC to the
instance's compute agent, which moves the task_state on and clears it."""

import collections
import re

from oslo_log import log as logging

from novalite.api import access_ip
from novalite.api import faults
from novalite.api import image_api
from novalite.api import policy
from novalite.api import quota
from novalite.api import server_create
from novalite.api import server_lookup
from novalite.common.db import instances as instances_db
from novalite.common import exception
from novalite.common import states

LOG = logging.getLogger(__name__)

# A hard reboot may interrupt these (Nova's task_states.ALLOW_REBOOT).
ALLOW_REBOOT = [None, states.REBOOTING, states.REBOOT_PENDING,
                states.REBOOT_STARTED, states.RESUMING, states.REBOOTING_HARD,
                states.UNPAUSING, states.PAUSING, states.SUSPENDING]

# action: Nova's instance action name (also the name in 409 messages);
# vm_states/task_states: where check_instance_state lets it run;
# task_state: the one it starts; cast: the compute RPC method.
Rule = collections.namedtuple(
    'Rule', 'action vm_states task_states task_state cast')

RULES = {
    'os-stop': Rule('stop', [states.ACTIVE, states.ERROR], [None],
                    states.POWERING_OFF, 'stop_instance'),
    'os-start': Rule('start', [states.STOPPED], [None], states.POWERING_ON,
                     'start_instance'),
    'pause': Rule('pause', [states.ACTIVE], [None], states.PAUSING,
                  'pause_instance'),
    'unpause': Rule('unpause', [states.PAUSED], [None], states.UNPAUSING,
                    'unpause_instance'),
    'suspend': Rule('suspend', [states.ACTIVE], [None], states.SUSPENDING,
                    'suspend_instance'),
    'resume': Rule('resume', [states.SUSPENDED], [None], states.RESUMING,
                   'resume_instance'),
}
SOFT_REBOOT = Rule('reboot', [states.ACTIVE], [None], states.REBOOTING,
                   'reboot_instance')
HARD_REBOOT = Rule('reboot', [states.ACTIVE, states.STOPPED, states.PAUSED,
                              states.SUSPENDED, states.ERROR],
                   ALLOW_REBOOT, states.REBOOTING_HARD, 'reboot_instance')
REBUILD = Rule('rebuild', [states.ACTIVE, states.STOPPED, states.ERROR],
               [None], states.REBUILDING, 'rebuild_instance')
SNAPSHOT = Rule('createImage', [states.ACTIVE, states.STOPPED,
                                states.PAUSED, states.SUSPENDED],
                [None], states.IMAGE_SNAPSHOT, 'snapshot_instance')

UNLOCK_OVERRIDE = 'os_compute_api:os-lock-server:unlock:unlock_override'
# Console logs may hold bytes that are not valid in JSON/XML text (Nova).
_CONTROL_CHARS = re.compile('[\x00-\x08\x0B-\x1F]')
# Image fields the driver gets, as the boot's request spec carries them.
_IMAGE_META_KEYS = ('id', 'name', 'status', 'min_disk', 'min_ram',
                    'disk_format', 'container_format', 'size', 'checksum',
                    'properties')


def _conflict(action, uuid, attr, value):
    return faults.Fault(409, "Cannot '%s' instance %s while it is in %s %s"
                        % (action, uuid, attr, value))


def check_lock(ctx, inst):
    if inst['locked'] and not ctx.is_admin:
        raise faults.Fault(409, 'Instance %s is locked' % inst['uuid'])


def check_host(inst):
    if not inst['host']:
        raise faults.Fault(409, 'Instance %s is not ready' % inst['uuid'])


def check_state(rule, inst):
    if inst['vm_state'] not in rule.vm_states:
        raise _conflict(rule.action, inst['uuid'], 'vm_state',
                        inst['vm_state'])
    if inst['task_state'] not in rule.task_states:
        raise _conflict(rule.action, inst['uuid'], 'task_state',
                        inst['task_state'])


def begin(ctx, inst, rule, updates=None, check_locked=True):
    """Nova's checks, then the starting task_state (guarded: a task that
    started since we read the row wins, we answer 409), ``updates`` and the
    action record, in one transaction.

    :returns: the updated instance and ``restore``: the values that undo
        the write (for ``cast``)
    """
    if check_locked:
        check_lock(ctx, inst)
    check_host(inst)
    check_state(rule, inst)
    values = dict(updates or {}, task_state=rule.task_state)
    try:
        before, inst = instances_db.update_and_start_action(
            ctx, inst['uuid'], values, rule.action,
            expected_task_state=rule.task_states)
    except exception.UnexpectedTaskState as exc:
        raise _conflict(rule.action, inst['uuid'], 'task_state',
                        exc.kwargs.get('actual'))
    return inst, {key: before[key] for key in values}


def cast(ctx, inst, rule, compute_api, restore=None, **kwargs):
    """Send the action to the instance's compute agent. If the bus refuses
    it, write ``restore`` (what ``begin`` returned; else just task_state
    None) back so the server is neither stuck in the task nor claiming what
    it does not run."""
    try:
        getattr(compute_api, rule.cast)(ctx, inst, **kwargs)
    except Exception:  # noqa: BLE001 -- bus down: undo, fail visibly
        LOG.exception('cast of %s for instance %s failed', rule.cast,
                      inst['uuid'])
        try:
            instances_db.update(ctx, inst['uuid'],
                                restore or {'task_state': None},
                                expected_task_state=[rule.task_state])
        except (exception.UnexpectedTaskState, exception.InstanceNotFound):
            pass
        raise faults.Fault(503, 'The compute service is unavailable, '
                                'try again later.')


def simple(ctx, inst, key, compute_api, **kwargs):
    """os-stop, os-start, pause, unpause, suspend, resume."""
    rule = RULES[key]
    inst, restore = begin(ctx, inst, rule)
    cast(ctx, inst, rule, compute_api, restore=restore, **kwargs)


def reboot(ctx, inst, reboot_type, compute_api):
    reboot_type = reboot_type.upper()
    rule = SOFT_REBOOT if reboot_type == 'SOFT' else HARD_REBOOT
    inst, restore = begin(ctx, inst, rule)
    cast(ctx, inst, rule, compute_api, restore=restore,
         reboot_type=reboot_type)


# -- lock / unlock: database only --------------------------------------------

def lock(ctx, inst, reason=None):
    """``reason``: the 2.73 ``locked_reason``."""
    is_owner = inst['project_id'] == ctx.project_id
    if inst['locked'] and is_owner:
        return   # Nova: only an admin (non-owner) takes over a lock
    instances_db.update(ctx, inst['uuid'], {
        'locked': True, 'locked_by': 'owner' if is_owner else 'admin',
        'locked_reason': reason})
    instances_db.action_start(ctx, inst['uuid'], 'lock')


def unlock(conf, ctx, inst):
    """Nova: who did not take the lock needs ``unlock_override``."""
    expected = 'owner' if inst['project_id'] == ctx.project_id else 'admin'
    if inst['locked_by'] and inst['locked_by'] != expected:
        policy.authorize(conf, ctx, UNLOCK_OVERRIDE,
                         server_lookup.target(inst))
    instances_db.update(ctx, inst['uuid'], {'locked': False,
                                            'locked_by': None,
                                            'locked_reason': None})
    instances_db.action_start(ctx, inst['uuid'], 'unlock')


# -- rebuild ------------------------------------------------------------------

def image_meta(image):
    return {k: image.get(k) for k in _IMAGE_META_KEYS}


def _active_image(conf, ctx, ref):
    try:
        image = image_api.get(conf, ctx, ref)
    except exception.ImageNotFound:
        raise faults.bad_request('Cannot find requested image')
    if image['status'] != 'active':
        raise faults.bad_request('Image %s is not active.' % ref)
    return image


# rebuild body key -> instance column it replaces
_REBUILD_FIELDS = (('name', 'display_name'), ('metadata', 'metadata'),
                   ('accessIPv4', 'access_ip_v4'),
                   ('accessIPv6', 'access_ip_v6'),
                   ('OS-DCF:diskConfig', 'disk_config'),
                   ('description', 'display_description'),
                   ('key_name', 'key_name'),                      # 2.54
                   ('user_data', 'user_data'),                    # 2.57
                   ('trusted_image_certificates', 'trusted_certs'),  # 2.63
                   ('hostname', 'hostname'))                      # 2.90


def rebuild(conf, ctx, inst, req, compute_api):
    """Rebuild ``inst`` from ``req['imageRef']`` with the same flavor (the
    image must fit it, as on create). The new image, name etc. are written
    with the task state and the action in one transaction, and written
    back if the cast fails.

    :returns: (the updated instance, the admin password)
    """
    check_lock(ctx, inst)
    check_host(inst)
    check_state(REBUILD, inst)
    image = _active_image(conf, ctx, req['imageRef'])
    server_create.check_flavor_fits_image(inst['flavor'] or {}, image)
    updates = {'image_ref': image['id']}
    access_ip.normalize(req)
    for key, column in _REBUILD_FIELDS:
        if key in req:
            updates[column] = req[key]
    if 'key_name' in req:   # 2.54: a key pair of the caller's, or null
        updates['key_data'] = server_create.key_data(ctx, req['key_name'])
    if 'metadata' in req:
        quota.check_metadata_items(ctx, len(req['metadata'] or {}), conf)
    inst, restore = begin(ctx, inst, REBUILD, updates)
    password = req.get('adminPass') or server_create.generate_password()
    cast(ctx, inst, REBUILD, compute_api, restore=restore,
         image_ref=image['id'], image_meta=image_meta(image),
         admin_password=password)
    return inst, password


# -- createImage --------------------------------------------------------------

def _base_image(conf, ctx, inst):
    try:
        return image_api.get(conf, ctx, inst['image_ref'])
    except exception.ImageNotFound:
        return None   # deleted since the boot: nothing to inherit


def create_image(conf, ctx, inst, req, compute_api):
    """Snapshot the root disk into a new queued image owned by the server's
    project. Not refused on a locked server: a lock guards against changes
    to the server, and a snapshot changes nothing (Nova's rule).

    :returns: the image id
    """
    check_host(inst)
    check_state(SNAPSHOT, inst)
    base = _base_image(conf, ctx, inst) or {}
    # Glance properties are strings; os_hidden is an image attribute kept
    # among the stored properties and must not be inherited.
    properties = {k: str(v) for k, v in (base.get('properties') or {}).items()
                  if k != 'os_hidden'}
    properties.update({'image_type': 'snapshot',
                       'instance_uuid': inst['uuid'],
                       'base_image_ref': inst['image_ref'] or '',
                       'user_id': ctx.user_id})
    # The request's metadata last, as Nova's extra_properties: tempest's
    # test_create_delete_image sets image_type=test and reads it back.
    properties.update(req.get('metadata') or {})
    flavor = inst['flavor'] or {}
    image = image_api.create_queued(conf, ctx, {
        'name': req['name'], 'visibility': 'private',
        'owner': inst['project_id'], 'properties': properties,
        'min_disk': max(flavor.get('root_gb') or 0,
                        base.get('min_disk') or 0),
        'min_ram': base.get('min_ram') or 0})
    try:
        inst, restore = begin(ctx, inst, SNAPSHOT, check_locked=False)
    except faults.Fault:
        image_api.delete(conf, ctx, image['id'])   # nobody will fill it
        raise
    try:
        cast(ctx, inst, SNAPSHOT, compute_api, restore=restore,
             image_id=image['id'])
    except faults.Fault:
        image_api.delete(conf, ctx, image['id'])
        raise
    return image['id']


# -- os-getConsoleOutput ------------------------------------------------------

def console_output(ctx, inst, length, compute_api):
    """The last ``length`` lines of the serial console (all when None or
    -1), asked of the compute agent by RPC call."""
    if length is not None:
        length = int(length)
        if length < -1:
            raise faults.bad_request(
                'Invalid input for field/attribute length. Value: %d. %d is '
                'less than the minimum of -1' % (length, length))
        if length == -1:
            length = None
    check_host(inst)
    output = compute_api.get_console_output(ctx, inst, tail_length=length)
    return _CONTROL_CHARS.sub('', output or '')
