"""``os_compute_api:os-simple-tenant-usage:*`` (Nova's names, defaults)."""

from novalite.api.policies import base

U = 'os_compute_api:os-simple-tenant-usage:%s'


def list_rules():
    r = base.rule
    return [
        r(U % 'show', base.PROJECT_READER_OR_ADMIN,
          'Show usage statistics for a specific tenant',
          [('GET', '/os-simple-tenant-usage/{tenant_id}')]),
        r(U % 'list', base.ADMIN, 'List per tenant usage statistics for '
          'all tenants', [('GET', '/os-simple-tenant-usage')]),
    ]
