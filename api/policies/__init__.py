"""Every policy rule novalite enforces, registered in code (Nova's layout):
one module per API family. ``list_rules`` is the ``oslo.policy.policies``
entry point behind ``oslopolicy-sample-generator --namespace novalite``."""

import itertools

from novalite.api.policies import base
from novalite.api.policies import simple_tenant_usage
from novalite.api.policies import aggregates
from novalite.api.policies import hypervisors
from novalite.api.policies import services
from novalite.api.policies import flavors
from novalite.api.policies import images
from novalite.api.policies import keypairs
from novalite.api.policies import limits
from novalite.api.policies import instance_actions
from novalite.api.policies import ips
from novalite.api.policies import network
from novalite.api.policies import networks
from novalite.api.policies import quotas
from novalite.api.policies import security_groups
from novalite.api.policies import server_groups
from novalite.api.policies import server_metadata
from novalite.api.policies import servers


def list_rules():
    return list(itertools.chain(
        base.list_rules(), servers.list_rules(), flavors.list_rules(),
        networks.list_rules(), images.list_rules(),
        server_metadata.list_rules(), instance_actions.list_rules(),
        ips.list_rules(),
        simple_tenant_usage.list_rules(),
        aggregates.list_rules(),
        services.list_rules(), hypervisors.list_rules(),
        keypairs.list_rules(), quotas.list_rules(), limits.list_rules(),
        network.list_rules(), server_groups.list_rules(),
        security_groups.list_rules()))
