"""Compute fixtures: a real libvirt driver on libvirt's in-process test
hypervisor (test:///default; every connection in this process shares it,
so each test removes the domains it made)."""

import pytest

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
    drv.cleanup_host()

