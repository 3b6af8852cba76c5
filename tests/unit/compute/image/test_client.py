"""The compute agent's Glance v2 client against the real novalite API,
served over real HTTP (cheroot on a localhost port)."""

import hashlib
import os
import threading

import pytest

from novalite.common import context as nl_context
from novalite.common import exception
from novalite.compute.image import client as image_client

ALICE = nl_context.RequestContext(user_id='alice', project_id='p1')
BOB = nl_context.RequestContext(user_id='bob', project_id='p2')
KERNEL = '4c1e4b3e-0f55-4c55-8a5d-6b0a1d2f3e4c'


@pytest.fixture
def client(image_api, conf):
    return image_client.ImageClient(conf)


@pytest.fixture
def payload(tmp_path):
    path = tmp_path / 'bits'
    path.write_bytes(os.urandom(300 * 1024))
    return path


def test_upload_then_show_and_download_verified(
        client, images, payload, tmp_path):
    img = images.create(disk_format='raw')
    assert client.show(ALICE, img['id'])['status'] == 'queued'
    client.upload(ALICE, img['id'], str(payload))
    shown = client.show(ALICE, img['id'])
    data = payload.read_bytes()
    assert shown['status'] == 'active'
    assert shown['size'] == len(data)
    assert shown['checksum'] == hashlib.md5(data).hexdigest()
    dest = tmp_path / 'copy'
    assert client.download(ALICE, img['id'], str(dest)) == len(data)
    assert dest.read_bytes() == data


def test_private_image_is_not_found_for_another_project(
        client, images, payload, tmp_path):
    img = images.create_from(str(payload), 'raw')
    with pytest.raises(exception.ImageNotFound):
        client.show(BOB, img['id'])
    with pytest.raises(exception.ImageNotFound):
        client.download(BOB, img['id'], str(tmp_path / 'x'))
    assert not (tmp_path / 'x').exists()


def test_token_of_the_context_wins_over_user_and_project(
        client, images, payload):
    img = images.create_from(str(payload), 'raw')
    ctx = nl_context.RequestContext(user_id='bob', project_id='p2',
                                    auth_token='alice:p1')
    assert client.show(ctx, img['id'])['id'] == img['id']
    assert image_client.auth_token(BOB) == 'bob:p2'


def test_missing_image_is_image_not_found(client):
    with pytest.raises(exception.ImageNotFound):
        client.show(ALICE, '0d7f3c0e-6a4c-4d5e-9b41-1c2d3e4f5a6b')


def test_queued_image_has_no_data(client, images, tmp_path):
    img = images.create(disk_format='raw')
    with pytest.raises(exception.Invalid, match='has no data'):
        client.download(ALICE, img['id'], str(tmp_path / 'x'))
    assert not (tmp_path / 'x').exists()


def test_checksum_mismatch_is_refused_and_leaves_no_file(
        client, images, payload, tmp_path):
    img = images.create_from(str(payload), 'raw')
    record = dict(client.show(ALICE, img['id']), checksum='0' * 32)
    dest = tmp_path / 'x'
    with pytest.raises(exception.Invalid, match='checksum verification'):
        client.download(ALICE, img['id'], str(dest), image=record)
    assert not dest.exists()
    record = dict(client.show(ALICE, img['id']), os_hash_value='0' * 128)
    with pytest.raises(exception.Invalid, match='sha512'):
        client.download(ALICE, img['id'], str(dest), image=record)


def test_json_patch_update_sets_formats_and_properties(client, images):
    img = images.create(disk_format='raw')
    updated = client.update(ALICE, img['id'], [
        {'op': 'replace', 'path': '/disk_format', 'value': 'qcow2'},
        {'op': 'add', 'path': '/kernel_id', 'value': KERNEL}])
    assert updated['disk_format'] == 'qcow2'
    assert updated['kernel_id'] == KERNEL
    assert client.show(ALICE, img['id'])['kernel_id'] == KERNEL


def test_unreachable_image_api_says_where(conf, db):
    conf.set_override('api_endpoint', 'http://127.0.0.1:9/image',
                      group='image')
    try:
        with pytest.raises(exception.NovaliteException,
                           match='127.0.0.1:9/image is unreachable'):
            image_client.ImageClient(conf).show(ALICE, 'x')
    finally:
        conf.clear_override('api_endpoint', group='image')


def test_delete_removes_the_image(client, images):
    img = images.create(disk_format='raw')
    client.delete(ALICE, img['id'])
    with pytest.raises(exception.ImageNotFound):
        client.show(ALICE, img['id'])
    with pytest.raises(exception.ImageNotFound):
        client.delete(ALICE, img['id'])


def test_each_thread_has_its_own_session(conf):
    """requests.Session is not thread-safe: RPC workers must not share one."""
    client = image_client.ImageClient(conf)
    sessions = []

    def grab():
        sessions.append((client.session, client.session))
    threads = [threading.Thread(target=grab) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(sessions) == 4
    assert all(a is b for a, b in sessions)       # reused within a thread
    assert len({id(a) for a, _b in sessions}) == 4
