"""What an end-to-end test does to a cloud that boots real QEMU guests: the
REST API (over HTTP, as a user would), the guest's console through
os-getConsoleOutput, and what the host shows (virsh, the instances path)."""

import os
import subprocess
import time

import requests

from novalite.tests.functional import helpers
from novalite.tools import build_test_guest

MARKER = build_test_guest.MARKER
URI = 'qemu:///system'
POLL = 0.2


def virsh(*args, check=True):
    proc = subprocess.run(['virsh', '-c', URI, *args], capture_output=True,
                          text=True, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError('virsh %s failed: %s' % (
            ' '.join(args), proc.stderr.strip()))
    return proc


def ip_link_exists(name):
    return subprocess.run(['ip', 'link', 'show', name], capture_output=True,
                          timeout=30).returncode == 0


class E2ECloud:
    """A running cloud (tools.localcloud.LocalCloud) plus the uploaded
    test guest images, a flavor it fits in and the network to boot on."""

    def __init__(self, local, instances_path):
        self.local = local
        self.instances_path = instances_path
        self.compute_url = local.endpoint + '/v2.1'
        self.image_url = local.endpoint + '/image/v2'
        self.images = {}
        self.flavor_id = None
        self.small_flavor_id = None
        self.network_id = None
        self.default_cidr = None
        self.booted = []

    # -- HTTP -------------------------------------------------------------------
    def http(self, method, path, token='admin:admin', **kwargs):
        headers = kwargs.pop('headers', {})
        headers.setdefault('X-Auth-Token', token)
        return requests.request(method, self.compute_url + path,
                                headers=headers, timeout=60, **kwargs)

    def action(self, server_id, body, expect=202, **kwargs):
        rsp = self.http('POST', '/servers/%s/action' % server_id, json=body,
                        **kwargs)
        assert rsp.status_code == expect, (body, rsp.status_code, rsp.text)
        return rsp

    def server(self, server_id):
        rsp = self.http('GET', '/servers/%s' % server_id)
        assert rsp.status_code == 200, rsp.text
        return rsp.json()['server']

    def boot(self, image_id, name='e2e', flavor_id=None, expect=202):
        rsp = self.http('POST', '/servers', json={'server': {
            'name': name, 'imageRef': image_id,
            'flavorRef': flavor_id or self.flavor_id,
            'networks': [{'uuid': self.network_id}]}})
        if rsp.status_code == 202:
            self.booted.append(rsp.json()['server']['id'])
        if expect is None:
            return rsp
        assert rsp.status_code == expect, rsp.text
        return self.booted[-1] if expect == 202 else rsp

    def image(self, image_id):
        """The Glance v2 image document (properties at the top level)."""
        rsp = requests.get('%s/images/%s' % (self.image_url, image_id),
                           headers={'X-Auth-Token': 'admin:admin'},
                           timeout=30)
        assert rsp.status_code == 200, rsp.text
        return rsp.json()

    # -- waiting (the functional tests' helpers, with TCG-sized timeouts) --
    def wait_status(self, server_id, status, timeout=120):
        """Until the server shows ``status`` with no task in progress."""
        return helpers.wait_status(self, server_id, status, timeout)

    def wait_settled(self, server_id, timeout=120):
        return helpers.wait_settled(self, server_id, timeout)

    def wait_gone(self, server_id, timeout=60):
        return helpers.wait_gone(self, server_id, timeout)

    def delete(self, server_id):
        rsp = self.http('DELETE', '/servers/%s' % server_id)
        assert rsp.status_code in (204, 404), rsp.text
        self.wait_gone(server_id)

    # -- the guest's console ----------------------------------------------------
    def console(self, server_id, length=None):
        body = {'os-getConsoleOutput': {} if length is None
                else {'length': length}}
        rsp = self.action(server_id, body, expect=200)
        return rsp.json()['output']

    def markers(self, server_id):
        return sum(1 for line in self.console(server_id).splitlines()
                   if line.startswith(MARKER))

    def wait_markers(self, server_id, count, timeout=90):
        """Until the console shows at least ``count`` marker lines."""
        deadline = time.time() + timeout
        seen = 0
        while time.time() < deadline:
            seen = self.markers(server_id)
            if seen >= count:
                return seen
            time.sleep(0.5)
        raise AssertionError(
            'console of %s shows %d %s lines, want %d, after %ss:\n%s' % (
                server_id, seen, MARKER, count, timeout,
                self.console(server_id, length=30)))

    # -- the host ------------------------------------------------------------------
    def domstate(self, server_id):
        """virsh's view of the server's domain: running, paused, shut off,
        or None when libvirt has no such domain."""
        proc = virsh('domstate', server_id, check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.strip()

    def wait_domstate(self, server_id, state, timeout=30):
        deadline = time.time() + timeout
        seen = None
        while time.time() < deadline:
            seen = self.domstate(server_id)
            if seen == state:
                return
            time.sleep(POLL)
        raise AssertionError('domain of %s is %r, want %r' % (
            server_id, seen, state))

    def instance_dir(self, server_id):
        return os.path.join(self.instances_path, server_id)

    def assert_nothing_left(self, server_id):
        """No domain (running or defined) and no files for the server."""
        listed = virsh('list', '--all', '--uuid').stdout.split()
        assert server_id not in listed, 'domain of %s left behind' % server_id
        assert not os.path.exists(self.instance_dir(server_id)), (
            'files left behind: %s' % os.listdir(self.instance_dir(server_id)))

    def reap(self):
        """Destroy and undefine what a failed test may have left running,
        so no QEMU outlives the run."""
        for server_id in self.booted:
            if self.domstate(server_id) is not None:
                virsh('destroy', server_id, check=False)
                virsh('undefine', '--managed-save', server_id, check=False)
        self._reap_networks()

    def _reap_networks(self):
        """This cloud's libvirt networks and filters (never another
        cloud's on the same libvirtd: only names made from our ids)."""
        try:
            rsp = requests.get(self.local.endpoint + '/network/v2.0/ports',
                               headers={'X-Auth-Token': 'admin:admin'},
                               timeout=30)
            ports = rsp.json()['ports']
            nets = requests.get(
                self.local.endpoint + '/network/v2.0/networks',
                headers={'X-Auth-Token': 'admin:admin'},
                timeout=30).json()['networks']
        except Exception:  # noqa: BLE001 -- the API is gone: nothing known
            return
        for port in ports:
            virsh('nwfilter-undefine', 'novalite-port-' + port['id'],
                  check=False)
        for group in requests.get(
                self.local.endpoint + '/network/v2.0/security-groups',
                headers={'X-Auth-Token': 'admin:admin'},
                timeout=30).json().get('security_groups', []):
            virsh('nwfilter-undefine', 'novalite-sg-' + group['id'],
                  check=False)
        for net in nets:
            name = 'novalite-' + net['id']
            virsh('net-destroy', name, check=False)
            virsh('net-undefine', name, check=False)
