import pytest

from novalite.common import context as nl_context
from novalite.common.db import images
from novalite.common import exception


def _bob():
    return nl_context.RequestContext(user_id='bob', project_id='p2')


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


def test_show_and_list_visibility(db, ctx, admin_ctx):
    made = {v: images.create(ctx, {'name': v, 'visibility': v})['id']
            for v in ('private', 'shared', 'community', 'public')}
    bob = _bob()
    for vis, image_id in made.items():
        if vis in ('public', 'community'):
            assert images.get(bob, image_id)['id'] == image_id
        else:
            with pytest.raises(exception.ImageNotFound):
                images.get(bob, image_id)
    listed = {i['name'] for i in images.get_all(bob)}
    assert listed == {'public'}
    assert [i['name'] for i in images.get_all(
        bob, {'visibility': 'community'})] == ['community']
    assert {i['name'] for i in images.get_all(ctx)} == set(made)
    assert len(images.get_all(admin_ctx, {'visibility': 'all'})) == 4


def test_marker_excluded_by_filters_still_positions_the_page(db, ctx):
    ids = [images.create(ctx, {'name': 'n%d' % i,
                               'tags': ['odd'] if i % 2 else []})['id']
           for i in range(5)]
    sort = [('name', 'asc')]
    odd = images.get_all(ctx, {'tags': ['odd']}, sort=sort)
    assert [i['id'] for i in odd] == [ids[1], ids[3]]
    # n2 carries no tag: the page still starts after it
    after = images.get_all(ctx, {'tags': ['odd']}, marker=ids[2], sort=sort)
    assert [i['id'] for i in after] == [ids[3]]
    # the limit counts matches, not rows read
    first = images.get_all(ctx, {'tags': ['odd']}, limit=1, sort=sort)
    assert [i['id'] for i in first] == [ids[1]]
    with pytest.raises(exception.ImageNotFound):
        images.get_all(_bob(), marker=ids[0])


def test_modify_is_all_or_nothing(db, ctx):
    img = images.create(ctx, {'name': 'a', 'properties': {'k': 'v'}})

    def change(cur):
        cur['properties']['k'] = 'mutated in place'
        return {'name': 'b', 'properties': dict(cur['properties'], x='y')}

    done = images.modify(ctx, img['id'], change)
    assert done['name'] == 'b'
    assert images.get(ctx, img['id'])['properties'] == {
        'k': 'mutated in place', 'x': 'y'}

    def refuse(cur):
        raise exception.Conflict(reason='no')

    with pytest.raises(exception.Conflict):
        images.modify(ctx, img['id'], refuse)
    assert images.get(ctx, img['id'])['name'] == 'b'
    with pytest.raises(exception.ImageNotFound):
        images.modify(_bob(), img['id'], change)
