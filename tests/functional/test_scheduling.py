"""Two scheduler processes placing builds at once never over-commit a
host: every claim is checked against the node's generation in the
database (SQLite, MariaDB and PostgreSQL alike)."""

import concurrent.futures

from novalite.tests.functional import helpers

# Run on SQLite, MariaDB and PostgreSQL in `make test` (conftest.py).
ALL_BACKENDS = True

FLAVOR_MB = 1024


def _free_slots(cloud):
    """How many FLAVOR_MB instances still fit, host by host."""
    nodes = cloud.rows(
        'SELECT n.id, n.memory_mb, n.ram_allocation_ratio, '
        'n.reserved_host_memory_mb, COALESCE(SUM(a.memory_mb), 0) '
        'FROM compute_nodes n LEFT JOIN allocations a '
        'ON a.compute_node_id = n.id GROUP BY n.id, n.memory_mb, '
        'n.ram_allocation_ratio, n.reserved_host_memory_mb')
    return sum(int((mem * ratio - reserved - float(used)) // FLAVOR_MB)
               for _id, mem, ratio, reserved, used in nodes)


def _over_committed(cloud):
    return cloud.rows(
        'SELECT n.host FROM compute_nodes n JOIN allocations a '
        'ON a.compute_node_id = n.id GROUP BY n.id, n.host, n.memory_mb, '
        'n.ram_allocation_ratio, n.reserved_host_memory_mb '
        'HAVING SUM(a.memory_mb) > '
        'n.memory_mb * n.ram_allocation_ratio - n.reserved_host_memory_mb')


def test_concurrent_boots_fill_hosts_exactly_and_never_over_commit(cloud):
    rsp = cloud.http('POST', '/flavors', json={'flavor': {
        'name': 'gig-%s' % cloud.backend, 'ram': FLAVOR_MB, 'vcpus': 1,
        'disk': 1}})
    assert rsp.status_code == 200, rsp.text
    flavor_id = rsp.json()['flavor']['id']
    slots = _free_slots(cloud)
    assert 2 <= slots <= 16, slots
    wanted = slots + 4

    def boot(i):
        body = {'server': {'name': 'race-%d' % i, 'imageRef': cloud.image_id,
                           'flavorRef': flavor_id,
                           'networks': [{'uuid': cloud.network_id}]}}
        rsp = cloud.http('POST', '/servers', json=body)
        assert rsp.status_code == 202, rsp.text
        return rsp.json()['server']['id']

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(boot, range(wanted)))
    finals = [helpers.wait_settled(cloud, sid) for sid in ids]
    try:
        active = [s for s in finals if s['status'] == 'ACTIVE']
        errors = [s for s in finals if s['status'] == 'ERROR']
        assert len(active) == slots
        assert len(errors) == 4
        assert all(s['fault']['message'].startswith('No valid host was found')
                   for s in errors)
        assert _over_committed(cloud) == []
    finally:
        for sid in ids:
            cloud.http('DELETE', '/servers/%s' % sid)
        for sid in ids:
            helpers.wait_gone(cloud, sid)
        cloud.http('DELETE', '/flavors/%s' % flavor_id)
    assert _free_slots(cloud) == slots
