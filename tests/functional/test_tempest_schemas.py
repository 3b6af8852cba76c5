"""tempest's own service clients and response schemas against a running
cloud (SQLite): the versions document, then servers, flavors, tags and
images at every advertised microversion (reads) and at each one where a
shape changes (update, lock, rebuild, tags, createImage, create variants,
flavor create/update). tempest runs in its own virtualenv
(tools/tempest_schemas.py); the check script exits non-zero on the first
response tempest refuses."""

import pytest

from novalite.api import microversion
from novalite.tools import tempest_schemas


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_every_response_passes_tempest_schemas(cloud):
    proc = tempest_schemas.run_check(cloud.endpoint, cloud.image_id,
                                     cloud.network_id)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert ('advertised microversions: %s .. %s' % (
        microversion.MIN_VERSION, microversion.MAX_VERSION)) in output
    assert 'OK: ' in output
