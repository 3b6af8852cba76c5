import pytest

from novalite.common.db import images
from novalite.common import exception


def test_status_guard_and_destroy(db, ctx):
    img = images.create(ctx, {'name': 'i'})
    assert img['owner'] == 'p1' and img['status'] == 'queued'
    images.update(ctx, img['id'], {'status': 'saving'},
                  expected_status='queued')
    with pytest.raises(exception.Conflict):
        images.update(ctx, img['id'], {'status': 'saving'},
                      expected_status='queued')
    images.destroy(ctx, img['id'])
    with pytest.raises(exception.ImageNotFound):
        images.get(ctx, img['id'])
    assert images.get_all(ctx) == []


def test_protected_image_cannot_be_deleted(db, ctx):
    img = images.create(ctx, {'name': 'keep', 'protected': True})
    with pytest.raises(exception.Forbidden):
        images.destroy(ctx, img['id'])
    assert images.get(ctx, img['id'])['name'] == 'keep'
