"""Why no host (beyond Nova): a boot that fits nowhere ends ERROR with
Nova's "No valid host was found" for everyone, and for admins the fault's
details and the scheduling event name, per host, the filter that refused
it and why."""

import uuid

from novalite.tests.functional import conftest
from novalite.tests.functional import helpers

OWNER = 'whyuser:whyproj'


def _flavor(cloud, ram):
    rsp = cloud.http('POST', '/flavors', json={'flavor': {
        'name': 'why-%s' % uuid.uuid4().hex[:6], 'ram': ram, 'vcpus': 1,
        'disk': 1}})
    assert rsp.status_code == 200, rsp.text
    return rsp.json()['flavor']['id']


def test_fault_details_name_each_host_and_filter_for_admins(cloud):
    flavor = _flavor(cloud, 4 * 1024 * 1024)      # 4 TiB of RAM
    rsp = cloud.http('POST', '/servers', token=OWNER, json={'server': {
        'name': 'why', 'imageRef': cloud.image_id, 'flavorRef': flavor,
        'networks': [{'uuid': cloud.network_id}]}})
    assert rsp.status_code == 202, rsp.text
    server_id = rsp.json()['server']['id']
    helpers.wait_status(cloud, server_id, 'ERROR')

    owner = cloud.http('GET', '/servers/%s' % server_id,
                       token=OWNER).json()['server']
    assert owner['fault']['message'].startswith('No valid host was found')
    assert 'details' not in owner['fault']

    fault = cloud.http('GET', '/servers/%s' % server_id).json()[
        'server']['fault']
    lines = fault['details'].splitlines()
    assert lines[0].startswith('No valid host was found')
    for host in conftest.COMPUTE_HOSTS:
        (line,) = [ln for ln in lines if ln.startswith(host + ': ')]
        assert 'RamFilter: ' in line, line
        assert line.endswith(' MB asked') and '4194304 MB asked' in line

    actions = cloud.http('GET', '/servers/%s/os-instance-actions'
                         % server_id).json()['instanceActions']
    (create,) = [a for a in actions if a['action'] == 'create']
    detail = cloud.http('GET', '/servers/%s/os-instance-actions/%s' % (
        server_id, create['request_id'])).json()['instanceAction']
    (event,) = [e for e in detail['events']
                if e['event'] == 'conductor_schedule_and_build_instances']
    assert event['result'] == 'Error'
    assert 'RamFilter' in event['traceback']
    cloud.http('DELETE', '/servers/%s' % server_id)
    helpers.wait_gone(cloud, server_id)
