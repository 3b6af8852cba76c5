"""The config drive is an ISO labelled config-2 in OpenStack's layout, read
back here with pycdlib (and by cloud-init's own ConfigDrive reader)."""

import base64
import datetime
import glob
import io
import json
import os
import stat
import subprocess
import sys

import pycdlib
import pytest

from novalite.common import exception
from novalite.compute.virt.libvirt import configdrive

UUID = '8d5f0c7e-5a7e-4a8b-9f59-3b1f0e6f1c11'
KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx2 alice@example'
PORT = {'id': '4b6c8a2e-0d1f-4c3b-9e8a-7f6d5c4b3a21',
        'network_id': 'net-1', 'network_name': 'private',
        'address': '10.0.0.5', 'mac_address': 'fa:16:3e:00:00:01',
        'mtu': 1450,
        'subnet': {'cidr': '10.0.0.0/24', 'gateway_ip': '10.0.0.1',
                   'dns_nameservers': ['10.0.0.2'], 'ip_version': 4}}


def _instance(**kw):
    inst = {'uuid': UUID, 'display_name': 'web 1', 'hostname': None,
            'availability_zone': 'nova', 'key_name': 'alice',
            'key_data': KEY,
            'user_data': base64.b64encode(b'#!/bin/sh\necho hi\n').decode(),
            'metadata_': {'role': 'web'}, 'launch_index': 0,
            'project_id': 'p1',
            'created_at': datetime.datetime(2024, 1, 2, 3, 4, 5)}
    inst.update(kw)
    return inst


def _read(path):
    """{rock ridge path: bytes} and the volume label of the ISO at path."""
    iso = pycdlib.PyCdlib()
    iso.open(str(path))
    files = {}
    try:
        for root, _, names in iso.walk(rr_path='/'):
            for name in names:
                full = root.rstrip('/') + '/' + name
                out = io.BytesIO()
                iso.get_file_from_iso_fp(out, rr_path=full)
                files[full.lstrip('/')] = out.getvalue()
        label = iso.pvd.volume_identifier.decode().strip()
        joliet = iso.has_joliet()
    finally:
        iso.close()
    return label, files, joliet


@pytest.fixture
def drive(tmp_path):
    def make(instance=None, network_info=(PORT,), **kw):
        path = tmp_path / 'disk.config'
        configdrive.build(str(path), instance or _instance(),
                          list(network_info), **kw)
        return path
    return make


def test_label_layout_and_mode(drive):
    path = drive()
    label, files, joliet = _read(path)
    assert label == 'config-2'
    assert joliet
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    for version in configdrive.VERSIONS:
        for name in ('meta_data.json', 'network_data.json',
                     'vendor_data.json', 'vendor_data2.json', 'user_data'):
            assert 'openstack/%s/%s' % (version, name) in files
    assert 'openstack/latest/meta_data.json' in files
    assert json.loads(files['openstack/latest/vendor_data2.json']) == {}
    assert 'ec2/latest/meta-data.json' in files
    # Nothing else but the temp file's rename target is left in the dir.
    assert os.listdir(path.parent) == ['disk.config']


def test_meta_data(drive):
    _, files, _ = _read(drive(availability_zone='az-1'))
    md = json.loads(files['openstack/latest/meta_data.json'])
    assert md['uuid'] == UUID
    assert md['name'] == 'web 1'
    assert md['hostname'] == 'web-1'
    assert md['availability_zone'] == 'az-1'
    assert md['launch_index'] == 0
    assert md['project_id'] == 'p1'
    assert md['public_keys'] == {'alice': KEY}
    assert md['keys'] == [{'name': 'alice', 'type': 'ssh', 'data': KEY}]
    assert md['meta'] == {'role': 'web'}
    assert md['devices'] == []
    assert len(base64.b64decode(md['random_seed'])) == 512
    # Same content in the dated directories.
    old = json.loads(files['openstack/2012-08-10/meta_data.json'])
    assert old['uuid'] == UUID and old['public_keys'] == {'alice': KEY}


def test_admin_password_is_in_meta_data_as_nova_writes_it(drive):
    _, files, _ = _read(drive(admin_password='Xy7-pass'))
    md = json.loads(files['openstack/latest/meta_data.json'])
    assert md['admin_pass'] == 'Xy7-pass'
    _, files, _ = _read(drive())
    assert 'admin_pass' not in json.loads(
        files['openstack/latest/meta_data.json'])


def test_user_data_is_decoded(drive):
    _, files, _ = _read(drive())
    assert files['openstack/latest/user_data'] == b'#!/bin/sh\necho hi\n'


def test_no_user_data_no_key(drive):
    _, files, _ = _read(drive(_instance(user_data=None, key_name=None,
                                        key_data=None)))
    assert not [p for p in files if p.endswith('user_data')]
    md = json.loads(files['openstack/latest/meta_data.json'])
    assert 'public_keys' not in md and 'keys' not in md


def test_network_data(drive):
    _, files, _ = _read(drive())
    nd = json.loads(files['openstack/latest/network_data.json'])
    link_id = 'tap' + PORT['id'][:11]
    assert nd['links'] == [{
        'id': link_id, 'vif_id': PORT['id'], 'type': 'phy', 'mtu': 1450,
        'ethernet_mac_address': 'fa:16:3e:00:00:01'}]
    assert nd['networks'] == [{
        'id': 'network0', 'type': 'ipv4', 'link': link_id,
        'ip_address': '10.0.0.5', 'netmask': '255.255.255.0',
        'network_id': 'net-1',
        'routes': [{'network': '0.0.0.0', 'netmask': '0.0.0.0',
                    'gateway': '10.0.0.1'}]}]
    assert nd['services'] == [{'type': 'dns', 'address': '10.0.0.2'}]


def test_network_data_without_subnet_or_gateway(drive):
    bare = dict(PORT, id='p2-000000000000', mtu=None, subnet=None)
    no_gw = dict(PORT, id='p3-000000000000', address='10.1.0.9',
                 subnet={'cidr': '10.1.0.0/16', 'gateway_ip': None,
                         'dns_nameservers': [], 'ip_version': 4})
    _, files, _ = _read(drive(network_info=[bare, no_gw]))
    nd = json.loads(files['openstack/latest/network_data.json'])
    assert [link['id'] for link in nd['links']] == ['tapp2-00000000',
                                                    'tapp3-00000000']
    assert nd['networks'] == [{
        'id': 'network0', 'type': 'ipv4', 'link': 'tapp3-00000000',
        'ip_address': '10.1.0.9', 'netmask': '255.255.0.0',
        'network_id': 'net-1', 'routes': []}]
    assert nd['services'] == []


def test_no_network(drive):
    _, files, _ = _read(drive(network_info=()))
    nd = json.loads(files['openstack/latest/network_data.json'])
    assert nd == {'links': [], 'networks': [], 'services': []}


def test_hostile_user_data_is_refused(tmp_path):
    path = tmp_path / 'disk.config'
    for bad in ('not base64!', 'YWJj\x00', 'YWJjZA'):
        with pytest.raises(exception.Invalid, match='not valid base64'):
            configdrive.build(str(path), _instance(user_data=bad), [])
    assert os.listdir(tmp_path) == []


def test_unicode_and_quotes_survive(drive):
    name = 'caf\u00e9 "quoted" \'x\' \u2603/..\\'
    meta = {'k\u00e9y "1"': 'va\u00f1ue \'2\' \n </json>'}
    _, files, _ = _read(drive(_instance(display_name=name, metadata_=meta)))
    md = json.loads(files['openstack/latest/meta_data.json'])
    assert md['name'] == name
    assert md['meta'] == meta
    assert md['hostname'] == 'caf---quoted---x'


def test_hostname():
    assert configdrive.hostname_for({'hostname': 'given', 'uuid': UUID}) \
        == 'given'
    assert configdrive.hostname_for(
        {'hostname': None, 'display_name': 'A_b.C ' + 'x' * 80,
         'uuid': UUID}) == ('a-b-c-' + 'x' * 57)
    assert configdrive.hostname_for(
        {'hostname': None, 'display_name': '\u2603', 'uuid': UUID}) \
        == 'server-' + UUID


@pytest.fixture(scope='module')
def cloud_init(tmp_path_factory):
    """Debian's cloud-init (and configobj, which it imports), extracted,
    not installed: the python path to put first."""
    work = tmp_path_factory.mktemp('cloud-init')
    os.chmod(work, 0o777)  # apt's _apt user writes the .deb here
    for package in ('cloud-init', 'python3-configobj'):
        proc = subprocess.run(['apt-get', 'download', '-q', package],
                              cwd=work, capture_output=True, text=True)
        assert proc.returncode == 0, (
            'cannot download %s for the cloud-init reader check: %s'
            % (package, proc.stderr))
        deb = glob.glob(str(work / (package + '_*.deb')))[0]
        subprocess.run(['dpkg-deb', '-x', deb, str(work / 'tree')],
                       check=True)
    return str(work / 'tree' / 'usr' / 'lib' / 'python3' / 'dist-packages')


READER = '''
import json, sys
from cloudinit.sources.helpers import openstack
res = openstack.ConfigDriveReader(sys.argv[1]).read_v2()
print(json.dumps({'uuid': res['metadata']['uuid'],
                  'public_keys': res['metadata']['public_keys'],
                  'hostname': res['metadata']['hostname'],
                  'version': res['version'],
                  'userdata': res['userdata'].decode(),
                  'network_config': res['networkdata']}))
'''


def test_cloud_init_reads_it(drive, cloud_init, tmp_path):
    _, files, _ = _read(drive())
    root = tmp_path / 'mnt'
    for rel, data in files.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    proc = subprocess.run(
        [sys.executable, '-c', READER, str(root)], capture_output=True,
        text=True, env=dict(os.environ, PYTHONPATH=cloud_init))
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got['uuid'] == UUID
    assert got['public_keys'] == {'alice': KEY}
    assert got['hostname'] == 'web-1'
    assert got['version'] == 2
    assert got['userdata'] == '#!/bin/sh\necho hi\n'
    assert got['network_config']['networks'][0]['ip_address'] == '10.0.0.5'


def test_personality_files_are_on_the_drive(drive):
    injected = [['/etc/motd', base64.b64encode(b'hello\n').decode()],
                ['/root/x', base64.b64encode(b'\x00\x01').decode()]]
    _, files, _ = _read(drive(_instance(injected_files=injected)))
    assert files['openstack/content/0000'] == b'hello\n'
    assert files['openstack/content/0001'] == b'\x00\x01'
    md = json.loads(files['openstack/latest/meta_data.json'])
    assert md['files'] == [
        {'path': '/etc/motd', 'content_path': '/content/0000'},
        {'path': '/root/x', 'content_path': '/content/0001'}]
