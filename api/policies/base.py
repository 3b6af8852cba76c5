"""Nova's personas as check strings: project reader, project member, admin.

A rule's target carries the resource's ``project_id``; ``project_id:%(...)s``
matches it against the caller's token. Another project's resource never
reaches a policy check: the lookup filters by project first, so it is a 404,
not a 403 (Nova's ``project_only`` queries).
"""

from oslo_policy import policy

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
