"""Nova's personas as check strings: project reader, project member, admin.

A rule's target carries the resource's ``project_id``; ``project_id:%(...)s``
matches it against the caller's token. Another project's resource never
reaches a policy check: the lookup filters by project first, so it is a 404,
not a 403 (Nova's ``project_only`` queries).
"""

import importlib.metadata

from oslo_log import log as logging
from oslo_policy import _checks
from oslo_policy import policy

LOG = logging.getLogger(__name__)
CHECK_PLUGINS = 'oslo.policy.rule_checks'


class _PluginCheck:
    """A check plugin of oslo.policy's ``oslo.policy.rule_checks`` entry
    points, imported when a rule of its kind is first parsed."""

    def __init__(self, entry_point):
        self.entry_point = entry_point
        self._factory = None

    def __call__(self, kind, match):
        if self._factory is None:
            try:
                self._factory = self.entry_point.load()
            except Exception:  # noqa: BLE001 -- fail closed, as unparsable
                LOG.exception('policy check plugin %s (%s) does not load: '
                              'rule %s:%s is never true', self.entry_point.name,
                              self.entry_point.value, kind, match)
                return _checks.FalseCheck()
        return self._factory(kind, match)


def defer_check_plugins():
    """oslo.policy loads every check plugin (stevedore) when it parses its
    first rule, i.e. when the rules below are defined: its ``http:`` and
    ``https:`` checks, whose module imports requests -- 110 modules, about
    4 MB of the API's resident memory -- though no default rule uses them.
    Register the same plugins by name, each imported when a rule of its
    kind is parsed: a policy file's ``http://...`` rule works as before.
    Left alone when the plugins are loaded already (or oslo.policy no
    longer keeps them there)."""
    if getattr(_checks, 'extension_checks', ()) is not None:
        return
    _checks.extension_checks = {
        ep.name: _PluginCheck(ep)
        for ep in importlib.metadata.entry_points(group=CHECK_PLUGINS)}


defer_check_plugins()

ADMIN = 'rule:context_is_admin'
PROJECT_MEMBER = 'rule:project_member_api'
PROJECT_READER = 'rule:project_reader_api'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'

RULES = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       'Decides what is required for the is_admin:True '
                       'check to succeed.'),
    policy.RuleDefault('project_member_api',
                       'role:member and project_id:%(project_id)s',
                       'Default rule for Project level non admin APIs.'),
    policy.RuleDefault('project_reader_api',
                       'role:reader and project_id:%(project_id)s',
                       'Default rule for Project level read only APIs.'),
    policy.RuleDefault('project_member_or_admin',
                       'rule:project_member_api or rule:context_is_admin',
                       'Default rule for Project Member or admin APIs.'),
    policy.RuleDefault('project_reader_or_admin',
                       'rule:project_reader_api or rule:context_is_admin',
                       'Default rule for Project reader or admin APIs.'),
]


def rule(name, check_str, description, operations, scope_types=('project',)):
    """A DocumentedRuleDefault: ``operations`` is [(method, path), ...]."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations],
        scope_types=list(scope_types))


def list_rules():
    return RULES
