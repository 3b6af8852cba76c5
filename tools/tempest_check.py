"""Check the compute API's responses with tempest's own service clients
and response schemas, at every microversion the cloud advertises.

Runs INSIDE tempest's virtualenv (tools/tempest_schemas.py makes it and
runs this file); it imports nothing of novalite. Exit status 0 when every
response passes tempest's validation, 1 with the failure otherwise.

    python tempest_check.py ENDPOINT IMAGE_ID NETWORK_ID [--token admin:admin]
"""

import argparse
import sys
import time
import traceback
import types

from tempest.lib.services.compute import base_compute_client
from tempest.lib.services.compute import flavors_client
from tempest.lib.services.compute import images_client
from tempest.lib.services.compute import servers_client
from tempest.lib.services.compute import versions_client
from tempest.lib.services.image.v2 import images_client as glance_client

import tempest_check_admin

# Microversions where a shape the clients validate changes; every other
# one is checked by the read sweep.
WRITE_VERSIONS = ('2.1', '2.19', '2.26', '2.45', '2.47', '2.52', '2.54',
                  '2.55', '2.57', '2.63', '2.71', '2.73', '2.75', '2.90',
                  '2.96', '2.98')


class NoAuth:
    """An auth provider for noauth2 tokens (``user:project``)."""

    def __init__(self, base, token):
        self.base = base.rstrip('/')
        self.token = token
        user, _, project = token.partition(':')
        self.credentials = types.SimpleNamespace(
            username=user, user_id=user, tenant_name=project,
            tenant_id=project, project_id=project, password=None)

    def auth_request(self, method, url, headers=None, body=None,
                     filters=None):
        headers = dict(headers or {})
        headers['X-Auth-Token'] = self.token
        if not url.startswith('http'):
            url = '%s/%s' % (self.base, url.lstrip('/'))
        return url, headers, body

    def base_url(self, filters=None, auth_data=None):
        return self.base

    def get_token(self):
        return self.token


def use(version):
    base_compute_client.COMPUTE_MICROVERSION = version


def vt(version):
    return tuple(int(x) for x in version.split('.'))


def versions_between(low, high):
    major, lo = (int(x) for x in low.split('.'))
    hi = int(high.split('.')[1])
    return ['%d.%d' % (major, minor) for minor in range(lo, hi + 1)]


class Checker:

    def __init__(self, args):
        self.args = args
        compute = NoAuth(args.endpoint + '/v2.1', args.token)
        kw = {'build_timeout': 60, 'build_interval': 0.5}
        self.servers = servers_client.ServersClient(
            compute, 'compute', 'RegionOne', **kw)
        self.flavors = flavors_client.FlavorsClient(
            compute, 'compute', 'RegionOne', **kw)
        self.images = images_client.ImagesClient(
            compute, 'compute', 'RegionOne', **kw)
        self.versions = versions_client.VersionsClient(
            compute, 'compute', 'RegionOne', **kw)
        self.glance = glance_client.ImagesClient(
            NoAuth(args.endpoint + '/image/v2', args.token), 'image',
            'RegionOne', **kw)
        self.admin_clients = tempest_check_admin.clients(compute)
        self.done = 0

    def step(self, what, func, *args, **kwargs):
        try:
            result = func(*args, **kwargs)
        except Exception:
            print('FAILED at microversion %s: %s'
                  % (base_compute_client.COMPUTE_MICROVERSION, what))
            raise
        self.done += 1
        return result

    def wait_active(self, server_id):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            server = self.servers.show_server(server_id)['server']
            if server['status'] == 'ACTIVE' and \
                    server.get('OS-EXT-STS:task_state') is None:
                return server
            if server['status'] == 'ERROR':
                raise AssertionError('server %s went to ERROR: %s'
                                     % (server_id, server.get('fault')))
            time.sleep(0.5)
        raise AssertionError('server %s not ACTIVE in time' % server_id)

    def boot(self, version, **extra):
        use(version)
        networks = [{'uuid': self.args.network}]
        body = dict(name='tempest-%s' % version.replace('.', '-'),
                    imageRef=self.args.image, flavorRef='42',
                    networks=networks, **extra)
        return self.step('create_server', self.servers.create_server,
                         **body)['server']['id']

    def tags_version(self, version):
        """tempest 47's v2_97+ server schema modules lack the tags
        schemas (its own gap; the tags answers did not change): check
        those at the newest microversion that has them."""
        use(version)
        module = self.servers.get_schema(self.servers.schema_versions_info)
        if not hasattr(module, 'list_tags'):
            use('2.96')

    # -- the checks -----------------------------------------------------------
    def versions_document(self):
        use(None)
        body = self.step('list_versions', self.versions.list_versions)
        (v21,) = [v for v in body['versions'] if v['id'] == 'v2.1']
        self.step('get_version_by_url', self.versions.get_version_by_url,
                  self.args.endpoint + '/v2.1/')
        return v21['min_version'], v21['version']

    def reads(self, version, server_id):
        use(version)
        self.step('show_server', self.servers.show_server, server_id)
        self.step('list_servers', self.servers.list_servers)
        self.step('list_servers detail', self.servers.list_servers,
                  detail=True)
        self.step('list_flavors', self.flavors.list_flavors)
        self.step('list_flavors detail', self.flavors.list_flavors,
                  detail=True)
        self.step('show_flavor', self.flavors.show_flavor, '42')
        if vt(version) >= (2, 26):
            self.tags_version(version)
            self.step('list_tags', self.servers.list_tags, server_id)

    def writes(self, version, server_id):
        vtuple = vt(version)
        use(version)
        self.step('update_server', self.servers.update_server, server_id,
                  name='tempest-renamed-%s' % version.replace('.', '-'))
        lock = {}
        if vtuple >= (2, 73):
            lock['locked_reason'] = 'checked by tempest'
        self.step('lock_server', self.servers.lock_server, server_id,
                  **lock)
        self.step('show_server locked', self.servers.show_server, server_id)
        self.step('unlock_server', self.servers.unlock_server, server_id)
        rebuild = {}
        if vtuple >= (2, 19):
            rebuild['description'] = 'rebuilt at %s' % version
        if vtuple >= (2, 57):
            rebuild['user_data'] = 'IyEvYmluL3NoCmVjaG8gaGkK'
        self.step('rebuild_server', self.servers.rebuild_server, server_id,
                  self.args.image, **rebuild)
        self.wait_active(server_id)
        if vtuple >= (2, 26):
            self.tags_version(version)
            self.step('update_all_tags', self.servers.update_all_tags,
                      server_id, ['a', 'b'])
            self.step('update_tag', self.servers.update_tag, server_id, 'c')
            self.step('check_tag_existence',
                      self.servers.check_tag_existence, server_id, 'c')
            self.step('delete_tag', self.servers.delete_tag, server_id, 'c')
            self.step('delete_all_tags', self.servers.delete_all_tags,
                      server_id)
            use(version)
        image = self.step('create_image', self.images.create_image,
                          server_id, name='tempest-snap')
        image_id = (image.get('image_id') if vtuple >= (2, 45) else
                    image.response['location'].rsplit('/', 1)[-1])
        self.wait_active(server_id)
        self.glance.delete_image(image_id)

    def create_variants(self, high):
        """Create bodies of later microversions (each server deleted)."""
        extras = [('2.19', {'description': 'a description'}),
                  ('2.52', {'tags': ['x', 'y']}),
                  ('2.63', {'trusted_image_certificates': ['cert-1']}),
                  ('2.90', {'hostname': 'tempest-host'}),
                  ('2.100', {})]
        for version, extra in extras:
            if vt(version) > high:
                continue
            server_id = self.boot(version, **extra)
            self.step('show_server new', self.servers.show_server, server_id)
            self.servers.delete_server(server_id)

    def flavor_writes(self, high):
        use('2.55' if high >= (2, 55) else '2.1')
        extra = {'description': 'tempest'} if high >= (2, 55) else {}
        flavor = self.step('create_flavor', self.flavors.create_flavor,
                           name='tempest-flavor', ram=64, vcpus=1, disk=1,
                           **extra)['flavor']
        try:
            if high >= (2, 55):
                self.step('update_flavor', self.flavors.update_flavor,
                          flavor['id'], description='changed')
            if high >= (2, 75):
                use('2.75')
                self.step('show_flavor 2.75', self.flavors.show_flavor,
                          flavor['id'])
        finally:
            self.flavors.delete_flavor(flavor['id'])

    def glance_reads(self):
        self.step('glance list_images', self.glance.list_images)
        self.step('glance show_image', self.glance.show_image,
                  self.args.image)

    def run(self):
        low, high = self.versions_document()
        print('advertised microversions: %s .. %s' % (low, high))
        high_t = vt(high)
        server_id = self.boot('2.1')
        use('2.1')
        self.wait_active(server_id)
        try:
            for version in versions_between(low, high):
                self.reads(version, server_id)
            for version in WRITE_VERSIONS + (high,):
                if vt(version) <= high_t:
                    self.writes(version, server_id)
            self.create_variants(high_t)
            self.flavor_writes(high_t)
            self.glance_reads()
            tempest_check_admin.check(self, use, high, server_id,
                                      self.servers.auth_provider.credentials
                                      .project_id)
        finally:
            use(None)
            self.servers.delete_server(server_id)
        print('OK: %d responses passed tempest validation' % self.done)


def clients(args, compute=(), network=()):
    """tempest.lib clients against the endpoint, ``{attribute: client
    class}`` for the compute (``/v2.1``) and network (``/network``) APIs,
    with the build timeouts every checker uses."""
    kw = {'build_timeout': 60, 'build_interval': 0.5}
    made = {}
    for path, service, classes in (('/v2.1', 'compute', compute),
                                   ('/network', 'network', network)):
        auth = NoAuth(args.endpoint + path, args.token)
        for attr, cls in dict(classes).items():
            made[attr] = cls(auth, service, 'RegionOne', **kw)
    return made


def cli(checker_cls, doc, positional, argv=None):
    """The checkers' command line: ``endpoint`` and ``positional`` names,
    ``--token``; runs ``checker_cls(args).run()``, exit 1 on any failure
    with its traceback."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument('endpoint')
    for name in positional:
        parser.add_argument(name)
    parser.add_argument('--token', default='admin:admin')
    args = parser.parse_args(argv)
    try:
        checker_cls(args).run()
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def main(argv=None):
    return cli(Checker, __doc__, ('image', 'network'), argv)


if __name__ == '__main__':
    sys.exit(main())
