"""RamFilter, DiskFilter and CoreFilter: the host has room for one more
instance of the requested flavor, after allocation ratios and reserves."""

from novalite.scheduler.filters import base


class _ResourceFilter(base.BaseHostFilter):
    resource = None

    def host_passes(self, host, spec):
        return host.free(self.resource) >= spec['resources'][self.resource]


class RamFilter(_ResourceFilter):
    """memory_mb * ram_allocation_ratio - reserved_host_memory_mb - used."""
    resource = 'memory_mb'


class DiskFilter(_ResourceFilter):
    """local_gb * disk_allocation_ratio - reserved_host_disk_mb / 1024 -
    used, against root_gb + ephemeral_gb + swap (rounded up to GiB)."""
    resource = 'disk_gb'


class CoreFilter(_ResourceFilter):
    """vcpus * cpu_allocation_ratio - used."""
    resource = 'vcpus'
