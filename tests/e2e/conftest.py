"""One real cloud for the end-to-end tests: libvirtd + virtlogd started if
needed, the four services as OS processes, RabbitMQ on its own vhost, SQLite,
one compute agent on qemu:///system with virt_type = qemu (TCG), and the
test guest (tools/build_test_guest.py) uploaded as AMI trios through the
image API. A libvirt or QEMU that cannot run guests fails the run with a
clear message."""

import os
import re
import shutil
import subprocess
import uuid

import openstack
import pytest

from novalite.common import rpc
from novalite.tests.e2e import cloud as e2e_cloud
from novalite.tools import build_test_guest
from novalite.tools import demo_login
from novalite.tools import freenet
from novalite.tools import localcloud

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# Outside /root and pytest's 0700 tmp dirs: QEMU runs as libvirt-qemu and
# must traverse every parent of the instance files.
RUN_ROOT = '/var/lib/novalite-e2e'
GUEST_DIR = os.path.join(REPO, '.state', 'test-guest')
SYNC_INTERVAL = 3
FLAVOR_MB = 256
DEFAULT_CIDR = '10.0.199.0/24'   # or the next free /24


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
    _reap_dead_runs()
    # Networks an earlier, killed run left behind (autostarted again by
    # libvirtd) would hold our range: libvirt refuses a second bridge on it.
    demo_login.prune_libvirt(e2e_cloud.URI)


def _reap_dead_runs():
    """Guests of an earlier e2e run that was killed before its teardown:
    their disks lived in a run directory that is gone now. They would keep
    QEMU running and their network's range held."""
    import libvirt
    conn = libvirt.open(e2e_cloud.URI)
    try:
        for dom in conn.listAllDomains(0):
            try:
                xml = dom.XMLDesc(0)
            except libvirt.libvirtError:
                continue
            dirs = {os.path.join(RUN_ROOT, os.path.relpath(src, RUN_ROOT)
                                 .split('/')[0]) for src in
                    re.findall(r"<source file='(%s/[^']+)'" % RUN_ROOT, xml)}
            if dirs and not any(os.path.isdir(d) for d in dirs):
                print('reaping %s, a guest of a dead e2e run' % dom.name())
                if dom.isActive():
                    dom.destroy()
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    finally:
        conn.close()


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
    default_cidr = freenet.free_cidr(DEFAULT_CIDR, uri=e2e_cloud.URI)
    extra_conf = {
        'compute': {'sync_power_state_interval': str(SYNC_INTERVAL),
                    'shutdown_timeout': '30'},
        'libvirt': {'instances_path': instances_path,
                    'wait_soft_reboot_seconds': '30'},
        # Not make run's 10.0.0.0/24 nor any range a leftover network
        # holds: libvirt refuses a second bridge on a routed range.
        'network': {'default_cidr': default_cidr},
    }
    try:
        with localcloud.disposable_cloud(
                'sqlite', state, vhost_prefix='novalite-e2e',
                compute_hosts=['e2e-compute'],
                libvirt_uri=e2e_cloud.URI, virt_type='qemu',
                on_teardown=rpc.cleanup, extra_conf=extra_conf) as local:
            cloud = e2e_cloud.E2ECloud(local, instances_path)
            cloud.default_cidr = default_cidr
            try:
                _seed(cloud, guest)
                yield cloud
            finally:
                cloud.reap()
    finally:
        shutil.rmtree(state, ignore_errors=True)


def _seed(cloud, guest):
    """Upload the guest with openstacksdk, as a user would; a flavor it fits
    in (the guest needs about 80 MB; m1.nano has 128)."""
    conn = openstack.connect(**cloud.local.cloud_config())
    cloud.sdk = conn
    cloud.images = build_test_guest.upload(conn, guest, 'e2e-guest',
                                          with_qcow2=True)
    flavor = conn.compute.create_flavor(name='e2e.guest', ram=FLAVOR_MB,
                                        vcpus=1, disk=1)
    cloud.flavor_id = flavor.id
    cloud.network_id = conn.compute.get(
        '/os-networks').json()['networks'][0]['id']
