"""Self and bookmark links, as Nova writes them."""


def links(prefixes, collection, item_id):
    self_prefix, bookmark_prefix = prefixes
    return [{'rel': 'self',
             'href': '%s/%s/%s' % (self_prefix, collection, item_id)},
            {'rel': 'bookmark',
             'href': '%s/%s/%s' % (bookmark_prefix, collection, item_id)}]
