"""What this host offers, reported to the conductor (which writes the
compute node the scheduler claims against).

The compute agent only reports totals, reservations and ratios; usage is
the scheduler's allocations, so there is nothing to count here.
"""

import time

from oslo_log import log as logging

from novalite.common import rpc

LOG = logging.getLogger(__name__)

_MAX_BACKOFF = 10.0
# A call sent before the conductor has declared its queue is lost and would
# wait the whole rpc_call_timeout; at start-up, give up sooner and retry.
_STARTUP_CALL_TIMEOUT = 2


class ResourceTracker:

    def __init__(self, conf, driver, conductor_api, sleep=time.sleep,
                 clock=time.monotonic):
        self.conf = conf
        self.driver = driver
        self.conductor = conductor_api
        self.compute_node = None
        self._sleep = sleep
        self._clock = clock

    def get_resources(self):
        """The ``resources`` dict of ``compute_node_update``."""
        opts = self.conf.compute
        resources = dict(self.driver.get_available_resource())
        resources.update(
            reserved_host_memory_mb=opts.reserved_host_memory_mb,
            reserved_host_disk_mb=opts.reserved_host_disk_mb,
            cpu_allocation_ratio=opts.cpu_allocation_ratio,
            ram_allocation_ratio=opts.ram_allocation_ratio,
            disk_allocation_ratio=opts.disk_allocation_ratio)
        return resources

    def report(self, ctx, timeout=None):
        """Send the resources once; returns the compute node dict."""
        self.compute_node = self.conductor.compute_node_update(
            ctx, self.conf.host, self.driver.nodename, self.get_resources(),
            timeout=timeout)
        return self.compute_node

    def report_until_up(self, ctx):
        """Report, retrying with backoff while the conductor is unreachable
        (it may start after us), for at most
        ``[compute] conductor_wait_timeout`` seconds.

        :returns: True once reported, False if the conductor stayed away.
        """
        deadline = self._clock() + self.conf.compute.conductor_wait_timeout
        delay = 0.2
        while True:
            try:
                self.report(ctx, timeout=_STARTUP_CALL_TIMEOUT)
                return True
            except rpc.MessagingException as exc:
                if self._clock() + delay > deadline:
                    LOG.error('conductor still unreachable (%s); starting '
                              'without a resource report, will retry every '
                              '%ss', exc,
                              self.conf.compute.resource_update_interval)
                    return False
                LOG.warning('conductor unreachable (%s); retrying in %.0fs',
                            exc, delay)
                self._sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)
