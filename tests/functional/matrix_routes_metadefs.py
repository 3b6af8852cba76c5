"""Isolation matrix rows for Glance's metadata definitions under
/image/v2/metadefs (joined to test_isolation_matrix.ROUTES there): a fixed,
read-only catalog every authenticated caller reads (Glance's
``metadef_default`` rule); writes are 405 for everyone."""

from .test_isolation_matrix import A, Route

I = '/image/v2'
NS = I + '/metadefs/namespaces'

ROUTES = [
    Route('GET', I + '/schemas/metadefs/namespace', (200, 200, 200, 200, A)),
    Route('GET', I + '/schemas/metadefs/namespaces',
          (200, 200, 200, 200, A)),
    Route('GET', NS + '?resource_types=OS::Nova::Flavor',
          (200, 200, 200, 200, A)),
    Route('GET', NS + '/OS::Compute::Libvirt?resource_type=OS::Nova::Flavor',
          (200, 200, 200, 200, A)),
    Route('GET', NS + '/OS::Compute::Libvirt/resource_types',
          (200, 200, 200, 200, A)),
    Route('GET', NS + '/OS::No::Such', (404, 404, 404, 404, A)),
    Route('GET', I + '/metadefs/resource_types', (200, 200, 200, 200, A)),
    Route('POST', NS, (405, 405, 405, 405, A),
          body={'namespace': 'matrix-{persona}'}, note='read-only catalog'),
]
