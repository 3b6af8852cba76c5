"""One real cloud for the end-to-end tests: libvirtd + virtlogd started if
needed, the four services as OS processes, RabbitMQ on its own vhost, SQLite,
one compute agent on qemu:///system with virt_type = qemu (TCG), and the
test guest (tools/build_test_guest.py) uploaded as AMI trios through the
image API. A libvirt or QEMU that cannot run guests fails the run with a
clear message."""

import os
import shutil
import subprocess
import uuid

import openstack
import pytest

from novalite.common import rpc
from novalite.tests.e2e import cloud as e2e_cloud
from novalite.tools import build_test_guest
from novalite.tools import localcloud

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# Outside /root and pytest's 0700 tmp dirs: QEMU runs as libvirt-qemu and
# must traverse every parent of the instance files.
RUN_ROOT = '/var/lib/novalite-e2e'
GUEST_DIR = os.path.join(REPO, '.state', 'test-guest')
SYNC_INTERVAL = 3
FLAVOR_MB = 256


def _ensure_hypervisor():
    proc = subprocess.run(['bash', os.path.join(REPO, 'tools',
                                                'ensure-services.sh')],
                          capture_output=True, text=True, timeout=180)
    if proc.returncode != 0:
        pytest.fail('tools/ensure-services.sh failed: %s%s' % (
            proc.stdout, proc.stderr), pytrace=False)
    caps = e2e_cloud.virsh('capabilities', check=False)
    if caps.returncode != 0:
        pytest.fail('libvirt at %s is not usable: %s' % (
            e2e_cloud.URI, caps.stderr.strip()), pytrace=False)
    if "<domain type='qemu'" not in caps.stdout:
        pytest.fail('libvirt at %s offers no QEMU (TCG) guests: is '
                    'qemu-system-x86 installed?' % e2e_cloud.URI,
                    pytrace=False)


def _run_dir():
    os.makedirs(RUN_ROOT, exist_ok=True)
    os.chmod(RUN_ROOT, 0o755)
    path = os.path.join(RUN_ROOT, uuid.uuid4().hex[:8])
    os.makedirs(path)
    os.chmod(path, 0o755)
    return path


@pytest.fixture(scope='session')
def guest():
    """The test guest's files (built once, cached in .state/test-guest)."""
    try:
        return build_test_guest.build(GUEST_DIR)
    except RuntimeError as exc:
        pytest.fail('cannot build the test guest: %s' % exc, pytrace=False)


@pytest.fixture(scope='session')
def cloud(guest):
    _ensure_hypervisor()
    state = _run_dir()
    instances_path = os.path.join(state, 'instances')
    extra_conf = {
        'compute': {'sync_power_state_interval': str(SYNC_INTERVAL),
                    'shutdown_timeout': '30'},
        'libvirt': {'instances_path': instances_path,
                    'wait_soft_reboot_seconds': '30'},
    }
    try:
        with localcloud.disposable_cloud(
                'sqlite', state, vhost_prefix='novalite-e2e',
                compute_hosts=['e2e-compute'],
                libvirt_uri=e2e_cloud.URI, virt_type='qemu',
                on_teardown=rpc.cleanup, extra_conf=extra_conf) as local:
            cloud = e2e_cloud.E2ECloud(local, instances_path)
            try:
                _seed(cloud, guest)
                yield cloud
            finally:
                cloud.reap()
    finally:
        shutil.rmtree(state, ignore_errors=True)


def _seed(cloud, guest):
    """Upload the guest with openstacksdk, as a user would; a flavor it fits
    in (m1.nano's 64 MB is too little for the cloud kernel)."""
    conn = openstack.connect(**cloud.local.cloud_config())
    cloud.sdk = conn
    cloud.images = build_test_guest.upload(conn, guest, 'e2e-guest',
                                          with_qcow2=True)
    flavor = conn.compute.create_flavor(name='e2e.guest', ram=FLAVOR_MB,
                                        vcpus=1, disk=1)
    cloud.flavor_id = flavor.id
    cloud.network_id = conn.compute.get(
        '/os-networks').json()['networks'][0]['id']
