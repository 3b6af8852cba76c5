"""A novalite cloud behind a real Keystone, for the identity tests and the
isolation matrix: the same tools/keystone.py that `make run AUTH=keystone`
uses, on a free port, with its data in the test's tmp dir and its
virtualenv cached in <repo>/.state/keystone-venv (installed once from
PyPI). Keystone that cannot be installed or started fails the tests."""

import contextlib
import os

import openstack
import requests

from novalite.common import rpc
from novalite.tools import keystone as keystone_tool
from novalite.tools import localcloud

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
VENV = os.environ.get('NOVALITE_KEYSTONE_VENV',
                      os.path.join(REPO, '.state', 'keystone-venv'))
# persona -> clouds.yaml entry of tools/keystone.py
PERSONAS = {'admin': 'novalite-admin', 'member': 'novalite-demo',
            'reader': 'novalite-reader', 'other': 'novalite-alt'}


class KeystoneCloud:

    def __init__(self, keystone, local):
        self.keystone = keystone
        self.local = local
        self.endpoint = local.endpoint
        self.compute_url = local.endpoint + '/v2.1'
        self.configs = keystone.cloud_configs()
        self._sdk = {}

    def sdk(self, persona):
        if persona not in self._sdk:
            self._sdk[persona] = openstack.connect(
                load_yaml_config=False, load_envvars=False,
                **self.configs[PERSONAS[persona]])
        return self._sdk[persona]

    def token(self, persona):
        """A project-scoped token of ``persona``; None for 'anonymous'."""
        if persona == 'anonymous':
            return None
        return self.sdk(persona).auth_token

    def project_id(self, persona):
        return self.sdk(persona).current_project_id

    def http(self, method, path, persona, version=None, **kw):
        headers = kw.pop('headers', {})
        token = self.token(persona)
        if token:
            headers['X-Auth-Token'] = token
        if version:
            headers['OpenStack-API-Version'] = 'compute %s' % version
        url = path if path.startswith('http') else self.compute_url + path
        return requests.request(method, url, headers=headers, timeout=30,
                                **kw)


@contextlib.contextmanager
def keystone_cloud(state_dir, **cloud_kwargs):
    ks = keystone_tool.Keystone(os.path.join(state_dir, 'keystone'),
                                venv_dir=VENV, port=localcloud.free_port())
    ks.install()
    ks.configure()
    ks.start()
    try:
        extra = cloud_kwargs.pop('extra_conf', {})
        extra.setdefault('api', {})['auth_strategy'] = 'keystone'
        extra['keystone_authtoken'] = ks.authtoken_conf()
        with localcloud.disposable_cloud(
                'sqlite', os.path.join(state_dir, 'cloud'),
                vhost_prefix='novalite-ks', on_teardown=rpc.cleanup,
                extra_conf=extra, **cloud_kwargs) as local:
            ks.seed(local.endpoint)
            yield KeystoneCloud(ks, local)
    finally:
        ks.stop()
