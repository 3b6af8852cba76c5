"""[image] options: the built-in Glance v2-compatible image store."""

from oslo_config import cfg

GROUP = cfg.OptGroup('image', title='Image store options')

OPTS = [
    cfg.StrOpt('backend', default='builtin', choices=['builtin', 'glance'],
               help='Where images live. builtin: the Glance v2-compatible '
                    'image API that novalite-api serves under /image; '
                    'glance: a real Glance. Either way the compute agent '
                    'fetches and uploads bits over the Glance v2 HTTP API '
                    'at api_endpoint. Related options: api_endpoint.'),
    cfg.URIOpt('api_endpoint', default='http://127.0.0.1:8774/image',
               help='Base URL of the Glance v2 image API the compute agent '
                    'talks to (the path before /v2/images). With backend '
                    'builtin this is the novalite-api /image endpoint.'),
    cfg.StrOpt('store_path', default='$state_path/images',
               help='Directory of the built-in image store: one file per '
                    'image, named by its id.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
