"""Images a real guest cannot boot from: each is refused at the API (4xx) or
ends with the server in ERROR and a fault saying why, and leaves no domain
and no files on the host."""

import io
import os
import subprocess
import uuid

import requests


def _upload(cloud, name, data, disk_format, **props):
    image = cloud.sdk.image.create_image(
        name=name, data=io.BytesIO(data), disk_format=disk_format,
        container_format='ami' if disk_format in ('ami', 'aki', 'ari')
        else 'bare', visibility='public', wait=True, allow_duplicates=True,
        **props)
    return image.id


def _assert_refused(cloud, image_id, reasons, flavor_id=None):
    """A 4xx naming one of ``reasons``, or ERROR with such a fault; either
    way nothing left on the host."""
    rsp = cloud.boot(image_id, name='e2e-bad', flavor_id=flavor_id,
                     expect=None)
    if rsp.status_code != 202:
        assert 400 <= rsp.status_code < 500, rsp.text
        message = rsp.text.lower()
        assert any(r.lower() in message for r in reasons), rsp.text
        return None
    server_id = rsp.json()['server']['id']
    server = cloud.wait_settled(server_id)
    assert server['status'] == 'ERROR', server
    fault = server.get('fault') or {}
    message = fault.get('message', '') + ' ' + fault.get('details', '')
    assert any(r.lower() in message.lower() for r in reasons), fault
    cloud.assert_nothing_left(server_id)
    cloud.delete(server_id)
    return fault


def test_corrupt_qcow2_is_refused(cloud):
    image_id = _upload(cloud, 'e2e-corrupt', os.urandom(1024 * 1024),
                       'qcow2')
    _assert_refused(cloud, image_id, ['qcow2'])


def test_image_still_queued_is_refused_at_the_api(cloud):
    rsp = requests.post(cloud.image_url + '/images', json={
        'name': 'e2e-queued', 'disk_format': 'qcow2',
        'container_format': 'bare', 'visibility': 'public'},
        headers={'X-Auth-Token': 'admin:admin'}, timeout=30)
    assert rsp.status_code == 201, rsp.text
    image_id = rsp.json()['id']
    assert cloud.image(image_id)['status'] == 'queued'
    rsp = cloud.boot(image_id, name='e2e-queued', expect=400)
    assert 'not active' in rsp.text.lower() or 'queued' in rsp.text.lower()
    names = [s['name'] for s in cloud.http('GET', '/servers').json()
             ['servers']]
    assert 'e2e-queued' not in names


def test_ami_whose_kernel_is_missing_is_refused(cloud):
    missing = str(uuid.uuid4())
    image_id = _upload(cloud, 'e2e-no-kernel', b'\0' * 65536, 'ami',
                       kernel_id=missing, ramdisk_id=cloud.images['ari'])
    _assert_refused(cloud, image_id, [missing])


def test_ami_naming_a_missing_ramdisk_is_refused(cloud):
    missing = str(uuid.uuid4())
    image_id = _upload(cloud, 'e2e-no-ramdisk', b'\0' * 65536, 'ami',
                       kernel_id=cloud.images['aki'], ramdisk_id=missing)
    _assert_refused(cloud, image_id, [missing])


def test_image_larger_than_the_flavor_disk_is_refused(cloud, tmp_path):
    # A 5 GiB virtual disk in a file of a few hundred KiB: only its
    # virtual size (qemu-img info) tells it does not fit 1 GB.
    path = str(tmp_path / 'big.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path, '5G'],
                   check=True)
    with open(path, 'rb') as src:
        image_id = _upload(cloud, 'e2e-too-big', src.read(), 'qcow2')
    _assert_refused(cloud, image_id, ['too small', 'too big', 'larger than'])
