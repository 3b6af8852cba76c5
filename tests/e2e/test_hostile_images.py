"""Hostile images against the real cloud (qemu:///system): crafted files
that name a host file for qemu-img or QEMU to read (CVE-2024-32498 and its
kin), uploaded with openstacksdk as a user would. Each build ends in ERROR
with a fault saying why, no QEMU ever starts, nothing is left on the host,
no snapshot can be made of it, and the secret's bytes are nowhere in the
cloud's state (instances, image cache, image store)."""

import os
import shutil
import tempfile

import pytest

from novalite.tests.unit.compute.virt.libvirt import hostile


@pytest.fixture(scope='module')
def secret():
    """(path, marker) of a host file that QEMU (libvirt-qemu) could read:
    the attack must fail because of the checks, not file permissions."""
    directory = tempfile.mkdtemp(prefix='novalite-secret-', dir='/var/tmp')
    os.chmod(directory, 0o755)
    path, marker = hostile.secret(directory)
    os.chmod(path, 0o644)
    yield path, marker
    shutil.rmtree(directory, ignore_errors=True)


def _upload(cloud, name, path, disk_format):
    with open(path, 'rb') as data:
        image = cloud.sdk.image.create_image(
            name=name, data=data, disk_format=disk_format,
            container_format='bare', visibility='public', wait=True,
            allow_duplicates=True)
    return image.id


@pytest.mark.parametrize('attack, disk_format, reasons', [
    ('data-file', 'qcow2', ['data file']),
    ('data-file', 'raw', ['format mismatch, its data is qcow2']),
    ('vmdk-flat', 'raw', ['format mismatch, its data is vmdk']),
])
def test_image_naming_a_host_file_ends_in_error_and_leaks_nothing(
        cloud, secret, tmp_path, attack, disk_format, reasons):
    """A qcow2 whose data file is a host file (uploaded as qcow2, or
    disguised as raw) and a VMDK flat descriptor whose extent is one."""
    path, marker = secret
    build = {'data-file': hostile.qcow2_with_data_file,
             'vmdk-flat': hostile.vmdk_flat_descriptor}[attack]
    image_id = _upload(cloud, 'e2e-hostile-%s' % attack,
                       build(str(tmp_path), path), disk_format)
    server_id = cloud.boot(image_id, name='e2e-hostile')
    server = cloud.wait_settled(server_id)
    assert server['status'] == 'ERROR', server
    message = server['fault']['message']
    assert 'Image %s is not a valid %s image' % (image_id, disk_format) \
        in message, message
    for reason in reasons:
        assert reason in message, message
    cloud.assert_nothing_left(server_id)
    # No snapshot of it either: the server never ran.
    rsp = cloud.http('POST', '/servers/%s/action' % server_id,
                     json={'createImage': {'name': 'e2e-hostile-snap'}})
    assert rsp.status_code == 409, rsp.text
    assert hostile.files_containing(cloud.local.state_dir, marker) == []
    cloud.delete(server_id)
