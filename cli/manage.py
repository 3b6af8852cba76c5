"""novalite-manage: database schema, default flavors and network, listings.

    novalite-manage [--config-file F] db sync | db version
    novalite-manage [--config-file F] flavor create-defaults | flavor list
    novalite-manage [--config-file F] network create-default | network list
    novalite-manage [--config-file F] service list
    novalite-manage [--config-file F] bootstrap   (all of the creating above)
"""

import argparse
import sys

from novalite.common import config
from novalite.common import context as nl_context
from novalite.common.db import migration
from novalite.common.db import session


def _flavors():
    from novalite.common.db import flavors
    return flavors


def _networks():
    from novalite.common.db import networks
    return networks


def _services():
    from novalite.common.db import services
    return services


def _table(rows, columns):
    widths = [max([len(c)] + [len(str(r.get(c, ''))) for r in rows])
              for c in columns]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    print(line)
    print('| ' + ' | '.join(c.ljust(w) for c, w in zip(columns, widths)) + ' |')
    print(line)
    for r in rows:
        print('| ' + ' | '.join(str(r.get(c, '')).ljust(w)
                                for c, w in zip(columns, widths)) + ' |')
    print(line)


def db_sync(conf, ctx, args):
    migration.db_sync(conf)
    print('database at revision %s' % migration.db_version(conf))


def db_version(conf, ctx, args):
    print(migration.db_version(conf))


def flavor_create_defaults(conf, ctx, args):
    created = _flavors().create_default_flavors(ctx)
    print('default flavors present (%d created)' % len(created or []))


def flavor_list(conf, ctx, args):
    _table(_flavors().get_all(ctx, {'is_public': None}),
           ['flavorid', 'name', 'memory_mb', 'vcpus', 'root_gb'])


def network_create_default(conf, ctx, args):
    net = _networks().ensure_default(ctx)
    print('default network %s (%s) %s' % (net['name'], net['uuid'],
                                          net['cidr']))


def network_list(conf, ctx, args):
    _table(_networks().get_networks(ctx), ['uuid', 'name', 'cidr'])


def service_list(conf, ctx, args):
    services = _services()
    rows = []
    for svc in services.get_all(ctx):
        up = services.is_up(svc, conf.service_down_time)
        rows.append(dict(svc, state='up' if up else 'down',
                         status='disabled' if svc['disabled'] else 'enabled'))
    _table(rows, ['binary', 'host', 'status', 'state', 'last_seen_up'])


def bootstrap(conf, ctx, args):
    db_sync(conf, ctx, args)
    flavor_create_defaults(conf, ctx, args)
    network_create_default(conf, ctx, args)


COMMANDS = {
    ('db', 'sync'): db_sync,
    ('db', 'version'): db_version,
    ('flavor', 'create-defaults'): flavor_create_defaults,
    ('flavor', 'list'): flavor_list,
    ('network', 'create-default'): network_create_default,
    ('network', 'list'): network_list,
    ('service', 'list'): service_list,
    ('bootstrap', None): bootstrap,
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog='novalite-manage',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--config-file', action='append', default=[])
    parser.add_argument('--config-dir', action='append', default=[])
    parser.add_argument('category', choices=sorted({c for c, _ in COMMANDS}))
    parser.add_argument('action', nargs='?')
    args = parser.parse_args(argv)
    func = COMMANDS.get((args.category, args.action))
    if func is None:
        actions = sorted(a for c, a in COMMANDS if c == args.category and a)
        parser.error('%s needs one of: %s' % (args.category,
                                              ', '.join(actions)))
    oslo_args = []
    for path in args.config_file:
        oslo_args += ['--config-file', path]
    for path in args.config_dir:
        oslo_args += ['--config-dir', path]
    conf = config.parse_args(oslo_args)
    session.configure(conf)
    func(conf, nl_context.get_admin_context(), args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
