import pytest

from novalite.common.db import placement
from novalite.scheduler import filters
from novalite.tests.unit.scheduler import fakes


def _spec(**flavor):
    fl = dict(fakes.FLAVOR, **flavor)
    return dict(fakes.spec(fl),
                resources=placement.resources_from_flavor(fl))


def _passes(name, host, spec):
    (f,) = filters.get_filters([name])
    return f.host_passes(host, spec)


def test_compute_filter_needs_up_and_enabled():
    spec = _spec()
    assert _passes('ComputeFilter', fakes.host('a'), spec)
    assert not _passes('ComputeFilter', fakes.host('a', up=False), spec)
    assert not _passes('ComputeFilter', fakes.host('a', disabled=True), spec)


def test_ram_filter_uses_ratio_and_reserve():
    host = fakes.host('a', used=(0, 1000, 0), memory_mb=1024,
                      ram_allocation_ratio=1.5, reserved_host_memory_mb=36)
    # 1024 * 1.5 - 36 - 1000 = 500 MiB free.
    assert _passes('RamFilter', host, _spec(memory_mb=500))
    assert not _passes('RamFilter', host, _spec(memory_mb=501))


def test_disk_filter_counts_ephemeral_swap_and_reserve():
    host = fakes.host('a', used=(0, 0, 5), local_gb=10,
                      reserved_host_disk_mb=1024)
    # 10 - 1 - 5 = 4 GiB free; 2 root + 1 ephemeral + 1 (swap 512 MiB).
    assert _passes('DiskFilter', host,
                   _spec(root_gb=2, ephemeral_gb=1, swap=512))
    assert not _passes('DiskFilter', host,
                       _spec(root_gb=2, ephemeral_gb=1, swap=1025))


def test_core_filter_uses_ratio():
    host = fakes.host('a', used=(7, 0, 0), vcpus=2, cpu_allocation_ratio=4.0)
    assert _passes('CoreFilter', host, _spec(vcpus=1))
    assert not _passes('CoreFilter', host, _spec(vcpus=2))


def test_unknown_filter_name_is_a_config_error():
    with pytest.raises(ValueError, match='NoSuchFilter'):
        filters.get_filters(['RamFilter', 'NoSuchFilter'])
