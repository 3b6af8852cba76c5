"""Option registration. One module per option group; ``register_all``
puts them on a ConfigOpts. Services use the global ``cfg.CONF`` (oslo.messaging
registers some of its options only there) and pass it into constructors."""

from oslo_config import cfg

from novalite.common.conf import api
from novalite.common.conf import compute
from novalite.common.conf import conductor
from novalite.common.conf import default
from novalite.common.conf import image
from novalite.common.conf import libvirt
from novalite.common.conf import network
from novalite.common.conf import quota
from novalite.common.conf import scheduler

MODULES = (default, api, compute, conductor, image, libvirt, network,
           quota, scheduler)

CONF = cfg.CONF


def register_all(conf):
    for module in MODULES:
        module.register_opts(conf)


register_all(CONF)
