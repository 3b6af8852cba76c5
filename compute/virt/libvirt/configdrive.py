"""The config drive: an ISO 9660 image labelled ``config-2`` in OpenStack's
metadata layout, which cloud-init's ConfigDrive datasource (and the test
guest's /init) reads keys, user data and network data from.

Layout, as Nova writes it::

    openstack/<version>/meta_data.json       for each of VERSIONS + latest
    openstack/<version>/user_data            only when the server has any
    openstack/<version>/network_data.json
    openstack/<version>/vendor_data.json     {}
    openstack/<version>/vendor_data2.json    {}
    ec2/latest/meta-data.json

Every version directory holds the same content: readers pick the newest
they know, and what newer versions add is a superset.

Built with pycdlib (no genisoimage on the host). The primary ISO 9660
names are short generated ones (``D0001``, ``F0001.;1``: level 1 allows
only 8.3 upper-case names); the real names are in the Rock Ridge (Linux)
and Joliet (Windows) records, as ``genisoimage -r -J`` would write them.
"""

import base64
import binascii
import io
import ipaddress
import json
import os
import re
import tempfile

import pycdlib

from novalite.common import exception

# Where the driver attaches the drive: IDE on the 'pc' machine the driver
# defines, which the Debian cloud kernel reads with ata_piix + sr_mod (it has
# no AHCI driver; virtio-scsi would also work but needs a controller). hdd,
# the secondary slave, as Nova uses for its config drive on IDE.
CDROM_BUS = 'ide'
CDROM_DEV = 'hdd'

LABEL = 'config-2'
VERSIONS = ('2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15',
            '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27',
            'latest')
RANDOM_SEED_BYTES = 512


def hostname_for(instance):
    """The instance's hostname, or one derived from its display name the
    way Nova does: a lower-case DNS label of at most 63 characters."""
    if instance.get('hostname'):
        return instance['hostname']
    name = re.sub(r'[^a-z0-9-]', '-', (instance.get('display_name') or
                                       '').lower())[:63].strip('-')
    return name or 'server-%s' % instance['uuid']


def user_data_bytes(instance):
    """The decoded user data, or None. The API stores it base64-encoded;
    anything that does not decode is refused rather than passed on."""
    text = instance.get('user_data')
    if text is None:
        return None
    try:
        if isinstance(text, str):
            text = text.encode('ascii')
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise exception.Invalid(
            reason='user_data of instance %s is not valid base64: %s' % (
                instance.get('uuid'), exc))


def meta_data(instance, availability_zone=None, admin_password=None):
    """``meta_data.json``: Nova's fields for the newest version (with
    ``admin_pass`` when the build has one, as Nova's config drive)."""
    md = {
        'uuid': instance['uuid'],
        'name': instance.get('display_name'),
        'hostname': hostname_for(instance),
        'availability_zone': (availability_zone or
                              instance.get('availability_zone')),
        'launch_index': instance.get('launch_index') or 0,
        'project_id': instance.get('project_id'),
        'meta': dict(instance.get('metadata_') or {}),
        'devices': [],
        'random_seed': base64.b64encode(
            os.urandom(RANDOM_SEED_BYTES)).decode('ascii'),
    }
    if instance.get('injected_files'):
        # Personality files (before 2.57): their bytes are under
        # openstack/content/, named by position, as Nova writes them.
        md['files'] = [{'path': path, 'content_path': '/content/%04x' % i}
                       for i, (path, _) in enumerate(
                           instance['injected_files'])]
    if admin_password:
        md['admin_pass'] = admin_password
    if instance.get('key_name'):
        key = instance.get('key_data')
        md['public_keys'] = {instance['key_name']: key}
        md['keys'] = [{'name': instance['key_name'], 'type': 'ssh',
                       'data': key}]
    return md


def network_data(network_info):
    """``network_data.json`` in Nova's format: one ``phy`` link per port,
    a static ``ipv4``/``ipv6`` network per port with an address, and the
    subnets' DNS servers as services."""
    links, networks, services = [], [], []
    for port in network_info or ():
        link_id = 'tap' + port['id'][:11]
        links.append({'id': link_id, 'vif_id': port['id'], 'type': 'phy',
                      'mtu': port.get('mtu'),
                      'ethernet_mac_address': port.get('mac_address')})
        subnet = port.get('subnet')
        if not subnet or not port.get('address'):
            continue
        cidr = ipaddress.ip_network(subnet['cidr'], strict=False)
        version = subnet.get('ip_version') or cidr.version
        net = {'id': 'network%d' % len(networks),
               'type': 'ipv%d' % version, 'link': link_id,
               'ip_address': port['address'], 'netmask': str(cidr.netmask),
               'routes': [], 'network_id': port.get('network_id')}
        if subnet.get('gateway_ip'):
            anywhere = '0.0.0.0' if version == 4 else '::'
            net['routes'].append({'network': anywhere, 'netmask': anywhere,
                                  'gateway': subnet['gateway_ip']})
        networks.append(net)
        for dns in subnet.get('dns_nameservers') or ():
            service = {'type': 'dns', 'address': dns}
            if service not in services:
                services.append(service)
    return {'links': links, 'networks': networks, 'services': services}


def ec2_meta_data(instance, md, network_info):
    fixed = [p['address'] for p in network_info or () if p.get('address')]
    data = {'instance-id': instance['uuid'], 'hostname': md['hostname'],
            'local-hostname': md['hostname'],
            'ami-launch-index': md['launch_index'],
            'local-ipv4': fixed[0] if fixed else '',
            'placement': {'availability-zone': md['availability_zone']}}
    if instance.get('key_name'):
        data['public-keys'] = {'0': {
            '_name': '0=' + instance['key_name'],
            'openssh-key': instance.get('key_data')}}
    return data


def contents(instance, network_info, availability_zone=None,
             admin_password=None):
    """{path: bytes} of every file on the drive."""
    user_data = user_data_bytes(instance)
    md = meta_data(instance, availability_zone, admin_password)

    def dump(obj):
        return json.dumps(obj, sort_keys=True).encode('utf-8')
    per_version = {'meta_data.json': dump(md),
                   'network_data.json': dump(network_data(network_info)),
                   'vendor_data.json': b'{}', 'vendor_data2.json': b'{}'}
    if user_data is not None:
        per_version['user_data'] = user_data
    files = {'openstack/%s/%s' % (version, name): data
             for version in VERSIONS for name, data in per_version.items()}
    files['ec2/latest/meta-data.json'] = dump(
        ec2_meta_data(instance, md, network_info))
    if user_data is not None:
        files['ec2/latest/user-data'] = user_data
    for i, (_, data) in enumerate(instance.get('injected_files') or ()):
        files['openstack/content/%04x' % i] = base64.b64decode(data)
    return files


def _iso(files):
    """The ISO image of ``files`` ({path: bytes}), as bytes."""
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=1, vol_ident=LABEL, sys_ident='LINUX',
            app_ident_str='novalite', rock_ridge='1.09', joliet=3)
    dirs, counter = {'': '/'}, [0]

    def short(suffix=''):
        counter[0] += 1
        return '%s%04d%s' % ('D' if not suffix else 'F', counter[0], suffix)

    def mkdir(path):
        if path in dirs:
            return dirs[path]
        parent, _, name = path.rpartition('/')
        iso_parent = mkdir(parent)
        iso_path = iso_parent.rstrip('/') + '/' + short()
        iso.add_directory(iso_path, rr_name=name, joliet_path='/' + path)
        dirs[path] = iso_path
        return iso_path

    for path in sorted(files):
        parent, _, name = path.rpartition('/')
        iso_path = mkdir(parent) + '/' + short('.;1')
        data = files[path]
        iso.add_fp(io.BytesIO(data), len(data), iso_path, rr_name=name,
                   joliet_path='/' + path)
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    return out.getvalue()


def build(path, instance, network_info, availability_zone=None,
          admin_password=None):
    """Write the config drive ISO to ``path`` (mode 0644, written to a temp
    file in the same dir then renamed).

    :param instance: the instance dict as the database returns it.
    :param network_info: list of port dicts (id, network_id, address,
        mac_address, mtu, subnet {cidr, gateway_ip, dns_nameservers,
        ip_version}).
    :param admin_password: the server's password (``admin_pass`` in
        meta_data.json), or None.
    :raises: exception.Invalid when the user data is not base64.
    """
    image = _iso(contents(instance, network_info, availability_zone,
                          admin_password))
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                               prefix='.configdrive')
    try:
        with os.fdopen(fd, 'wb') as out:
            out.write(image)
        os.chmod(tmp, 0o644)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
