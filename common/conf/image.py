"""[image] options: the built-in Glance v2-compatible image store."""

from oslo_config import cfg

GROUP = cfg.OptGroup('image', title='Image store options')

OPTS = [
    cfg.StrOpt('store_path', default='$state_path/images',
               help='Directory of the built-in image store: one file per '
                    'image, named by its id.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
