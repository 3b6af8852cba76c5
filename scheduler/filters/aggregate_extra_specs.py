"""AggregateInstanceExtraSpecsFilter (Nova's): a flavor's extra specs
without a scope, or scoped ``aggregate_instance_extra_specs:``, must match
the metadata of one of the host's aggregates, with Nova's extra-spec
operators (``<in>``, ``<all-in>``, ``<or>``, ``=``, ``==``, ``!=``, ``>=``,
``<=``, ``s==`` ...). One query per scheduling request."""

import operator

from novalite.common import context
from novalite.common.db import aggregates as aggregates_db
from novalite.scheduler.filters import base

SCOPE = 'aggregate_instance_extra_specs'
_OPS = {
    '=': lambda x, y: float(x) >= float(y),
    '<in>': lambda x, y: y in x,
    '<all-in>': lambda x, y: all(v in x for v in y),
    '==': lambda x, y: float(x) == float(y),
    '!=': lambda x, y: float(x) != float(y),
    '>=': lambda x, y: float(x) >= float(y),
    '<=': lambda x, y: float(x) <= float(y),
    's==': operator.eq, 's!=': operator.ne, 's<': operator.lt,
    's<=': operator.le, 's>': operator.gt, 's>=': operator.ge,
}


def match(value, req):
    """Nova's extra_specs_ops.match for one aggregate value."""
    words = req.split()
    if not words:
        return value == req
    op = words[0]
    if op == '<or>':
        return value in words[1::2]
    if op == '<all-in>':
        return all(v in value for v in words[1:])
    if op in _OPS and len(words) == 2:
        try:
            return _OPS[op](value, words[1])
        except ValueError:
            return False
    return value == req


def _wanted(extra_specs):
    for key, req in (extra_specs or {}).items():
        scope = key.split(':', 1)
        if len(scope) > 1:
            if scope[0] != SCOPE:
                continue
            key = scope[1]
        yield key, str(req)


class AggregateInstanceExtraSpecsFilter(base.BaseHostFilter):

    def filter_all(self, hosts, spec):
        wanted = list(_wanted((spec.get('flavor') or {}).get('extra_specs')))
        if not wanted:
            return list(hosts)
        metadata = aggregates_db.host_metadata(context.get_admin_context())
        return [h for h in hosts if self._passes(
            metadata.get(h.host, {}), wanted)]

    @staticmethod
    def _passes(host_metadata, wanted):
        for key, req in wanted:
            values = host_metadata.get(key)
            if not values or not any(match(v, req) for v in values):
                return False
        return True

    def host_passes(self, host, spec):
        return bool(self.filter_all([host], spec))

    def explain(self, host, spec):
        wanted = _wanted((spec.get('flavor') or {}).get('extra_specs'))
        return "its aggregates' metadata does not match %s" % ', '.join(
            '%s=%s' % (k, v) for k, v in wanted)
