"""Check a server's security groups (addSecurityGroup, removeSecurityGroup,
os-security-groups), flavor extra specs and flavor access with tempest's
own service clients and response schemas, at 2.1 and at the newest
microversion the cloud advertises.

Runs INSIDE tempest's virtualenv (like tools/tempest_check.py, whose
NoAuth provider it reuses); imports nothing of novalite. Exit status 0
when every response passes tempest's validation.

    python tempest_check_extras.py ENDPOINT IMAGE_ID NETWORK_ID [--token T]
"""

import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tempest.lib.services.compute import flavors_client  # noqa: E402
from tempest.lib.services.compute import servers_client  # noqa: E402
from tempest.lib.services.compute import versions_client  # noqa: E402
from tempest.lib.services.network import (  # noqa: E402
    security_groups_client)

import tempest_check  # noqa: E402


class Checker(tempest_check.Checker):

    def __init__(self, args):
        self.args = args
        vars(self).update(tempest_check.clients(args, compute={
            'servers': servers_client.ServersClient,
            'flavors': flavors_client.FlavorsClient,
            'versions': versions_client.VersionsClient}, network={
            'groups': security_groups_client.SecurityGroupsClient}))
        self.done = 0

    def security_groups(self, versions):
        name = 'tempest-sg-' + uuid.uuid4().hex[:6]
        group = self.groups.create_security_group(name=name)[
            'security_group']
        server_id = None
        try:
            server_id = self.boot('2.1')
            self.wait_active(server_id)
            for version in versions:
                tempest_check.use(version)
                self.step('add_security_group',
                          self.servers.add_security_group, server_id,
                          name=name)
                body = self.step('list_security_groups_by_server',
                                 self.servers.list_security_groups_by_server,
                                 server_id)
                names = sorted(g['name'] for g in body['security_groups'])
                assert names == sorted(['default', name]), names
                self.step('show_server', self.servers.show_server,
                          server_id)
                self.step('remove_security_group',
                          self.servers.remove_security_group, server_id,
                          name=name)
        finally:
            tempest_check.use(None)
            if server_id:
                self.servers.delete_server(server_id)
            # The server left the group above: it may go at once.
            self.groups.delete_security_group(group['id'])

    def flavor_extras(self, versions):
        for version in versions:
            tempest_check.use(version)
            flavor = self.step(
                'create_flavor', self.flavors.create_flavor,
                name='tempest-fx-' + uuid.uuid4().hex[:6], ram=64, vcpus=1,
                disk=1, is_public=False)['flavor']
            try:
                self.step('set_flavor_extra_spec',
                          self.flavors.set_flavor_extra_spec, flavor['id'],
                          **{'hw:cpu_policy': 'shared', 'key1': 'value1'})
                self.step('list_flavor_extra_specs',
                          self.flavors.list_flavor_extra_specs,
                          flavor['id'])
                self.step('show_flavor_extra_spec',
                          self.flavors.show_flavor_extra_spec,
                          flavor['id'], 'key1')
                self.step('update_flavor_extra_spec',
                          self.flavors.update_flavor_extra_spec,
                          flavor['id'], 'key1', key1='value2')
                self.step('unset_flavor_extra_spec',
                          self.flavors.unset_flavor_extra_spec,
                          flavor['id'], 'key1')
                self.step('add_flavor_access',
                          self.flavors.add_flavor_access, flavor['id'],
                          'tempest-project')
                body = self.step('list_flavor_access',
                                 self.flavors.list_flavor_access,
                                 flavor['id'])
                assert body['flavor_access'] == [{
                    'flavor_id': flavor['id'],
                    'tenant_id': 'tempest-project'}], body
                self.step('remove_flavor_access',
                          self.flavors.remove_flavor_access, flavor['id'],
                          'tempest-project')
            finally:
                tempest_check.use(None)
                self.flavors.delete_flavor(flavor['id'])

    def run(self):
        low, high = self.versions_document()
        print('advertised microversions: %s .. %s' % (low, high))
        self.security_groups((low, high))
        self.flavor_extras((low, high))
        print('OK: %d responses passed tempest validation' % self.done)


def main(argv=None):
    return tempest_check.cli(Checker, __doc__, ('image', 'network'), argv)


if __name__ == '__main__':
    sys.exit(main())
