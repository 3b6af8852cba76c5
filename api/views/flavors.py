"""Flavor bodies as Nova 2.1 shows them."""

from novalite.api.views.links import links


def basic(flavor, prefixes):
    return {'id': flavor['flavorid'], 'name': flavor['name'],
            'links': links(prefixes, 'flavors', flavor['flavorid'])}


def detail(flavor, prefixes):
    body = basic(flavor, prefixes)
    body.update({
        'ram': flavor['memory_mb'],
        'disk': flavor['root_gb'],
        'vcpus': flavor['vcpus'],
        'swap': flavor['swap'] or '',
        'OS-FLV-EXT-DATA:ephemeral': flavor['ephemeral_gb'],
        'OS-FLV-DISABLED:disabled': bool(flavor['disabled']),
        'os-flavor-access:is_public': bool(flavor['is_public']),
        'rxtx_factor': flavor['rxtx_factor'],
    })
    return body
