"""Check server groups with tempest's own ServerGroupsClient and response
schemas: create at each microversion where the shapes change (2.1, 2.13,
2.15, 2.64, the newest), show and list at every advertised microversion,
delete; and a server booted into a group, shown with ``server_groups``
from 2.71.

Runs INSIDE tempest's virtualenv (like tools/tempest_check.py, whose
NoAuth provider it reuses); imports nothing of novalite. Exit status 0
when every response passes tempest's validation.

    python tempest_check_sg.py ENDPOINT IMAGE_ID NETWORK_ID [--token T]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tempest.lib.services.compute import server_groups_client  # noqa: E402
from tempest.lib.services.compute import servers_client  # noqa: E402
from tempest.lib.services.compute import versions_client  # noqa: E402

import tempest_check  # noqa: E402

WRITE_VERSIONS = ('2.1', '2.13', '2.15', '2.64')


class Checker(tempest_check.Checker):

    def __init__(self, args):
        self.args = args
        vars(self).update(tempest_check.clients(args, compute={
            'groups': server_groups_client.ServerGroupsClient,
            'servers': servers_client.ServersClient,
            'versions': versions_client.VersionsClient}))
        self.done = 0

    def create(self, version):
        tempest_check.use(version)
        name = 'tempest-sg-%s' % version.replace('.', '-')
        if tempest_check.vt(version) >= (2, 64):
            body = dict(name=name, policy='anti-affinity',
                        rules={'max_server_per_host': 2})
        elif tempest_check.vt(version) >= (2, 15):
            body = dict(name=name, policies=['soft-anti-affinity'])
        else:
            body = dict(name=name, policies=['affinity'])
        return self.step('create_server_group',
                         self.groups.create_server_group,
                         **body)['server_group']['id']

    def run(self):
        low, high = self.versions_document()
        print('advertised microversions: %s .. %s' % (low, high))
        created = []
        server_id = None
        try:
            for version in WRITE_VERSIONS + (high,):
                created.append(self.create(version))
            tempest_check.use('2.1')
            server_id = self.servers.create_server(
                name='tempest-sg-member', imageRef=self.args.image,
                flavorRef='42', networks=[{'uuid': self.args.network}],
                scheduler_hints={'group': created[0]})['server']['id']
            for version in tempest_check.versions_between(low, high):
                tempest_check.use(version)
                for group_id in created:
                    self.step('show_server_group',
                              self.groups.show_server_group, group_id)
                self.step('list_server_groups',
                          self.groups.list_server_groups)
                self.step('list_server_groups all_projects',
                          self.groups.list_server_groups, all_projects=True)
                self.step('show_server', self.servers.show_server,
                          server_id)
            tempest_check.use(high)
            shown = self.servers.show_server(server_id)['server']
            assert shown['server_groups'] == [created[0]], shown
        finally:
            tempest_check.use(None)
            if server_id:
                self.servers.delete_server(server_id)
            for group_id in created:
                self.step('delete_server_group',
                          self.groups.delete_server_group, group_id)
        print('OK: %d responses passed tempest validation' % self.done)


def main(argv=None):
    return tempest_check.cli(Checker, __doc__, ('image', 'network'), argv)


if __name__ == '__main__':
    sys.exit(main())
