"""Check key pairs, quota sets, quota classes and limits with tempest's
own service clients and response schemas, at every microversion the cloud
advertises (reads) and where their shapes change (writes).

Runs INSIDE tempest's virtualenv (like tools/tempest_check.py, whose
NoAuth provider it reuses); imports nothing of novalite. Exit status 0
when every response passes tempest's validation.

    python tempest_check_kq.py ENDPOINT PROJECT_ID [--token admin:admin]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tempest.lib.services.compute import base_compute_client  # noqa: E402
from tempest.lib.services.compute import keypairs_client  # noqa: E402
from tempest.lib.services.compute import limits_client  # noqa: E402
from tempest.lib.services.compute import quota_classes_client  # noqa: E402
from tempest.lib.services.compute import quotas_client  # noqa: E402
from tempest.lib.services.compute import versions_client  # noqa: E402

import tempest_check  # noqa: E402

WRITE_VERSIONS = ('2.1', '2.2', '2.10', '2.35', '2.36', '2.50', '2.57',
                  '2.92')


class Checker(tempest_check.Checker):

    def __init__(self, args):
        self.args = args
        vars(self).update(tempest_check.clients(args, compute={
            'keypairs': keypairs_client.KeyPairsClient,
            'quotas': quotas_client.QuotasClient,
            'classes': quota_classes_client.QuotaClassesClient,
            'limits': limits_client.LimitsClient,
            'versions': versions_client.VersionsClient}))
        self.done = 0

    def reads(self, version):
        tempest_check.use(version)
        project = self.args.project
        self.step('list_keypairs', self.keypairs.list_keypairs)
        self.step('show_keypair', self.keypairs.show_keypair, 'tempest-kq')
        self.step('show_quota_set', self.quotas.show_quota_set, project)
        self.step('show_quota_set detail', self.quotas.show_quota_set,
                  project, detail=True)
        self.step('show_default_quota_set',
                  self.quotas.show_default_quota_set, project)
        self.step('show_quota_class_set',
                  self.classes.show_quota_class_set, 'default')
        self.step('show_limits', self.limits.show_limits)

    def writes(self, version, public_key):
        tempest_check.use(version)
        name = 'tempest-kq-%s' % version.replace('.', '-')
        self.step('create_keypair import', self.keypairs.create_keypair,
                  name=name, public_key=public_key)
        self.step('delete_keypair', self.keypairs.delete_keypair, name)
        if tempest_check.vt(version) < (2, 92):
            self.step('create_keypair generated',
                      self.keypairs.create_keypair, name=name)
            self.keypairs.delete_keypair(name)
        project = self.args.project
        current = self.quotas.show_quota_set(project)['quota_set']
        self.step('update_quota_set', self.quotas.update_quota_set,
                  project, instances=current['instances'])
        self.step('update_quota_set user', self.quotas.update_quota_set,
                  project, user_id='tempest-kq-user', force=True,
                  instances=1)
        self.step('delete_quota_set', self.quotas.delete_quota_set,
                  project)
        # delete_quota_set dropped the project's limits: put them back
        self.quotas.update_quota_set(project, force=True,
                                     instances=current['instances'],
                                     cores=current['cores'],
                                     ram=current['ram'])
        current = self.classes.show_quota_class_set(
            'default')['quota_class_set']
        self.step('update_quota_class_set',
                  self.classes.update_quota_class_set, 'default',
                  key_pairs=current['key_pairs'])

    def run(self):
        low, high = self.versions_document()
        print('advertised microversions: %s .. %s' % (low, high))
        tempest_check.use('2.1')
        public_key = self.keypairs.create_keypair(
            name='tempest-kq')['keypair']['public_key']
        try:
            for version in tempest_check.versions_between(low, high):
                self.reads(version)
            for version in WRITE_VERSIONS + (high,):
                if tempest_check.vt(version) <= tempest_check.vt(high):
                    self.writes(version, public_key)
        finally:
            tempest_check.use(None)
            self.keypairs.delete_keypair('tempest-kq')
        print('OK: %d responses passed tempest validation' % self.done)


def main(argv=None):
    return tempest_check.cli(Checker, __doc__, ('project',), argv)


if __name__ == '__main__':
    sys.exit(main())
