"""The host filter interface."""


class BaseHostFilter:
    """Decides whether one host can take one instance of a request.

    ``spec`` is the request spec dict plus ``resources`` (what one instance
    consumes: ``{vcpus, memory_mb, disk_gb}``).
    """

    def host_passes(self, host, spec):
        raise NotImplementedError

    def filter_all(self, hosts, spec):
        return [h for h in hosts if self.host_passes(h, spec)]

    def explain(self, host, spec):
        """Why ``host`` was refused, for an operator ("448 MB free, 512 MB
        asked"); asked only when a request found no host."""
        return 'refused'

    @property
    def name(self):
        return type(self).__name__
