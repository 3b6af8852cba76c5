"""URL tree roots: / (versions), /v2.1 (compute), /image (Glance v2),
/network (Neutron v2.0) and /identity (a version document only, see
controllers/identity.py)."""

import pecan

from novalite.api.controllers import compute_images
from novalite.api.controllers import flavors
from novalite.api.controllers import identity
from novalite.api.controllers import images
from novalite.api.controllers import keypairs
from novalite.api.controllers import limits
from novalite.api.controllers import network
from novalite.api.controllers import networks
from novalite.api.controllers import quota_sets
from novalite.api.controllers import server_groups
from novalite.api.controllers import servers
from novalite.api.controllers import simple_tenant_usage
from novalite.api.controllers import availability_zones
from novalite.api.controllers import aggregates
from novalite.api.controllers import hypervisors
from novalite.api.controllers import services
from novalite.api import request_env
from novalite.api.views import versions


class V21Controller:

    def __init__(self, conf):
        self.conf = conf
        self.servers = servers.ServersController(conf)
        self.flavors = flavors.FlavorsController(conf)
        self.images = compute_images.ComputeImagesController(conf)
        pecan.route(self, 'os-networks', networks.NetworksController(conf))
        pecan.route(self, 'os-simple-tenant-usage',
                    simple_tenant_usage.SimpleTenantUsageController(conf))
        pecan.route(self, 'os-availability-zone',
                    availability_zones.AvailabilityZonesController(conf))
        pecan.route(self, 'os-aggregates',
                    aggregates.AggregatesController(conf))
        pecan.route(self, 'os-hypervisors',
                    hypervisors.HypervisorsController(conf))
        pecan.route(self, 'os-services', services.ServicesController(conf))
        pecan.route(self, 'os-keypairs', keypairs.KeypairsController(conf))
        pecan.route(self, 'os-server-groups',
                    server_groups.ServerGroupsController(conf))
        pecan.route(self, 'os-quota-sets',
                    quota_sets.QuotaSetsController(conf))
        pecan.route(self, 'os-quota-class-sets',
                    quota_sets.QuotaClassSetsController(conf))
        self.limits = limits.LimitsController(conf)

    @pecan.expose('json')
    def index(self):
        return versions.version_v21(request_env.base_url(self.conf))


class RootController:

    def __init__(self, conf):
        self.conf = conf
        self.image = images.ImageRootController(conf)
        self.identity = identity.IdentityController(conf)
        self.network = network.NetworkRootController(conf)
        pecan.route(self, 'v2.1', V21Controller(conf))

    @pecan.expose('json')
    def index(self):
        return versions.versions(request_env.base_url(self.conf))
