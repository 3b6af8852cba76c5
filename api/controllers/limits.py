"""/v2.1/limits: the project's absolute limits with their usage (Nova's
names per microversion), no rate limits; ``tenant_id`` for admins,
``reserved`` accepted (nothing is reserved with counted quotas)."""

import pecan

from novalite.api.controllers import keypairs
from novalite.api import policy
from novalite.api import quota
from novalite.api import request_env

BASE = 'os_compute_api:limits'
OTHER_PROJECT = 'os_compute_api:limits:other_project'
_QUERY_KEYS = ('tenant_id', 'reserved')

# quota resource -> absolute limit names; usage names
_MAX = (('ram', 'maxTotalRAMSize'), ('instances', 'maxTotalInstances'),
        ('cores', 'maxTotalCores'), ('key_pairs', 'maxTotalKeypairs'),
        ('floating_ips', 'maxTotalFloatingIps'),
        ('metadata_items', 'maxServerMeta'),
        ('metadata_items', 'maxImageMeta'),
        ('injected_files', 'maxPersonality'),
        ('injected_file_content_bytes', 'maxPersonalitySize'),
        ('security_groups', 'maxSecurityGroups'),
        ('security_group_rules', 'maxSecurityGroupRules'),
        ('server_groups', 'maxServerGroups'),
        ('server_group_members', 'maxServerGroupMembers'))
_USED = (('ram', 'totalRAMUsed'), ('cores', 'totalCoresUsed'),
         ('instances', 'totalInstancesUsed'),
         ('floating_ips', 'totalFloatingIpsUsed'),
         ('security_groups', 'totalSecurityGroupsUsed'),
         ('server_groups', 'totalServerGroupsUsed'))


def _hidden(version):
    hidden = set()
    if version >= '2.36':
        hidden.update(('maxTotalFloatingIps', 'totalFloatingIpsUsed',
                       'maxSecurityGroups', 'maxSecurityGroupRules',
                       'totalSecurityGroupsUsed'))
    if version >= '2.39':
        hidden.add('maxImageMeta')
    if version >= '2.57':
        hidden.update(('maxPersonality', 'maxPersonalitySize'))
    return hidden


def absolute(limits, used, version):
    hidden = _hidden(version)
    body = {name: limits[r] for r, name in _MAX if name not in hidden}
    body.update({name: used[r] for r, name in _USED if name not in hidden})
    return body


class LimitsController:

    def __init__(self, conf):
        self.conf = conf

    @pecan.expose(generic=True, template='json')
    def index(self):
        request_env.only_get()
        ctx = request_env.context()
        version = request_env.api_version()
        policy.authorize(self.conf, ctx, BASE, {})
        params = request_env.params()
        keypairs.strict_query(version, _QUERY_KEYS)
        project_id = ctx.project_id
        if 'tenant_id' in params:
            project_id = params.get('tenant_id')
            policy.authorize(self.conf, ctx, OTHER_PROJECT,
                             {'project_id': project_id})
        limits = quota.project_limits(self.conf, ctx, project_id)
        used = quota.usage(ctx, project_id)
        return {'limits': {'rate': [],
                           'absolute': absolute(limits, used, version)}}
