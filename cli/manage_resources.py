"""novalite-manage commands on the database: schema, flavors, images,
services and networks."""

import os

from oslo_utils.imageutils import format_inspector
from sqlalchemy import select

from novalite.cli.manage import arg
from novalite.cli.manage import register
from novalite.cli.manage import Result
from novalite.common.db import flavors as flavors_db
from novalite.common.db import images as images_db
from novalite.common.db import migration
from novalite.common.db import models
from novalite.common.db import networks as networks_db
from novalite.common.db import services as services_db
from novalite.common.db import session
from novalite.common import exception

FLAVOR_COLUMNS = ['flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb',
                  'ephemeral_gb', 'swap', 'is_public']
SERVICE_COLUMNS = ['uuid', 'binary', 'host', 'status', 'state',
                   'disabled_reason', 'last_seen_up']
# What the built-in image API accepts, as detected from the file's content.
DISK_FORMATS = ('raw', 'qcow2', 'vmdk', 'vdi', 'vhd', 'vhdx', 'iso', 'ami',
                'aki', 'ari')


# -- db ------------------------------------------------------------------------
def db_sync(conf, ctx, args):
    """Upgrade the database schema to the newest revision."""
    migration.db_sync(conf)
    return Result(message='database at revision %s'
                  % migration.db_version(conf))


def db_version(conf, ctx, args):
    """Print the database's schema revision."""
    return Result(message=migration.db_version(conf) or 'none')


# -- flavors -----------------------------------------------------------------
def flavor_create(conf, ctx, args):
    """Create a flavor."""
    flavor = flavors_db.create(ctx, {
        'flavorid': args.id or args.name, 'name': args.name,
        'memory_mb': args.ram, 'vcpus': args.vcpus, 'root_gb': args.disk,
        'ephemeral_gb': args.ephemeral, 'swap': args.swap,
        'is_public': not args.private})
    return Result([flavor], FLAVOR_COLUMNS)


def flavor_list(conf, ctx, args):
    """List every flavor, public and private."""
    return Result(flavors_db.get_all(ctx, {'is_public': None}),
                  FLAVOR_COLUMNS)


def flavor_delete(conf, ctx, args):
    """Delete a flavor by id (servers keep their snapshot of it)."""
    flavors_db.destroy(ctx, args.flavor)
    return Result(message='flavor %s deleted' % args.flavor)


def flavor_create_defaults(conf, ctx, args):
    """Create devstack's m1.* flavors that are missing."""
    created = flavors_db.create_default_flavors(ctx)
    return Result(message='default flavors present (%d created)'
                  % len(created or []))


# -- images ------------------------------------------------------------------
def image_import(conf, ctx, args):
    """Import a disk image file into the built-in image store (public)."""
    from novalite.api import image_store
    disk_format = args.disk_format or _detect_format(args.file)
    image = images_db.create(ctx, {
        'name': args.name or os.path.basename(args.file),
        'disk_format': disk_format, 'container_format': 'bare',
        'visibility': args.visibility, 'status': 'saving',
        'min_disk': 0, 'min_ram': 0})
    store = image_store.ImageStore(conf)
    try:
        with open(args.file, 'rb') as src:
            size, md5, sha512, head = store.write(image['id'], src)
    except BaseException:
        images_db.destroy(ctx, image['id'])
        raise
    image = images_db.update(ctx, image['id'], {
        'status': 'active', 'size': size, 'checksum': md5,
        'virtual_size': image_store.virtual_size(disk_format, head, size),
        'os_hash_algo': 'sha512', 'os_hash_value': sha512})
    return Result([image], ['id', 'name', 'disk_format', 'size', 'status',
                            'visibility'])


def _detect_format(path):
    """The format the content says (oslo.utils' inspector, as the compute
    agent checks it), so an image cannot be registered as what it is not."""
    name = format_inspector.detect_file_format(path).NAME
    if name not in DISK_FORMATS:
        raise exception.Invalid(reason='%s is a %s image; give '
                                '--disk-format' % (path, name))
    return name


# -- services ----------------------------------------------------------------
def _service_rows(conf, ctx):
    rows = []
    for svc in services_db.get_all(ctx):
        up = services_db.is_up(svc, conf.service_down_time)
        rows.append(dict(svc, state='up' if up else 'down',
                         status='disabled' if svc['disabled'] else 'enabled'))
    return sorted(rows, key=lambda r: (r['binary'], r['host']))


def service_list(conf, ctx, args):
    """List services: enabled or disabled, up or down."""
    return Result(_service_rows(conf, ctx), SERVICE_COLUMNS)


def _set_service(ctx, host, binary, **values):
    # The services table's own module has no setter yet: the CLI writes
    # the row itself, in one writer transaction.
    with session.writer(ctx) as s:
        row = s.execute(select(models.Service).filter_by(
            host=host, binary=binary)).scalar_one_or_none()
        if row is None:
            raise exception.NotFound(
                message='no service %s on host %s' % (binary, host))
        if values.pop('delete', False):
            s.delete(row)
            return None
        for key, value in values.items():
            setattr(row, key, value)
        s.flush()
        return row.as_dict()


def service_disable(conf, ctx, args):
    """Disable a service: the scheduler places nothing on that host."""
    _set_service(ctx, args.host, args.binary, disabled=True,
                 disabled_reason=args.reason)
    return Result(message='%s on %s disabled' % (args.binary, args.host))


def service_enable(conf, ctx, args):
    """Enable a disabled service."""
    _set_service(ctx, args.host, args.binary, disabled=False,
                 disabled_reason=None)
    return Result(message='%s on %s enabled' % (args.binary, args.host))


def service_delete(conf, ctx, args):
    """Delete a service record (it comes back if the service beats)."""
    _set_service(ctx, args.host, args.binary, delete=True)
    return Result(message='%s on %s deleted' % (args.binary, args.host))


# -- networks ----------------------------------------------------------------
def network_create(conf, ctx, args):
    """Create a network shared by every project."""
    net = networks_db.create_network(ctx, args.name, args.cidr)
    return Result([net], ['uuid', 'name', 'cidr'])


def network_list(conf, ctx, args):
    """List networks."""
    return Result(networks_db.get_networks(ctx), ['uuid', 'name', 'cidr'])


def network_create_default(conf, ctx, args):
    """Create the default network if missing."""
    net = networks_db.ensure_default(ctx, conf.network.default_cidr)
    return Result(message='default network %s (%s) %s' % (
        net['name'], net['uuid'], net['cidr']))


def bootstrap(conf, ctx, args):
    """db sync, default flavors and the default network."""
    lines = [f(conf, ctx, args).message for f in (
        db_sync, flavor_create_defaults, network_create_default)]
    return Result(message='\n'.join(lines))


_SERVICE_ARGS = (arg('host'), arg('binary', help='e.g. novalite-compute'))

register('db', 'sync', db_sync)
register('db', 'version', db_version)
register('flavor', 'create', flavor_create,
         arg('name'), arg('--id', help='flavor id (default: the name)'),
         arg('--ram', type=int, required=True, help='MiB'),
         arg('--vcpus', type=int, required=True),
         arg('--disk', type=int, default=0, help='root disk GiB'),
         arg('--ephemeral', type=int, default=0, help='GiB'),
         arg('--swap', type=int, default=0, help='MiB'),
         arg('--private', action='store_true'))
register('flavor', 'list', flavor_list)
register('flavor', 'delete', flavor_delete, arg('flavor', help='flavor id'))
register('flavor', 'create-defaults', flavor_create_defaults)
register('image', 'import', image_import, arg('file'),
         arg('--name'), arg('--disk-format', choices=DISK_FORMATS,
                            help='default: detected from the content'),
         arg('--visibility', default='public',
             choices=['public', 'private', 'shared', 'community']))
register('service', 'list', service_list)
register('service', 'disable', service_disable, *_SERVICE_ARGS,
         arg('--reason'))
register('service', 'enable', service_enable, *_SERVICE_ARGS)
register('service', 'delete', service_delete, *_SERVICE_ARGS)
register('network', 'create', network_create, arg('name'), arg('cidr'))
register('network', 'list', network_list)
register('network', 'create-default', network_create_default)
register('bootstrap', None, bootstrap)
