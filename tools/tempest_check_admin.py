"""tempest_check.py's part for server metadata, instance actions,
availability zones, aggregates, services, hypervisors and usage: each
answer through tempest's own service client (and so its response schema)
at the microversions where the shape changes and at the maximum the cloud
advertises (``high``, as tempest_check.py reads it from the versions
document). tempest.lib's newest schema of each client is open-ended (its
``max`` is None), so it is the one for ``high``, except where Nova changed
the shape and tempest.lib has no schema for the change: from 2.88 the
hypervisor detail and show drop the stats tempest's 2.53 schema requires,
so only the hypervisor list is checked there. Runs inside tempest's
virtualenv; imports nothing of novalite."""

from tempest.lib.services.compute import aggregates_client
from tempest.lib.services.compute import availability_zone_client
from tempest.lib.services.compute import hypervisor_client
from tempest.lib.services.compute import services_client
from tempest.lib.services.compute import tenant_usages_client

SERVICE_VERSIONS = ('2.1', '2.11', '2.53')
HYPERVISOR_VERSIONS = ('2.1', '2.28', '2.33', '2.53')
AGGREGATE_VERSIONS = ('2.1', '2.41')
ACTION_VERSIONS = ('2.1', '2.21', '2.51', '2.58', '2.62', '2.66', '2.84')
USAGE_VERSIONS = ('2.1', '2.40')
# 2.88 removes the hypervisor stats (detail and show; statistics, search
# and servers are gone from 2.53 already) that tempest.lib's newest
# hypervisor schema (2.53) still requires.
HYPERVISOR_STATS_REMOVED = (2, 88)


def _vt(version):
    return tuple(int(x) for x in version.split('.'))


def _with_high(versions, high):
    """``versions`` up to ``high``, then ``high`` itself (once)."""
    kept = [v for v in versions if _vt(v) < _vt(high)]
    return tuple(kept) + (high,)


def clients(auth):
    kw = {'build_timeout': 60, 'build_interval': 0.5}
    return {
        'aggregates': aggregates_client.AggregatesClient(
            auth, 'compute', 'RegionOne', **kw),
        'zones': availability_zone_client.AvailabilityZoneClient(
            auth, 'compute', 'RegionOne', **kw),
        'hypervisors': hypervisor_client.HypervisorClient(
            auth, 'compute', 'RegionOne', **kw),
        'services': services_client.ServicesClient(
            auth, 'compute', 'RegionOne', **kw),
        'usages': tenant_usages_client.TenantUsagesClient(
            auth, 'compute', 'RegionOne', **kw),
    }


def check(checker, use, high, server_id, project_id):
    c = checker.admin_clients
    step = checker.step
    servers = checker.servers
    for version in ('2.1', high):
        use(version)
        step('list_server_metadata', servers.list_server_metadata,
             server_id)
        step('set_server_metadata', servers.set_server_metadata,
             server_id, {'a': '1', 'b': '2'})
        step('update_server_metadata', servers.update_server_metadata,
             server_id, {'c': '3'})
        step('set_server_metadata_item', servers.set_server_metadata_item,
             server_id, 'd', {'d': '4'})
        step('show_server_metadata_item',
             servers.show_server_metadata_item, server_id, 'd')
        step('delete_server_metadata_item',
             servers.delete_server_metadata_item, server_id, 'd')
    for version in ACTION_VERSIONS + (high,):
        if _vt(version) > _vt(high):
            continue
        use(version)
        actions = step('list_instance_actions',
                       servers.list_instance_actions,
                       server_id)['instanceActions']
        step('show_instance_action', servers.show_instance_action,
             server_id, actions[-1]['request_id'])
    for version in ('2.1', high):
        use(version)
        step('list_availability_zones', c['zones'].list_availability_zones)
        step('list_availability_zones detail',
             c['zones'].list_availability_zones, detail=True)
    for version in _with_high(SERVICE_VERSIONS, high):
        use(version)
        found = step('list_services', c['services'].list_services,
                     binary='novalite-compute')['services']
        host = found[0]['host']
        if _vt(version) >= (2, 53):
            step('update_service', c['services'].update_service,
                 found[0]['id'], status='disabled',
                 disabled_reason='tempest')
            step('update_service', c['services'].update_service,
                 found[0]['id'], status='enabled')
        else:
            step('disable_log_reason', c['services'].disable_log_reason,
                 host=host, binary='novalite-compute',
                 disabled_reason='tempest')
            step('enable_service', c['services'].enable_service,
                 host=host, binary='novalite-compute')
    for version in _with_high(HYPERVISOR_VERSIONS, high):
        use(version)
        hyps = step('list_hypervisors', c['hypervisors'].list_hypervisors)[
            'hypervisors']
        if _vt(version) >= HYPERVISOR_STATS_REMOVED:
            continue
        step('list_hypervisors detail', c['hypervisors'].list_hypervisors,
             detail=True)
        step('show_hypervisor', c['hypervisors'].show_hypervisor,
             hyps[0]['id'])
        if _vt(version) < (2, 53):
            step('show_hypervisor_statistics',
                 c['hypervisors'].show_hypervisor_statistics)
            step('search_hypervisor', c['hypervisors'].search_hypervisor,
                 hyps[0]['hypervisor_hostname'])
            step('list_servers_on_hypervisor',
                 c['hypervisors'].list_servers_on_hypervisor,
                 hyps[0]['hypervisor_hostname'])
    for version in _with_high(AGGREGATE_VERSIONS, high):
        use(version)
        agg = step('create_aggregate', c['aggregates'].create_aggregate,
                   name='tempest-agg-%s' % version,
                   availability_zone='tempest-zone')['aggregate']
        try:
            step('list_aggregates', c['aggregates'].list_aggregates)
            step('show_aggregate', c['aggregates'].show_aggregate, agg['id'])
            step('update_aggregate', c['aggregates'].update_aggregate,
                 agg['id'], name='tempest-agg-renamed-%s' % version)
            step('set_metadata', c['aggregates'].set_metadata, agg['id'],
                 metadata={'k': 'v'})
            step('add_host', c['aggregates'].add_host, agg['id'],
                 host=host)
            step('remove_host', c['aggregates'].remove_host, agg['id'],
                 host=host)
        finally:
            step('delete_aggregate', c['aggregates'].delete_aggregate,
                 agg['id'])
    for version in _with_high(USAGE_VERSIONS, high):
        use(version)
        step('list_tenant_usages', c['usages'].list_tenant_usages,
             detailed=1)
        step('show_tenant_usage', c['usages'].show_tenant_usage,
             project_id)
