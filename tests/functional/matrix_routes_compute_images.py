"""Isolation matrix rows for Nova's image proxy, /v2.1/images (joined to
test_isolation_matrix.ROUTES there; ``targets`` makes each persona's image
to delete). Glance's rules through Nova's API: everyone lists and shows
what Glance lets them see, another project's private image is a 404, a
reader may not delete (403)."""

from .test_isolation_matrix import A, C, Route

ROUTES = [
    Route('GET', C + '/images', (200, 200, 200, 200, A)),
    Route('GET', C + '/images/detail', (200, 200, 200, 200, A)),
    Route('GET', C + '/images/{public}', (200, 200, 200, 200, A)),
    Route('GET', C + '/images/{private}', (200, 200, 200, 404, A),
          note="the member's private image"),
    Route('DELETE', C + '/images/{proxy_doomed}', (204, 204, 403, 404, A),
          note='own image each'),
]


def targets(cloud, common, own):
    """Add ``proxy_doomed`` (to each of ``own``): a private image of the
    member's project per persona allowed to delete."""
    from .test_isolation_matrix import I, _ok
    for persona, values in own.items():
        values['proxy_doomed'] = _ok(cloud.http(
            'POST', I + '/images', 'member', json={
                'name': 'matrix-proxy-doomed-' + persona,
                'disk_format': 'raw', 'container_format': 'bare'}),
            201)['id']
