"""novalite-manage: schema, flavors, images, services, networks, status.

    novalite-manage [--config-file F] [--format table|json] CATEGORY ACTION ...
    db sync | db version
    flavor create NAME --ram MB --vcpus N --disk GB | flavor list |
        flavor delete ID | flavor create-defaults
    image import FILE [--name N] [--disk-format F]
    service list | service disable|enable|delete HOST BINARY
    network create NAME CIDR | network list | network create-default
    status          (schema, services, compute hosts, RabbitMQ)
    audit [--fix]   (database against every host's guests and disks)
    bootstrap       (db sync, default flavors and network)

Exit codes: 0 done / every check passed, 1 failed (a check, or the
operation, e.g. not found), 2 usage error.

A command is a function ``func(conf, ctx, args)`` registered with
``register(category, action, func, *arguments)``; it returns a
``Result`` (rows, a message, or both) or None.
"""

import argparse
import json
import sys

from novalite.common import config
from novalite.common import context as nl_context
from novalite.common.db import session
from novalite.common import exception

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# (category, action or None) -> (func, [(flags, argparse kwargs), ...])
COMMANDS = {}


def register(category, action, func, *arguments):
    """``arguments``: ``arg('--name', help=...)`` specs of the action."""
    COMMANDS[(category, action)] = (func, list(arguments))


def arg(*flags, **kwargs):
    return flags, kwargs


class Result:
    """What a command prints: ``rows`` (dicts) shown as ``columns``, and/or
    a ``message``; ``failed`` makes the exit code 1."""

    def __init__(self, rows=None, columns=None, message=None, failed=False):
        self.rows = rows
        self.columns = columns or (sorted(rows[0]) if rows else [])
        self.message = message
        self.failed = failed

    def render(self, fmt, out):
        if fmt == 'json':
            body = ([{c: r.get(c) for c in self.columns} for r in self.rows]
                    if self.rows is not None else {'message': self.message})
            json.dump(body, out, indent=2, default=str)
            out.write('\n')
            return
        if self.rows is not None:
            _table(self.rows, self.columns, out)
        if self.message:
            out.write(self.message + '\n')


def _table(rows, columns, out):
    cells = [[('' if r.get(c) is None else str(r.get(c))) for c in columns]
             for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells])
              for i, c in enumerate(columns)]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+\n'
    out.write(line)
    out.write('| ' + ' | '.join(c.ljust(w) for c, w in zip(columns, widths))
              + ' |\n')
    out.write(line)
    for row in cells:
        out.write('| ' + ' | '.join(v.ljust(w) for v, w in zip(row, widths))
                  + ' |\n')
    out.write(line)


def build_parser():
    parser = argparse.ArgumentParser(prog='novalite-manage',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('--config-file', action='append', default=[])
    parser.add_argument('--config-dir', action='append', default=[])
    parser.add_argument('--format', choices=['table', 'json'],
                        default='table')
    categories = parser.add_subparsers(dest='category', metavar='CATEGORY')
    categories.required = True
    by_category = {}
    for (category, action), (func, arguments) in sorted(
            COMMANDS.items(), key=lambda kv: (kv[0][0], kv[0][1] or '')):
        if action is None:
            sub = categories.add_parser(category, help=_summary(func))
        else:
            if category not in by_category:
                cat = categories.add_parser(category)
                by_category[category] = cat.add_subparsers(
                    dest='action', metavar='ACTION')
                by_category[category].required = True
            sub = by_category[category].add_parser(action,
                                                   help=_summary(func))
        for flags, kwargs in arguments:
            sub.add_argument(*flags, **kwargs)
        sub.set_defaults(func=func)
    return parser


def _summary(func):
    return (func.__doc__ or '').strip().split('\n')[0]


def _load_commands():
    # Imported for their register() calls.
    from novalite.cli import manage_resources  # noqa: F401
    from novalite.cli import manage_status  # noqa: F401
    from novalite.cli import manage_audit  # noqa: F401


def main(argv=None, out=None):
    out = out or sys.stdout
    argv = sys.argv[1:] if argv is None else argv
    _load_commands()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if exc.code is not None else EXIT_USAGE
    oslo_args = []
    for path in args.config_file:
        oslo_args += ['--config-file', path]
    for path in args.config_dir:
        oslo_args += ['--config-dir', path]
    conf = config.parse_args(oslo_args)
    session.configure(conf)
    try:
        result = args.func(conf, nl_context.get_admin_context(), args)
    except (exception.NovaliteException, ValueError, OSError) as exc:
        sys.stderr.write('novalite-manage: %s\n' % exc)
        return EXIT_FAILED
    if result is None:
        return EXIT_OK
    result.render(args.format, out)
    return EXIT_FAILED if result.failed else EXIT_OK


if __name__ == '__main__':
    sys.exit(main())
