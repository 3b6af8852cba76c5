"""Flavor bodies as Nova shows them per microversion: 2.55 adds
``description`` (list and detail), 2.61 ``extra_specs`` (detail), 2.75
shows no swap as 0 where it was ""."""

from novalite.api import microversion
from novalite.api.views.links import links


def basic(flavor, prefixes, version=microversion.MIN):
    body = {'id': flavor['flavorid'], 'name': flavor['name'],
            'links': links(prefixes, 'flavors', flavor['flavorid'])}
    if version >= '2.55':
        body['description'] = flavor.get('description')
    return body


def detail(flavor, prefixes, version=microversion.MIN):
    body = basic(flavor, prefixes, version)
    swap = flavor['swap'] or (0 if version >= '2.75' else '')
    body.update({
        'ram': flavor['memory_mb'],
        'disk': flavor['root_gb'],
        'vcpus': flavor['vcpus'],
        'swap': swap,
        'OS-FLV-EXT-DATA:ephemeral': flavor['ephemeral_gb'],
        'OS-FLV-DISABLED:disabled': bool(flavor['disabled']),
        'os-flavor-access:is_public': bool(flavor['is_public']),
        'rxtx_factor': flavor['rxtx_factor'],
    })
    if version >= '2.61':
        body['extra_specs'] = dict(flavor.get('extra_specs') or {})
    return body
