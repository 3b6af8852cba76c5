"""The order of the server list and the keyset condition that pages
through it (Nova's process_sort_params and oslo.db's paginate_query).

A sort is a list of (Nova sort key, 'asc' | 'desc'); ``created_at`` and
the row id always close it, so the order is total and a marker names one
place in it. NULL sorts as the smallest value on every database (SQLite
and MySQL do so natively; PostgreSQL would put it last), and the "after
the marker" condition says the same, so pages neither skip nor repeat
rows whatever the keys."""

from sqlalchemy import and_, case, false, or_, true

from novalite.common.db import models
from novalite.common import exception

_I = models.Instance

DEFAULT_KEYS = ('created_at', 'id')
DIRECTIONS = ('asc', 'desc')

# Nova's sort keys this table has a column for; the others (kernel_id,
# ramdisk_id, root_device_name, progress) are the same for every server
# here, so they leave the order to the following keys.
_COLUMNS = {
    'access_ip_v4': _I.access_ip_v4, 'access_ip_v6': _I.access_ip_v6,
    'auto_disk_config': _I.disk_config,
    'availability_zone': _I.availability_zone,
    'config_drive': _I.config_drive, 'created_at': _I.created_at,
    'display_description': _I.display_description,
    'display_name': _I.display_name, 'host': _I.host,
    'hostname': _I.hostname, 'image_ref': _I.image_ref,
    'key_name': _I.key_name, 'launch_index': _I.launch_index,
    'launched_at': _I.launched_at, 'locked_by': _I.locked_by,
    'node': _I.node, 'power_state': _I.power_state,
    'project_id': _I.project_id, 'task_state': _I.task_state,
    'terminated_at': _I.terminated_at, 'updated_at': _I.updated_at,
    'user_id': _I.user_id, 'uuid': _I.uuid, 'vm_state': _I.vm_state,
    'locked': _I.locked, 'id': _I.id,
}


def _column(key):
    if key == 'instance_type_id':
        # Nova's flavor row id: here the id in the flavor snapshot.
        return _I.flavor['id'].as_integer()
    return _COLUMNS.get(key)


def process(sort_keys, sort_dirs, default_dir='desc'):
    """[(key, dir)] as Nova's process_sort_params makes it: a missing
    direction is the first one given (``default_dir`` when none is);
    ``created_at`` and ``id`` are added unless present.

    :raises: Invalid (an unknown direction, more directions than keys)
    """
    sort_keys = list(sort_keys or [])
    sort_dirs = list(sort_dirs or [])
    for sort_dir in sort_dirs:
        if sort_dir not in DIRECTIONS:
            raise exception.Invalid(message="Invalid input received: "
                                    "Unknown sort direction, must be "
                                    "'desc' or 'asc'")
    if len(sort_dirs) > len(sort_keys):
        raise exception.Invalid(message='Invalid input received: Sort '
                                'direction size exceeds sort key size')
    first = sort_dirs[0] if sort_dirs else default_dir
    sort_dirs += [first] * (len(sort_keys) - len(sort_dirs))
    pairs = list(zip(sort_keys, sort_dirs))
    for key in DEFAULT_KEYS:
        if key not in sort_keys:
            pairs.append((key, first))
    return [(key, d) for key, d in pairs if _column(key) is not None]


def columns(pairs):
    """The column expressions of the sort, in order."""
    return [_column(key) for key, _dir in pairs]


def order_by(pairs):
    """ORDER BY clauses: NULL first ascending, last descending."""
    clauses = []
    for key, direction in pairs:
        col = _column(key)
        present = case((col.is_(None), 0), else_=1)
        if direction == 'asc':
            clauses += [present.asc(), col.asc()]
        else:
            clauses += [present.desc(), col.desc()]
    return clauses


def _equal(col, value):
    return col.is_(None) if value is None else col == value


def _beyond(col, value, direction):
    """``col`` comes strictly after ``value`` in ``direction``."""
    if direction == 'asc':
        return col.is_not(None) if value is None else col > value
    if value is None:
        return false()
    return or_(col.is_(None), col < value)


def after(pairs, values):
    """The rows that come after the one whose sort values are
    ``values`` (in the order of ``pairs``)."""
    cols = columns(pairs)
    alternatives = []
    for i, (col, value) in enumerate(zip(cols, values)):
        same = [_equal(c, v) for c, v in zip(cols[:i], values[:i])]
        alternatives.append(and_(true(), *same,
                                 _beyond(col, value, pairs[i][1])))
    return or_(*alternatives)
