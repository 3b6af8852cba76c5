"""os-simple-tenant-usage through the real WSGI app and database."""

import datetime

import pytest

from novalite.common.db import instances
from novalite.common import states

ADMIN = 'admin:admin'
URL = '/v2.1/os-simple-tenant-usage'
T0 = datetime.datetime(2026, 1, 1)
FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.small', 'memory_mb': 2048,
          'vcpus': 2, 'root_gb': 20, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}


@pytest.fixture
def servers(db, admin):
    rows = []
    for n, (project, launched, terminated) in enumerate([
            ('p1', T0, None),
            ('p1', T0 + datetime.timedelta(hours=1),
             T0 + datetime.timedelta(hours=3)),
            ('p2', T0, None),
            ('p2', None, None)]):
        rows.append({'display_name': 'vm%d' % n, 'project_id': project,
                     'user_id': 'u', 'flavor': dict(FLAVOR), 'host': 'h1',
                     'node': 'h1', 'vm_state': states.ACTIVE,
                     'launched_at': launched, 'terminated_at': terminated})
    return instances.create_instances(admin, rows, {}, [])


def _window(hours=4):
    end = T0 + datetime.timedelta(hours=hours)
    return 'start=%s&end=%s' % (T0.isoformat(), end.isoformat())


def test_list_totals(client, servers):
    resp = client.get(URL + '?' + _window(), token=ADMIN)
    assert resp.status_code == 200, resp.body
    usages = {u['tenant_id']: u for u in resp.data['tenant_usages']}
    assert set(usages) == {'p1', 'p2'}
    p1 = usages['p1']
    assert p1['total_hours'] == pytest.approx(6.0)
    assert p1['total_vcpus_usage'] == pytest.approx(12.0)
    assert p1['total_memory_mb_usage'] == pytest.approx(6 * 2048)
    assert p1['total_local_gb_usage'] == pytest.approx(6 * 20)
    assert p1['start'] == '2026-01-01T00:00:00.000000'
    assert p1['stop'] == '2026-01-01T04:00:00.000000'
    assert 'server_usages' not in p1
    resp = client.get(URL + '?detailed=1&' + _window(), token=ADMIN)
    usages = {u['tenant_id']: u for u in resp.data['tenant_usages']}
    ended = [s for s in usages['p1']['server_usages'] if s['ended_at']][0]
    assert (ended['state'], ended['uptime'], ended['hours'],
            ended['flavor']) == ('terminated', 7200, 2.0, 'm1.small')


def test_show_own_project(client, servers):
    resp = client.get(URL + '/p1?' + _window())
    assert resp.status_code == 200, resp.body
    usage = resp.data['tenant_usage']
    assert usage['tenant_id'] == 'p1'
    assert len(usage['server_usages']) == 2
    resp = client.get(URL + '/p3?' + _window(), token=ADMIN)
    assert resp.data == {'tenant_usage': {}}
    assert client.get(URL + '/p2?' + _window()).status_code == 403


def test_list_admin_only_and_bad_window(client, servers):
    assert client.get(URL).status_code == 403
    resp = client.get(URL + '?start=yesterday', token=ADMIN)
    assert resp.status_code == 400
    assert resp.data['badRequest']['message'] == \
        'Datetime is in invalid format'
    resp = client.get(URL + '?start=2026-01-02T00:00:00&end='
                      '2026-01-01T00:00:00', token=ADMIN)
    assert resp.status_code == 400


def test_paging_240_until_empty(client, servers):
    """Horizon's loop: follow the marker until a page comes back empty."""
    seen, url = [], URL + '?detailed=1&limit=1&' + _window()
    for _ in range(10):
        resp = client.get(url, token=ADMIN, version='2.40')
        assert resp.status_code == 200, resp.body
        page = resp.data['tenant_usages']
        if not page:
            break
        seen += [s['instance_id'] for u in page for s in u['server_usages']]
        href = resp.data['tenant_usages_links'][0]['href']
        url = URL + '?' + href.split('?', 1)[1]
    assert seen == [s['uuid'] for s in servers[:3]]
    resp = client.get(URL + '?marker=nope', token=ADMIN, version='2.40')
    assert resp.status_code == 400


def test_project_show_paging_240_until_empty(client, servers):
    """Horizon's Overview (2.40+) pages its own project's usage with
    marker=<last instance id> until server_usages comes back empty: a
    marker that is not honoured would never end that loop."""
    seen, url = [], URL + '/p1?limit=1&' + _window()
    for _ in range(10):
        resp = client.get(url, version='2.40')
        assert resp.status_code == 200, resp.body
        usage = resp.data['tenant_usage']
        page = usage.get('server_usages', [])
        if not page:
            break
        assert len(page) == 1
        seen.append(page[0]['instance_id'])
        url = URL + '/p1?limit=1&marker=%s&%s' % (seen[-1], _window())
    else:
        raise AssertionError('paging never ended: %s' % seen)
    assert seen == [s['uuid'] for s in servers[:2]]
