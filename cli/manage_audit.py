"""``novalite-manage audit [--fix]``: every mismatch between the database
(instances, allocations, ports, compute-node usage) and what each compute
host runs and stores (conductor/audit.py). Exit 0 when nothing is out of
place (or everything found was fixed), 1 otherwise, including a compute
host that did not answer."""

from novalite.cli.manage import Result, arg, register


def audit(conf, ctx, args):
    """Compare instances, claims, ports, usage and every host's guests."""
    from novalite.compute import rpcapi as compute_rpcapi
    from novalite.conductor import audit as audit_mod
    run = audit_mod.Audit(conf, ctx, compute_rpcapi.ComputeAPI(conf),
                          fix=args.fix, timeout=args.timeout)
    found = run.run()
    rows = list(found) + [
        {'kind': 'host not checked', 'host': u['host'], 'uuid': None,
         'detail': '%s (service %s)' % (u['error'],
                                        'up' if u['up'] else 'down'),
         'fixed': False} for u in run.unchecked]
    unfixed = [r for r in rows if not r['fixed']]
    message = ('no mismatch' if not rows else
               '%d mismatch(es), %d fixed' % (len(rows),
                                              len(rows) - len(unfixed)))
    return Result(rows, audit_mod.COLUMNS, message=message,
                  failed=bool(unfixed))


register('audit', None, audit,
         arg('--fix', action='store_true',
             help='repair what can be repaired safely'),
         arg('--timeout', type=int, default=10,
             help='seconds to wait for each compute agent'))
