"""The compute API as the runner uses it: authenticate once (keystoneauth,
from a clouds.yaml entry or a config dict: noauth or Keystone), then one
plain ``requests.Session`` per worker thread carrying the token, so an
iteration costs its HTTP requests and nothing else."""

import threading
import time

import requests

# Microversion of every request: 2.1 (Nova's base) keeps the bodies Rally's
# novaclient sends, with no ``networks`` required (2.37 would require it).
MICROVERSION = '2.1'


class ApiError(RuntimeError):
    """An unexpected answer: what was asked and what came back."""

    def __init__(self, method, url, rsp):
        self.status = rsp.status_code
        super().__init__('%s %s -> %s %s' % (method, url, rsp.status_code,
                                             rsp.text[:500]))


# Statuses novalite's ?wait_for= accepts.
WAITABLE = ('ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED', 'ERROR')


class IterationError(RuntimeError):
    """A server went to ERROR or a wait ran out of time."""


class Cloud:
    """Endpoint and token of one cloud, shared by all worker threads."""

    def __init__(self, compute_url, image_url, token=None, name='cloud',
                 session=None, timeout=60.0, poll=0.01, wait_for=True):
        self.compute_url = compute_url.rstrip('/')
        self.image_url = image_url.rstrip('/') if image_url else None
        self.token = token
        self.name = name
        self.timeout = timeout
        self.poll = poll
        # Send novalite's ?wait_for= long poll (Nova ignores it).
        self.wait_for = wait_for
        self._ks_session = session
        self._local = threading.local()

    @classmethod
    def from_config(cls, name=None, config=None, **kwargs):
        """From clouds.yaml (``name``) or an openstacksdk config dict."""
        import openstack.config
        if name:
            region = openstack.config.OpenStackConfig().get_one(cloud=name)
        else:
            region = openstack.config.get_cloud_region(
                load_yaml_config=False, load_envvars=False, **config)
        session = region.get_session()
        compute = region.get_endpoint('compute') or session.get_endpoint(
            service_type='compute', interface='public')
        try:
            image = region.get_endpoint('image') or session.get_endpoint(
                service_type='image', interface='public')
        except Exception:  # noqa: BLE001 -- no image service: ids only
            image = None
        token = session.get_token()
        return cls(compute, image, token=token, name=name or 'cloud',
                   session=session, **kwargs)

    def client(self):
        """This thread's client (created on first use)."""
        client = getattr(self._local, 'client', None)
        if client is None:
            client = self._local.client = Client(self)
        return client

    # -- names to ids, once per workload --------------------------------------
    def image_id(self, ref):
        """An image given as {"name": ...}, {"id": ...} or an id."""
        if isinstance(ref, str):
            return ref
        if 'id' in ref:
            return ref['id']
        if not self.image_url:
            raise IterationError('no image service to find image %s' % ref)
        base = self.image_url
        if not base.rstrip('/').endswith('/v2'):
            base += '/v2'
        found = self.client().get(base + '/images', params={
            'name': ref['name']})['images']
        active = [i for i in found if i.get('status') == 'active']
        if len(active) != 1:
            raise IterationError('%d active images named %r' % (
                len(active), ref['name']))
        return active[0]['id']

    def flavor_id(self, ref):
        if isinstance(ref, (str, int)):
            return str(ref)
        if 'id' in ref:
            return str(ref['id'])
        flavors = self.client().get(self.compute_url + '/flavors')['flavors']
        found = [f['id'] for f in flavors if f['name'] == ref['name']]
        if len(found) != 1:
            raise IterationError('%d flavors named %r' % (len(found),
                                                          ref['name']))
        return found[0]


class Client:
    """One worker thread's HTTP session against the compute API."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.http = requests.Session()
        self.http.headers.update({
            'Accept': 'application/json',
            'OpenStack-API-Version': 'compute %s' % MICROVERSION,
            'X-OpenStack-Nova-API-Version': MICROVERSION})
        if cloud.token:
            self.http.headers['X-Auth-Token'] = cloud.token
        adapter = requests.adapters.HTTPAdapter(pool_connections=2,
                                                pool_maxsize=2)
        self.http.mount('http://', adapter)
        self.http.mount('https://', adapter)

    def _call(self, method, url, ok=(200,), **kwargs):
        url = url if url.startswith('http') else self.cloud.compute_url + url
        rsp = self.http.request(method, url, timeout=self.cloud.timeout,
                                **kwargs)
        if rsp.status_code not in ok:
            raise ApiError(method, url, rsp)
        return rsp

    def get(self, url, **kwargs):
        return self._call('GET', url, **kwargs).json()

    # -- servers --------------------------------------------------------------
    def create_server(self, name, image_id, flavor_id, count=1, **extra):
        body = {'name': name, 'imageRef': image_id, 'flavorRef': flavor_id}
        if count > 1:
            body.update(min_count=count, max_count=count)
        body.update(extra)
        rsp = self._call('POST', '/servers', ok=(202,),
                         json={'server': body})
        return rsp.json()['server']['id']

    def server(self, server_id, wait_for=None):
        """The server, or None once it is gone. ``wait_for``: a status
        novalite holds the answer for (api/server_wait.py)."""
        params = {'wait_for': wait_for} if wait_for else None
        rsp = self._call('GET', '/servers/' + server_id, ok=(200, 404),
                         params=params)
        if rsp.status_code == 404:
            return None
        return rsp.json()['server']

    def list_servers(self, detailed=True, **params):
        path = '/servers/detail' if detailed else '/servers'
        return self.get(path, params=params)['servers']

    def action(self, server_id, name, value=None):
        self._call('POST', '/servers/%s/action' % server_id, ok=(202,),
                   json={name: value})

    def delete_server(self, server_id):
        self._call('DELETE', '/servers/' + server_id, ok=(204, 404))

    def wait_status(self, server_id, status, timeout=None):
        """Until the server shows ``status`` with no task in progress."""
        deadline = time.monotonic() + (timeout or self.cloud.timeout)
        wait_for = status if (self.cloud.wait_for
                              and status in WAITABLE) else None
        while True:
            server = self.server(server_id, wait_for=wait_for)
            if server is None:
                raise IterationError('server %s vanished while waiting for '
                                     '%s' % (server_id, status))
            if (server['status'] == status
                    and not server.get('OS-EXT-STS:task_state')):
                return server
            if server['status'] == 'ERROR':
                raise IterationError('server %s went to ERROR: %s' % (
                    server_id, server.get('fault', {}).get('message')))
            if time.monotonic() > deadline:
                raise IterationError('server %s not %s after %ss (%s)' % (
                    server_id, status, timeout or self.cloud.timeout,
                    server['status']))
            time.sleep(self.cloud.poll)

    def wait_gone(self, server_id, timeout=None):
        deadline = time.monotonic() + (timeout or self.cloud.timeout)
        # novalite holds the answer until the server is gone; polling 50
        # deletes every 10 ms was a third of the API's CPU under load.
        wait_for = 'DELETED' if self.cloud.wait_for else None
        while self.server(server_id, wait_for=wait_for) is not None:
            if time.monotonic() > deadline:
                raise IterationError('server %s not deleted after %ss' % (
                    server_id, timeout or self.cloud.timeout))
            time.sleep(self.cloud.poll)
