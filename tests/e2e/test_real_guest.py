"""A real QEMU guest through the whole path (API → conductor → scheduler →
compute over RabbitMQ → libvirt), seen where a user sees it: the server's
status and its console (os-getConsoleOutput), and where an operator does:
virsh and the instances path.

The tests share one server and run in file order; each leaves it ACTIVE.
"""

import json
import os
import subprocess
import time

import pytest

from novalite.tests.e2e import conftest
from novalite.tests.e2e.cloud import MARKER

POWER_BUTTON = 'NOVALITE-GUEST-POWER-BUTTON'


@pytest.fixture(scope='module')
def server(cloud):
    server_id = cloud.boot(cloud.images['ami'], name='e2e-guest')
    cloud.wait_status(server_id, 'ACTIVE')
    cloud.wait_markers(server_id, 1)
    yield server_id
    if cloud.http('GET', '/servers/%s' % server_id).status_code != 404:
        cloud.delete(server_id)


def _lines(cloud, server_id, text):
    return sum(1 for line in cloud.console(server_id).splitlines()
               if line.startswith(text))


def _wait_image_active(cloud, image_id, timeout=120):
    deadline = time.time() + timeout
    image = None
    while time.time() < deadline:
        image = cloud.image(image_id)
        if image['status'] == 'active':
            return image
        assert image['status'] in ('queued', 'saving'), image
        time.sleep(0.5)
    raise AssertionError('snapshot %s still %s after %ss' % (
        image_id, image['status'], timeout))


def test_boot_prints_marker_on_console(cloud, server):
    assert cloud.domstate(server) == 'running'
    output = cloud.console(server)
    assert MARKER + ' uptime=' in output
    # length= gives the tail (Nova splits on '\n', so the log's final
    # newline counts): the marker is the guest's last line.
    tail = cloud.console(server, length=2)
    assert tail.strip().startswith(MARKER), tail
    assert len(tail.splitlines()) <= 2
    # The root disk is a qcow2 overlay on the cached image in _base.
    info = json.loads(subprocess.run(
        ['qemu-img', 'info', '-U', '--output=json',
         cloud.instance_dir(server) + '/disk'],
        capture_output=True, text=True, check=True).stdout)
    assert info['format'] == 'qcow2'
    assert info['backing-filename'].startswith(
        cloud.instances_path + '/_base/'), info


def test_stop_then_start(cloud, server):
    markers = cloud.markers(server)
    buttons = _lines(cloud, server, POWER_BUTTON)
    cloud.action(server, {'os-stop': None})
    cloud.wait_status(server, 'SHUTOFF')
    assert cloud.domstate(server) == 'shut off'
    # A clean stop: the guest saw the ACPI power button and powered off.
    assert _lines(cloud, server, POWER_BUTTON) == buttons + 1
    cloud.action(server, {'os-stop': None}, expect=409)

    cloud.action(server, {'os-start': None})
    cloud.wait_status(server, 'ACTIVE')
    assert cloud.domstate(server) == 'running'
    cloud.wait_markers(server, markers + 1)
    cloud.action(server, {'os-start': None}, expect=409)


def test_hard_reboot_boots_again(cloud, server):
    markers = cloud.markers(server)
    buttons = _lines(cloud, server, POWER_BUTTON)
    cloud.action(server, {'reboot': {'type': 'HARD'}})
    cloud.wait_status(server, 'ACTIVE')
    cloud.wait_markers(server, markers + 1)
    assert cloud.domstate(server) == 'running'
    # Hard: the guest was not asked.
    assert _lines(cloud, server, POWER_BUTTON) == buttons


def test_soft_reboot_asks_the_guest(cloud, server):
    markers = cloud.markers(server)
    buttons = _lines(cloud, server, POWER_BUTTON)
    cloud.action(server, {'reboot': {'type': 'SOFT'}})
    cloud.wait_status(server, 'ACTIVE')
    cloud.wait_markers(server, markers + 1)
    assert cloud.domstate(server) == 'running'
    assert _lines(cloud, server, POWER_BUTTON) == buttons + 1


def test_pause_unpause(cloud, server):
    markers = cloud.markers(server)
    cloud.action(server, {'pause': None})
    cloud.wait_status(server, 'PAUSED')
    assert cloud.domstate(server) == 'paused'
    cloud.action(server, {'pause': None}, expect=409)
    cloud.action(server, {'unpause': None})
    cloud.wait_status(server, 'ACTIVE')
    assert cloud.domstate(server) == 'running'
    # Paused, not rebooted.
    assert cloud.markers(server) == markers


def test_suspend_resume(cloud, server):
    markers = cloud.markers(server)
    cloud.action(server, {'suspend': None})
    cloud.wait_status(server, 'SUSPENDED')
    # The guest's memory is saved to disk and QEMU is gone.
    assert cloud.domstate(server) == 'shut off'
    cloud.action(server, {'resume': None})
    cloud.wait_status(server, 'ACTIVE')
    assert cloud.domstate(server) == 'running'
    # Restored from the saved memory, not booted again.
    time.sleep(2)
    assert cloud.markers(server) == markers


def test_snapshot_boots_and_rebuild_uses_it(cloud, server):
    rsp = cloud.action(server, {'createImage': {'name': 'e2e-snapshot'}})
    image_id = rsp.headers['Location'].rstrip('/').rsplit('/', 1)[-1]
    image = _wait_image_active(cloud, image_id)
    assert image['disk_format'] == 'qcow2'
    # An AMI-booted guest's snapshot boots the same way.
    assert image.get('kernel_id') == cloud.images['aki']
    assert image.get('ramdisk_id') == cloud.images['ari']
    cloud.wait_status(server, 'ACTIVE')

    child = cloud.boot(image_id, name='e2e-from-snapshot')
    cloud.wait_status(child, 'ACTIVE')
    cloud.wait_markers(child, 1)
    cloud.delete(child)
    cloud.assert_nothing_left(child)

    # Rebuild: same server, new image, booted again.
    cloud.action(server, {'rebuild': {'imageRef': image_id}})
    rebuilt = cloud.wait_status(server, 'ACTIVE')
    assert rebuilt['image']['id'] == image_id
    cloud.wait_markers(server, 1)
    assert cloud.domstate(server) == 'running'


def test_bootable_qcow2_disk_image_boots(cloud):
    """Disk boot (SYSLINUX on the image's FAT filesystem), no kernel_id."""
    server_id = cloud.boot(cloud.images['qcow2'], name='e2e-qcow2')
    cloud.wait_status(server_id, 'ACTIVE')
    cloud.wait_markers(server_id, 1)
    assert not os.path.exists(
        os.path.join(cloud.instance_dir(server_id), 'kernel'))
    cloud.delete(server_id)
    cloud.assert_nothing_left(server_id)


def test_guest_powering_itself_off_is_seen_shutoff(cloud):
    server_id = cloud.boot(cloud.images['ami_poweroff'], name='e2e-poweroff')
    assert cloud.wait_settled(server_id)['status'] != 'ERROR'
    cloud.wait_domstate(server_id, 'shut off', timeout=90)
    began = time.time()
    cloud.wait_status(server_id, 'SHUTOFF',
                      timeout=conftest.SYNC_INTERVAL + 5)
    assert time.time() - began <= conftest.SYNC_INTERVAL + 5
    assert 'NOVALITE-GUEST-POWEROFF' in cloud.console(server_id)
    cloud.delete(server_id)
    cloud.assert_nothing_left(server_id)


def test_delete_leaves_nothing_behind(cloud, server):
    assert cloud.domstate(server) == 'running'
    cloud.delete(server)
    cloud.assert_nothing_left(server)
