"""Self, bookmark and next links, as Nova writes them."""

import urllib.parse


def links(prefixes, collection, item_id):
    self_prefix, bookmark_prefix = prefixes
    return [{'rel': 'self',
             'href': '%s/%s/%s' % (self_prefix, collection, item_id)},
            {'rel': 'bookmark',
             'href': '%s/%s/%s' % (bookmark_prefix, collection, item_id)}]


def next_link(url, params, marker):
    """A collection's ``next`` link, as Nova builds it: the request's own
    query parameters (filters and limit) with ``marker`` set to the last
    item of this page."""
    query = [(k, v) for k, v in params.items() if k != 'marker']
    query.append(('marker', marker))
    return [{'rel': 'next',
             'href': '%s?%s' % (url, urllib.parse.urlencode(query))}]
