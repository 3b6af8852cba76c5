"""[image] options: the built-in Glance v2-compatible image store."""

from oslo_config import cfg

GROUP = cfg.OptGroup('image', title='Image store options')

OPTS = [
    cfg.StrOpt('backend', default='builtin', choices=['builtin', 'glance'],
               help='Where images live. builtin: the Glance v2-compatible '
                    'image API that novalite-api serves under /image (the '
                    'compute API reads its table directly); glance: the '
                    'Glance v2 API at api_endpoint, which the compute API '
                    'asks (as the requesting user) for the images servers '
                    'boot or rebuild from and creates snapshots in. Either '
                    'way the compute agent fetches and uploads bits over '
                    'the Glance v2 HTTP API at api_endpoint. Related '
                    'options: api_endpoint.'),
    cfg.URIOpt('api_endpoint', default='http://127.0.0.1:8774/image',
               help='Base URL of the Glance v2 image API the compute agent '
                    'talks to (the path before /v2/images). With backend '
                    'builtin this is the novalite-api /image endpoint.'),
    cfg.StrOpt('store_path', default='$state_path/images',
               help='Directory of the built-in image store: one file per '
                    'image, named by its id.'),
    cfg.IntOpt('image_size_cap', default=1024 ** 4, min=1,
               help='Largest image, in bytes, the built-in image store '
                    'accepts (Glance\'s option and default: 1 TiB). A '
                    'larger upload is refused with 413 and nothing is '
                    'kept.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
