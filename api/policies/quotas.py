"""Quota set and quota class APIs (Nova's defaults): a project's readers
see its quotas, anybody the defaults, admins change them."""

from novalite.api.policies import base

QS = 'os_compute_api:os-quota-sets:%s'
QCS = 'os_compute_api:os-quota-class-sets:%s'
ANY = '@'


def list_rules():
    r = base.rule
    return [
        r(QS % 'update', base.ADMIN, 'Update the quotas',
          [('PUT', '/os-quota-sets/{tenant_id}')]),
        r(QS % 'defaults', ANY, 'List default quotas',
          [('GET', '/os-quota-sets/{tenant_id}/defaults')]),
        r(QS % 'show', base.PROJECT_READER_OR_ADMIN, 'Show a quota',
          [('GET', '/os-quota-sets/{tenant_id}')]),
        r(QS % 'delete', base.ADMIN, 'Revert quotas to defaults',
          [('DELETE', '/os-quota-sets/{tenant_id}')]),
        r(QS % 'detail', base.PROJECT_READER_OR_ADMIN,
          'Show the detail of quota',
          [('GET', '/os-quota-sets/{tenant_id}/detail')]),
        r(QCS % 'show', base.ADMIN, 'List quotas for specific quota classs',
          [('GET', '/os-quota-class-sets/{quota_class}')]),
        r(QCS % 'update', base.ADMIN, 'Update quotas for specific quota '
          'class', [('PUT', '/os-quota-class-sets/{quota_class}')]),
    ]
