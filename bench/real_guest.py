"""Real-guest boot benchmark: API request → the guest's marker on its serial
console, beside the floor it cannot beat in the same run: a raw
``virsh create`` of an equivalent domain (same kernel, initramfs, memory,
TCG) → the same marker.

    python -m novalite.bench.real_guest --count 3

Both sides poll the console log file every 20 ms (the API side reads
``<instances_path>/<uuid>/console.log``, written by the same QEMU), so the
difference is what novalite adds: the REST request, scheduling, RPC, the
image fetch into the cache (first boot only) and the qcow2 overlay.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET

import requests

from novalite.common import rpc
from novalite.tools import build_test_guest
from novalite.tools import localcloud

URI = 'qemu:///system'
POLL = 0.02
MEMORY_MB = 256
RUN_ROOT = '/var/lib/novalite-bench'


def floor_domain_xml(name, kernel, initramfs, disk, console, memory_mb,
                     cmdline='root=/dev/vda console=tty0 console=ttyS0'):
    """A domain like the driver's AMI boot: direct kernel boot, one virtio
    disk, serial console to a file."""
    dom = ET.Element('domain', type='qemu')
    ET.SubElement(dom, 'name').text = name
    ET.SubElement(dom, 'memory', unit='MiB').text = str(memory_mb)
    ET.SubElement(dom, 'vcpu').text = '1'
    os_ = ET.SubElement(dom, 'os')
    ET.SubElement(os_, 'type', arch='x86_64', machine='pc').text = 'hvm'
    ET.SubElement(os_, 'kernel').text = kernel
    ET.SubElement(os_, 'initrd').text = initramfs
    ET.SubElement(os_, 'cmdline').text = cmdline
    features = ET.SubElement(dom, 'features')
    ET.SubElement(features, 'acpi')
    ET.SubElement(features, 'apic')
    devices = ET.SubElement(dom, 'devices')
    disk_el = ET.SubElement(devices, 'disk', type='file', device='disk')
    ET.SubElement(disk_el, 'driver', name='qemu', type='raw')
    ET.SubElement(disk_el, 'source', file=disk)
    ET.SubElement(disk_el, 'target', dev='vda', bus='virtio')
    serial = ET.SubElement(devices, 'serial', type='file')
    ET.SubElement(serial, 'source', path=console)
    ET.SubElement(serial, 'target', port='0')
    return ET.tostring(dom, encoding='unicode')


def wait_marker(path, began, timeout=120):
    """Seconds from ``began`` until the marker is in the file at ``path``."""
    marker = build_test_guest.MARKER.encode()
    deadline = began + timeout
    while time.perf_counter() < deadline:
        try:
            with open(path, 'rb') as src:
                if marker in src.read():
                    return time.perf_counter() - began
        except OSError:
            pass
        time.sleep(POLL)
    raise RuntimeError('no %s in %s after %ss' % (
        marker.decode(), path, timeout))


def virsh(*args):
    proc = subprocess.run(['virsh', '-c', URI, *args], capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError('virsh %s: %s' % (args[0], proc.stderr.strip()))
    return proc.stdout


def virsh_floor(guest, workdir, count):
    """``virsh create`` → marker, ``count`` times (s each)."""
    for key in ('kernel', 'initramfs', 'disk'):
        shutil.copy(guest[key], os.path.join(workdir, key))
    samples = []
    for i in range(count):
        name = 'novalite-bench-floor-%s' % uuid.uuid4().hex[:8]
        console = os.path.join(workdir, 'floor-%d.log' % i)
        xml_path = os.path.join(workdir, name + '.xml')
        with open(xml_path, 'w') as out:
            out.write(floor_domain_xml(
                name, os.path.join(workdir, 'kernel'),
                os.path.join(workdir, 'initramfs'),
                os.path.join(workdir, 'disk'), console, MEMORY_MB))
        began = time.perf_counter()
        virsh('create', xml_path)
        try:
            samples.append(wait_marker(console, began))
        finally:
            virsh('destroy', name)
    return samples


def api_boots(cloud, images, flavor_id, network_id, instances_path, count):
    """POST /servers → marker in the instance's console log (s each)."""
    http = requests.Session()
    http.headers.update({'X-Auth-Token': 'admin:admin'})
    samples = []
    for i in range(count):
        body = {'server': {'name': 'bench-real-%d' % i,
                           'imageRef': images['ami'],
                           'flavorRef': flavor_id,
                           'networks': [{'uuid': network_id}]}}
        began = time.perf_counter()
        rsp = http.post(cloud.endpoint + '/v2.1/servers', json=body)
        rsp.raise_for_status()
        server_id = rsp.json()['server']['id']
        try:
            samples.append(wait_marker(
                os.path.join(instances_path, server_id, 'console.log'),
                began))
        except RuntimeError:
            server = http.get(cloud.endpoint + '/v2.1/servers/' +
                              server_id).json()['server']
            raise RuntimeError('server %s is %s, fault %s' % (
                server_id, server['status'], server.get('fault')))
        finally:
            http.delete(cloud.endpoint + '/v2.1/servers/' + server_id)
        _wait_gone(http, cloud.endpoint + '/v2.1/servers/' + server_id)
    return samples


def _wait_gone(http, url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if http.get(url).status_code == 404:
            return
        time.sleep(0.2)
    raise RuntimeError('%s not deleted after %ss' % (url, timeout))


def run(count, guest_dir=None):
    guest = build_test_guest.build(guest_dir)
    os.makedirs(RUN_ROOT, mode=0o755, exist_ok=True)
    os.chmod(RUN_ROOT, 0o755)
    state = tempfile.mkdtemp(prefix='run-', dir=RUN_ROOT)
    os.chmod(state, 0o755)
    instances_path = os.path.join(state, 'instances')
    try:
        floor = virsh_floor(guest, state, count)
        with localcloud.disposable_cloud(
                'sqlite', state, vhost_prefix='novalite-bench',
                compute_hosts=['bench-real'],
                libvirt_uri=URI, virt_type='qemu', on_teardown=rpc.cleanup,
                extra_conf={
                    'libvirt': {'instances_path': instances_path}}) as cloud:
            import openstack
            conn = openstack.connect(**cloud.cloud_config())
            images = build_test_guest.upload(conn, guest, 'bench-guest')
            flavor = conn.compute.create_flavor(
                name='bench.real', ram=MEMORY_MB, vcpus=1, disk=1)
            network = conn.compute.get('/os-networks').json()['networks'][0]
            boots = api_boots(cloud, images, flavor.id, network['id'],
                              instances_path, count)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    return floor, boots


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--count', type=int, default=3)
    parser.add_argument('--guest-dir', default=None,
                        help='test guest cache (default .state/test-guest)')
    args = parser.parse_args(argv)
    floor, boots = run(args.count, args.guest_dir)

    def row(label, samples):
        return '| %s | %d | %.2f s | %.2f s | %.2f s |' % (
            label, len(samples), statistics.median(samples), min(samples),
            max(samples))
    print('| measurement (TCG, marker on the serial console) | n | p50 '
          '| min | max |')
    print('|---|---|---|---|---|')
    print(row('virsh create → marker (floor)', floor))
    print(row('API request → marker, first boot (image fetched to _base)',
              boots[:1]))
    cached = boots[1:] or boots
    print(row('API request → marker, image cached', cached))
    print('\ndifference at p50 (image cached): %.2f s (API %.2f s - floor '
          '%.2f s)' % (statistics.median(cached) - statistics.median(floor),
                       statistics.median(cached), statistics.median(floor)))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
