"""Compute fixtures: a real libvirt driver on libvirt's in-process test
hypervisor (test:///default; every connection in this process shares it,
so each test removes the domains it made)."""

import subprocess
import threading

import pytest
import requests
from cheroot import wsgi

from novalite.api import app as api_app
from novalite.compute.virt.libvirt import driver as libvirt_driver


@pytest.fixture
def libvirt_conf(conf):
    conf.set_override('connection_uri', 'test:///default', group='libvirt')
    conf.set_override('virt_type', 'qemu', group='libvirt')
    yield conf
    conf.clear_override('connection_uri', group='libvirt')
    conf.clear_override('virt_type', group='libvirt')


@pytest.fixture
def driver(libvirt_conf):
    drv = libvirt_driver.LibvirtDriver(libvirt_conf)
    drv.init_host()
    yield drv
    for dom in drv.host.list_domains():
        if dom.name().startswith('instance-'):
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    for net in drv.host.get_connection().listAllNetworks(0):
        if net.name().startswith('novalite-'):
            if net.isActive():
                net.destroy()
            net.undefine()
    drv.cleanup_host()



@pytest.fixture
def image_api(db):
    """The real novalite API WSGI app on a free localhost port (cheroot, in
    a thread), with ``[image] api_endpoint`` pointing at its /image."""
    server = wsgi.Server(('127.0.0.1', 0), api_app.setup_app(db),
                         numthreads=4)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    endpoint = 'http://127.0.0.1:%d/image' % server.bind_addr[1]
    db.set_override('api_endpoint', endpoint, group='image')
    yield endpoint
    db.clear_override('api_endpoint', group='image')
    server.stop()
    thread.join(5)


class ImageAPI:
    """Creates and uploads images over HTTP as a user would (glance CLI)."""

    def __init__(self, endpoint, token='alice:p1'):
        self.endpoint = endpoint
        self.headers = {'X-Auth-Token': token}

    def create(self, **body):
        body.setdefault('name', 'img')
        body.setdefault('container_format', 'bare')
        resp = requests.post(self.endpoint + '/v2/images', json=body,
                             headers=self.headers, timeout=10)
        assert resp.status_code == 201, resp.text
        return resp.json()

    def upload(self, image_id, path):
        with open(path, 'rb') as data:
            resp = requests.put(
                self.endpoint + '/v2/images/%s/file' % image_id, data=data,
                headers=dict(self.headers,
                             **{'Content-Type': 'application/octet-stream'}),
                timeout=30)
        assert resp.status_code == 204, resp.text

    def create_from(self, path, disk_format, **body):
        img = self.create(disk_format=disk_format, **body)
        self.upload(img['id'], path)
        return img


@pytest.fixture
def images(image_api):
    return ImageAPI(image_api)


def qemu_img(*args):
    subprocess.run(['qemu-img'] + list(args), check=True,
                   capture_output=True)
