"""/limits: anybody their own project's; an admin another project's
(``tenant_id``). Nova's defaults."""

from novalite.api.policies import base

BASE = 'os_compute_api:limits'
OTHER_PROJECT = 'os_compute_api:limits:other_project'


def list_rules():
    r = base.rule
    return [
        r(BASE, '@', 'Show rate and absolute limits for the current user '
          'project', [('GET', '/limits')]),
        r(OTHER_PROJECT, base.ADMIN, 'Show rate and absolute limits of '
          'another project', [('GET', '/limits')]),
    ]
