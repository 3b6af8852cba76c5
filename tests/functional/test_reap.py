"""A server deleted while its compute host is down does not leave its guest
running: when the agent comes back it destroys the domain (Nova's
``running_deleted_instance_action = reap``), and leaves alone a domain that
belongs to no novalite instance.

libvirt's test hypervisor lives inside the agent process, so its domains die
with it, unlike a real QEMU guest. To keep the guest alive across the
restart as QEMU would, the agent comes back on a ``test:///<file>`` node
holding that guest's domain (same uuid, name and novalite metadata) and a
stranger's; what happens to them is then asked of the agent itself over RPC.
"""

import json
import os
import time
import uuid as uuidlib

from novalite.common import context as nl_context
from novalite.compute.virt.libvirt import config as vconfig
from novalite.tests.functional import helpers

NODE_XML = """<node>
  <cpu><mhz>2000</mhz><model>x86_64</model><active>4</active><max>4</max></cpu>
  <memory>8388608</memory>
%s
</node>
"""
DOMAIN_XML = """  <domain type='test'>
    <name>%(name)s</name>
    <uuid>%(uuid)s</uuid>
    <metadata>
      <nova:instance xmlns:nova="%(ns)s">
        <nova:package version="%(package)s"/>
      </nova:instance>
    </metadata>
    <memory unit='KiB'>65536</memory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
  </domain>"""


def _domain_xml(name, uuid):
    return DOMAIN_XML % {'name': name, 'uuid': uuid, 'ns': vconfig.NOVA_NS,
                         'package': vconfig.PACKAGE_VERSION}


def _compute_up(cloud, host):
    """Whether novalite-manage sees the compute service of ``host`` up."""
    services = json.loads(cloud.local.manage('--format', 'json', 'service',
                                             'list'))
    return any(s['binary'] == 'novalite-compute' and s['host'] == host
               and s['state'] == 'up' for s in services)


def _wait(predicate, timeout, what, cloud):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, '%s after %ss\n%s' % (
            what, timeout, cloud.local.logs())
        time.sleep(0.2)


def _restart_agent(cloud, host, connection_uri=None):
    """Stop the agent of ``host`` (SIGTERM) and start it again, on
    ``connection_uri`` when given, until it beats again."""
    local = cloud.local
    name = 'compute-' + host
    local.stop(names=[name])
    with open(local._host_conf(host), 'w') as out:
        out.write('[DEFAULT]\nhost = %s\n' % host)
        if connection_uri:
            out.write('[libvirt]\nconnection_uri = %s\n' % connection_uri)
    local.start(names=[name])
    _wait(lambda: _compute_up(cloud, host), 60, 'agent not up', cloud)


def _agent_log(cloud, host):
    with open(os.path.join(cloud.local.log_dir,
                           'compute-%s.log' % host)) as log:
        return log.read()


def test_guest_of_a_server_deleted_while_its_host_was_down_is_reaped(cloud):
    server = cloud.sdk.compute.create_server(
        name='reap-me', image_id=cloud.image_id, flavor_id='42',
        networks=[{'uuid': cloud.network_id}])
    active = helpers.wait_status(cloud, server.id, 'ACTIVE')
    host = active['OS-EXT-SRV-ATTR:host']
    instance = helpers.instance_record(cloud, server.id)
    domain = helpers.compute_api(cloud).get_diagnostics(
        nl_context.get_admin_context(), instance)['domain']
    stranger = {'uuid': str(uuidlib.uuid4()), 'host': host}
    node = os.path.join(cloud.local.state_dir, 'reap-node-%s.xml' % host)
    with open(node, 'w') as out:
        out.write(NODE_XML % '\n'.join([
            _domain_xml(domain, server.id),
            _domain_xml('stranger-guest', stranger['uuid'])]))
    try:
        cloud.local.stop(names=['compute-' + host])
        _wait(lambda: not _compute_up(cloud, host),
              helpers.SERVICE_DOWN_TIME + 20, 'agent not seen down', cloud)
        # Its host is down: the API deletes locally, at once.
        assert cloud.http('DELETE', '/servers/%s' % server.id).status_code \
            == 204
        helpers.wait_gone(cloud, server.id, timeout=20)
        log_before = len(_agent_log(cloud, host))

        # The agent returns, and its guest is still there (as QEMU's would).
        _restart_agent(cloud, host, connection_uri='test://' + node)

        assert not helpers.domain_exists(cloud, instance)
        assert helpers.domain_exists(cloud, stranger)
        log = _agent_log(cloud, host)[log_before:]
        assert ('destroying domain %s and its files: the instance is '
                'deleted' % server.id) in log, log
        assert 'domain %s belongs to no instance; leaving it alone' % (
            stranger['uuid']) in log, log
        assert 'Traceback' not in log, log
    finally:
        _restart_agent(cloud, host)
