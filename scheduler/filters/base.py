"""The host filter interface."""


class BaseHostFilter:
    """Decides whether one host can take one instance of a request.

    ``spec`` is the request spec dict plus ``resources`` (what one instance
    consumes: ``{vcpus, memory_mb, disk_gb}``).
    """

    def host_passes(self, host, spec):
        raise NotImplementedError

    def applies(self, spec):
        """False when this request cannot make the filter refuse anyone
        (e.g. no server group): the hosts then pass without a per-host
        call, which is most of a decision's time at 1 000 hosts."""
        return True

    def filter_all(self, hosts, spec):
        if not self.applies(spec):
            return list(hosts)
        return [h for h in hosts if self.host_passes(h, spec)]

    def explain(self, host, spec):
        """Why ``host`` was refused, for an operator ("448 MB free, 512 MB
        asked"); asked only when a request found no host."""
        return 'refused'

    @property
    def name(self):
        return type(self).__name__
