"""The stock `openstack` CLI (python-openstackclient) for what a new user
tries first: `server create` with a key pair, properties and a zone,
`console log show`, `limits show --absolute` and `quota show`, asserting
what the CLI prints.

`quota show` and `limits show` name the project from the token (or find
it in Keystone), so they run against a cloud behind a real Keystone (as
`make run AUTH=keystone`); the rest runs against the noauth2 cloud."""

import io
import json
import os
import subprocess
import sys
import uuid

import pytest

from novalite.tests.functional import helpers
from novalite.tests.functional import keystone_cloud


def _cli(cloud, tmp_path, *args, **kw):
    return helpers.openstack_cli(cloud, tmp_path, *args, **kw)


def _console_log(cloud, server_id):
    """The console log file of ``server_id``: <state_path>/instances/<uuid>/
    console.log, the compute agents sharing the cloud's state_path (the
    test hypervisor writes none, nor the directory)."""
    path = os.path.join(cloud.local.state_dir, 'instances', server_id)
    os.makedirs(path, exist_ok=True)
    return os.path.join(path, 'console.log')


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_server_create_key_properties_zone_and_console_log(cloud, tmp_path):
    key = 'cli-key-%s' % uuid.uuid4().hex[:6]
    name = 'cli-create-%s' % uuid.uuid4().hex[:6]
    created_key = _cli(cloud, tmp_path, 'keypair', 'create', key,
                       '--private-key', str(tmp_path / 'id'))
    server_id = None
    try:
        server = _cli(cloud, tmp_path, 'server', 'create',
                      '--image', cloud.image_id, '--flavor', 'm1.nano',
                      '--network', cloud.network_id, '--key-name', key,
                      '--property', 'role=web', '--property', 'tier=1',
                      '--availability-zone', 'nova', '--wait', name)
        server_id = server['id']
        assert server['name'] == name
        assert server['status'] == 'ACTIVE'
        assert server['key_name'] == key
        assert server['OS-EXT-AZ:availability_zone'] == 'nova'
        assert server['properties'] == {'role': 'web', 'tier': '1'}
        shown = _cli(cloud, tmp_path, 'server', 'show', name)
        assert shown['id'] == server_id
        assert (shown['key_name'], shown['OS-EXT-AZ:availability_zone'],
                shown['properties']) == (key, 'nova',
                                         {'role': 'web', 'tier': '1'})
        # The API agrees with what the CLI printed.
        api = cloud.http('GET', '/servers/' + server_id).json()['server']
        assert api['key_name'] == key
        assert api['metadata'] == {'role': 'web', 'tier': '1'}
        assert api['OS-EXT-AZ:availability_zone'] == 'nova'
        assert created_key['name'] == key

        # console log show: nothing logged yet prints nothing.
        assert _cli(cloud, tmp_path, 'console', 'log', 'show', name,
                    output=False).strip() == ''
        lines = ['novalite console %d' % i for i in range(1, 6)]
        with open(_console_log(cloud, server_id), 'w') as log:
            log.write('\n'.join(lines) + '\n')
        printed = _cli(cloud, tmp_path, 'console', 'log', 'show', server_id,
                       output=False)
        assert printed.splitlines() == lines
        # Nova's _tail_log splits on newlines, so the log's final newline
        # ends an empty last "line": --lines 3 prints the last two.
        printed = _cli(cloud, tmp_path, 'console', 'log', 'show', '--lines',
                       '3', name, output=False)
        assert printed.splitlines() == lines[-2:]
        printed = _cli(cloud, tmp_path, 'console', 'log', 'show', '--lines',
                       '2', name, output=False)
        assert printed.splitlines() == lines[-1:]
    finally:
        if server_id:
            cloud.sdk.compute.delete_server(server_id)
            helpers.wait_gone(cloud, server_id)
        _cli(cloud, tmp_path, 'keypair', 'delete', key, ok=None)


@pytest.mark.parametrize('cloud', ['sqlite'], indirect=True)
def test_console_log_of_unknown_server(cloud, tmp_path):
    err = _cli(cloud, tmp_path, 'console', 'log', 'show', 'no-such-server',
               ok=False)
    assert 'No Server found for no-such-server' in err, err


# -- behind Keystone: quota show, limits show ---------------------------------

@pytest.fixture(scope='module')
def kcloud(tmp_path_factory):
    state = str(tmp_path_factory.mktemp('keystone-cli-cloud'))
    with keystone_cloud.keystone_cloud(state) as cloud:
        admin = cloud.sdk('admin')
        image = admin.image.create_image(
            name='ks-cli-image', data=io.BytesIO(os.urandom(64 * 1024)),
            disk_format='raw', container_format='bare', visibility='public',
            wait=True)
        cloud.image_id = image.id
        cloud.network_id = cloud.http('GET', '/os-networks', 'member').json(
            )['networks'][0]['id']
        yield cloud


def _ks_cli(kcloud, tmp_path, persona, *args):
    """The CLI as ``persona`` through a clouds.yaml of password entries;
    its ``-f json`` output parsed."""
    path = tmp_path / 'clouds.yaml'
    path.write_text(json.dumps({'clouds': kcloud.configs}))
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=str(path))
    cmd = [os.path.join(os.path.dirname(sys.executable), 'openstack'),
           '--os-cloud', keystone_cloud.PERSONAS[persona], *args,
           '-f', 'json']
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=180)
    assert proc.returncode == 0, '%s\n%s' % (' '.join(args), proc.stderr)
    return json.loads(proc.stdout)


def _quota_set(kcloud, persona, project_id):
    rsp = kcloud.http('GET', '/os-quota-sets/%s' % project_id, persona)
    assert rsp.status_code == 200, rsp.text
    return rsp.json()['quota_set']


def test_quota_show(kcloud, tmp_path):
    project = kcloud.project_id('member')
    expected = _quota_set(kcloud, 'member', project)
    rows = _ks_cli(kcloud, tmp_path, 'member', 'quota', 'show', '--compute')
    printed = {r['Resource']: r['Limit'] for r in rows}
    # The CLI's names for Nova's quota keys.
    for cli_name, key in (('instances', 'instances'), ('cores', 'cores'),
                          ('ram', 'ram'), ('key-pairs', 'key_pairs'),
                          ('properties', 'metadata_items'),
                          ('server-groups', 'server_groups'),
                          ('server-group-members', 'server_group_members'),
                          ('injected-files', 'injected_files'),
                          ('injected-file-size', 'injected_file_content_bytes'),
                          ('injected-path-size', 'injected_file_path_bytes')):
        assert printed[cli_name] == expected[key], (cli_name, printed)

    # An admin changes the project's quota; the member's CLI shows it.
    admin_rsp = kcloud.http('PUT', '/os-quota-sets/%s' % project, 'admin',
                            json={'quota_set': {'instances': 7,
                                                'cores': 13}})
    assert admin_rsp.status_code == 200, admin_rsp.text
    try:
        rows = _ks_cli(kcloud, tmp_path, 'member', 'quota', 'show',
                       '--compute')
        printed = {r['Resource']: r['Limit'] for r in rows}
        assert (printed['instances'], printed['cores']) == (7, 13)
        # The admin names the project; --usage adds what is in use.
        rows = _ks_cli(kcloud, tmp_path, 'admin', 'quota', 'show',
                       '--compute', '--usage', project)
        usage = {r['Resource']: r for r in rows}
        assert usage['instances']['Limit'] == 7
        assert usage['instances']['In Use'] == 0
        assert usage['cores']['Limit'] == 13
    finally:
        kcloud.http('DELETE', '/os-quota-sets/%s' % project, 'admin')
    rows = _ks_cli(kcloud, tmp_path, 'member', 'quota', 'show', '--compute')
    assert {r['Resource']: r['Limit'] for r in rows}['instances'] == \
        expected['instances']


def test_limits_show_absolute(kcloud, tmp_path):
    rsp = kcloud.http('GET', '/limits', 'member')
    assert rsp.status_code == 200, rsp.text
    absolute = rsp.json()['limits']['absolute']
    rows = _ks_cli(kcloud, tmp_path, 'member', 'limits', 'show',
                   '--absolute')
    printed = {r['Name']: r['Value'] for r in rows}
    # The CLI prints openstacksdk's names for Nova's absolute limits.
    for cli_name, name in (
            ('instances', 'maxTotalInstances'), ('total_cores',
                                                 'maxTotalCores'),
            ('total_ram', 'maxTotalRAMSize'), ('keypairs', 'maxTotalKeypairs'),
            ('server_meta', 'maxServerMeta'),
            ('server_groups', 'maxServerGroups'),
            ('server_group_members', 'maxServerGroupMembers'),
            ('instances_used', 'totalInstancesUsed'),
            ('total_cores_used', 'totalCoresUsed'),
            ('total_ram_used', 'totalRAMUsed')):
        assert printed[cli_name] == absolute[name], (cli_name, printed)
    assert printed['instances_used'] == 0

    # A running server shows in the used counts the CLI prints.
    boot = kcloud.http('POST', '/servers', 'member', json={'server': {
        'name': 'ks-cli-limits', 'imageRef': kcloud.image_id,
        'flavorRef': '1', 'networks': [{'uuid': kcloud.network_id}]}})
    assert boot.status_code == 202, boot.text
    server_id = boot.json()['server']['id']
    try:
        flavor = kcloud.http('GET', '/flavors/1', 'member').json()['flavor']
        printed = {r['Name']: r['Value'] for r in _ks_cli(
            kcloud, tmp_path, 'member', 'limits', 'show', '--absolute')}
        assert printed['instances_used'] == 1
        assert printed['total_cores_used'] == flavor['vcpus']
        assert printed['total_ram_used'] == flavor['ram']
    finally:
        kcloud.http('DELETE', '/servers/' + server_id, 'member')
