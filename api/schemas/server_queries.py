"""GET /servers and /servers/detail query parameters per microversion
(after Nova's query_params_v21 .. v275): until 2.75 unknown parameters are
ignored; from 2.75 they, and a sort key Nova does not accept, are a 400."""

from oslo_utils import strutils

from novalite.api import faults

KNOWN_V21 = frozenset((
    'user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref',
    'image', 'kernel_id', 'ramdisk_id', 'hostname', 'key_name',
    'power_state', 'vm_state', 'task_state', 'host', 'node', 'flavor',
    'reservation_id', 'launched_at', 'terminated_at', 'availability_zone',
    'name', 'display_name', 'description', 'display_description',
    'locked_by', 'uuid', 'root_device_name', 'config_drive', 'access_ip_v4',
    'access_ip_v6', 'auto_disk_config', 'progress', 'sort_key', 'sort_dir',
    'all_tenants', 'soft_deleted', 'deleted', 'status', 'changes-since',
    'ip', 'ip6', 'created_at', 'block_device_mapping', 'services',
    'metadata', 'system_metadata', 'info_cache', 'security_groups',
    'pci_devices', 'limit', 'marker'))
TAG_FILTERS = ('tags', 'tags-any', 'not-tags', 'not-tags-any')
KNOWN_V226 = KNOWN_V21 | set(TAG_FILTERS)
KNOWN_V266 = KNOWN_V226 | {'changes-before'}
KNOWN_V273 = KNOWN_V266 | {'locked'}

# Sort keys Nova accepted before it validated them but ignores (with
# their direction) until 2.75 refuses them; 2.73 makes ``locked`` a real
# one.
IGNORED_SORT_KEYS = frozenset((
    'architecture', 'cell_name', 'cleaned', 'default_ephemeral_device',
    'default_swap_device', 'deleted', 'deleted_at', 'disable_terminate',
    'ephemeral_gb', 'ephemeral_key_uuid', 'id', 'key_data', 'launched_on',
    'locked', 'memory_mb', 'os_type', 'reservation_id', 'root_gb',
    'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode'))
IGNORED_SORT_KEYS_V273 = IGNORED_SORT_KEYS - {'locked'}
ADMIN_SORT_KEYS = ('host', 'node')

SORT_KEYS_V275 = frozenset((
    'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone',
    'config_drive', 'created_at', 'display_description', 'display_name',
    'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id',
    'key_name', 'launch_index', 'launched_at', 'locked_by', 'node',
    'power_state', 'progress', 'project_id', 'ramdisk_id',
    'root_device_name', 'task_state', 'terminated_at', 'updated_at',
    'user_id', 'uuid', 'vm_state', 'locked'))

# Filters a project member may use (Nova's list; 2.83 adds the second
# group); an admin may use every known one.
USER_FILTERS = frozenset((
    'reservation_id', 'name', 'status', 'image', 'flavor', 'ip',
    'changes-since', 'changes-before', 'ip6', 'tags', 'tags-any',
    'not-tags', 'not-tags-any', 'all_tenants', 'limit', 'marker',
    'sort_key', 'sort_dir', 'locked', 'deleted'))
USER_FILTERS_V283 = USER_FILTERS | {
    'availability_zone', 'config_drive', 'key_name', 'created_at',
    'launched_at', 'terminated_at', 'power_state', 'task_state',
    'vm_state', 'progress', 'user_id'}


def known(version):
    if version >= '2.73':
        return KNOWN_V273
    if version >= '2.66':
        return KNOWN_V266
    if version >= '2.26':
        return KNOWN_V226
    return KNOWN_V21


def user_filters(version):
    return USER_FILTERS_V283 if version >= '2.83' else USER_FILTERS


def sort_keys_allowed(version):
    """The sort keys Nova's query schema accepts at ``version``."""
    if version >= '2.75':
        return SORT_KEYS_V275
    return SORT_KEYS_V275 | IGNORED_SORT_KEYS


def check(params, version):
    """400 for a sort key Nova's schema refuses at ``version``; from 2.75
    also for a parameter Nova does not know (Nova's jsonschema
    messages)."""
    allowed = sort_keys_allowed(version)
    for key in params.getall('sort_key'):
        if key not in allowed:
            raise faults.bad_request(
                "Invalid input for query parameters sort_key. Value: %s. "
                "'%s' is not one of the allowed sort keys" % (key, key))
    if version < '2.75':
        return
    names = known(version)
    unknown = sorted(k for k in params.keys() if k not in names)
    if unknown:
        quoted = ', '.join(repr(k) for k in unknown)
        raise faults.bad_request(
            'Additional properties are not allowed (%s %s unexpected)'
            % (quoted, 'was' if len(unknown) == 1 else 'were'))


def sort_params(params, version, is_admin):
    """(sort_keys, sort_dirs) as Nova's get_sort_params and
    remove_invalid_sort_keys make them: ``created_at``/``desc`` when none
    is given; the keys Nova ignores dropped with their direction; 403 for
    a non-admin sorting by host or node. Directions are checked by the
    database layer (instance_order.process)."""
    keys = [k.strip() for k in params.getall('sort_key')] or ['created_at']
    dirs = [d.strip() for d in params.getall('sort_dir')] or ['desc']
    ignored = (IGNORED_SORT_KEYS_V273 if version >= '2.73'
               else IGNORED_SORT_KEYS)
    for key in list(keys):
        if key in ignored:
            index = keys.index(key)
            if len(dirs) > index:
                dirs.pop(index)
            keys.pop(index)
        elif key in ADMIN_SORT_KEYS and not is_admin:
            raise faults.Fault(403, 'Only administrators can sort servers '
                               'by %s' % key)
    return keys, dirs


def _address_filter(key, text):
    """The ``ip``/``ip6`` pattern, matched from an address's start as
    Nova's _ip_filter does, by the linear-time matcher; 400 for what is
    not a regular expression or what the matcher refuses."""
    import re
    from novalite.api import name_filter
    try:
        name_filter.compile_filter(text)
        return name_filter.compile_filter('^(?:%s)' % text)
    except re.error as exc:
        reason = 'not a valid regular expression: %s' % exc
    except name_filter.Unsupported as exc:
        reason = 'not supported as an address filter: %s' % exc
    raise faults.bad_request('Invalid input for query parameters %s. '
                             'Value: %s. %r is %s' % (key, text[:300],
                                                      text[:300], reason))


def _bool(key, value):
    """oslo's strict bool_from_string, with Nova's 400 message."""
    text = str(value).strip().lower()
    if text in ('1', 't', 'true', 'on', 'y', 'yes'):
        return True
    if text in ('0', 'f', 'false', 'off', 'n', 'no'):
        return False
    raise faults.bad_request(
        "Invalid input received: Unrecognized value '%s', acceptable values "
        "are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', "
        "'y', 'yes'" % value)


def bad_time(key, value):
    """Nova's message for a changes-since/-before that is no date-time
    (its query schema's format check)."""
    return ("Invalid input for query parameters %s. Value: %s. %r is not "
            "a 'date-time'" % (key, value, value))


def _time(key, value):
    import datetime
    try:
        return datetime.datetime.fromisoformat(
            value.replace('Z', '+00:00')).astimezone(
            datetime.timezone.utc).replace(tzinfo=None)
    except ValueError:
        raise faults.bad_request(bad_time(key, value))


# query parameter -> instances_db.get_all filter, for those that need no
# translation (the 2.83 ones and the admin ones Nova has always had).
_COLUMN_FILTERS = {
    'user_id': 'user_id', 'key_name': 'key_name',
    'availability_zone': 'availability_zone', 'config_drive': 'config_drive',
    'task_state': 'task_state', 'image': 'image_ref',
    'image_ref': 'image_ref', 'reservation_id': 'reservation_id',
    'uuid': 'uuid', 'node': 'node', 'hostname': 'hostname',
    'description': 'display_description',
}


def filters(params, version, all_filters):
    """The list filters that depend on the microversion or the caller:
    ip, ip6 and flavor (everyone's), tags (2.26), changes-before (2.66), locked (2.73) and the column
    filters, those of 2.83 for everyone, the rest for who may use every
    filter (``allow_all_filters``). Raises 400 faults with Nova's
    messages."""
    allowed = known(version) if all_filters else user_filters(version)
    result = {}
    for key in ('ip', 'ip6'):
        if params.get(key):
            result[key] = _address_filter(key, params[key])
    if params.get('flavor'):
        result['flavor'] = params['flavor']
    for key, column in _COLUMN_FILTERS.items():
        if key in allowed and params.get(key):
            result[column] = params[key]
    if 'vm_state' in allowed and params.get('vm_state') and \
            not params.get('status'):
        result['vm_state'] = params.getall('vm_state')
    if 'power_state' in allowed and params.get('power_state'):
        value = params['power_state']
        result['power_state'] = int(value) if value.isdigit() and \
            len(value) < 4 else -1
    if version >= '2.26':
        for key in TAG_FILTERS:
            if params.get(key):
                # Nova splits on commas and keeps what is between them.
                result[key] = params[key].split(',')
    if version >= '2.66' and params.get('changes-before'):
        before = _time('changes-before', params['changes-before'])
        since = params.get('changes-since')
        if since and _time('changes-since', since) > before:
            raise faults.bad_request('The value of changes-since must be '
                                     'less than or equal to changes-before.')
        result['changes-before'] = before
    if version >= '2.73' and params.get('locked') is not None:
        result['locked'] = _bool('locked', params['locked'])
    if all_filters and params.get('deleted') is not None:
        # Nova's: admin only (dropped for others), and anything that is
        # not a true value means false (strutils, default False).
        result['deleted'] = strutils.bool_from_string(params['deleted'],
                                                      default=False)
    return result
