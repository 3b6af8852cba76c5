"""ComputeFilter: only hosts whose compute service is up and enabled."""

from novalite.scheduler.filters import base


class ComputeFilter(base.BaseHostFilter):

    def host_passes(self, host, spec):
        return host.service_up and not host.service_disabled

    def explain(self, host, spec):
        if not host.service_up:
            return 'compute service is down'
        reason = host.disabled_reason
        return 'compute service is disabled' + (
            ' (%s)' % reason if reason else '')
