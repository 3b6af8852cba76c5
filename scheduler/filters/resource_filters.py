"""RamFilter, DiskFilter and CoreFilter: the host has room for one more
instance of the requested flavor, after allocation ratios and reserves."""

from novalite.scheduler.filters import base


class _ResourceFilter(base.BaseHostFilter):
    resource = None
    unit = ''

    def host_passes(self, host, spec):
        return host.free(self.resource) >= spec['resources'][self.resource]

    def filter_all(self, hosts, spec):
        # host_passes inlined: this runs for every host on every request.
        r = self.resource
        need = spec['resources'][r]
        return [h for h in hosts if h.capacity[r] - h.used[r] >= need]

    def explain(self, host, spec):
        return '%d %s free, %d %s asked' % (
            host.free(self.resource), self.unit,
            spec['resources'][self.resource], self.unit)


class RamFilter(_ResourceFilter):
    """memory_mb * ram_allocation_ratio - reserved_host_memory_mb - used."""
    resource = 'memory_mb'
    unit = 'MB'


class DiskFilter(_ResourceFilter):
    """local_gb * disk_allocation_ratio - reserved_host_disk_mb / 1024 -
    used, against root_gb + ephemeral_gb + swap (rounded up to GiB)."""
    resource = 'disk_gb'
    unit = 'GB'


class CoreFilter(_ResourceFilter):
    """vcpus * cpu_allocation_ratio - used."""
    resource = 'vcpus'
    unit = 'vCPUs'
