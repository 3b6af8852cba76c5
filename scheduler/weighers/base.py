"""The host weigher interface: a raw value per host, normalized to 0..1
across the candidates, times the weigher's multiplier (as Nova does)."""


def normalize(values):
    """Scale ``values`` to 0..1; all equal → all 0."""
    if not values:
        return []
    low, high = min(values), max(values)
    if high == low:
        return [0.0] * len(values)
    span = float(high - low)
    return [(v - low) / span for v in values]


class BaseHostWeigher:

    def __init__(self, conf):
        self.conf = conf

    def multiplier(self):
        return 1.0

    def raw_weight(self, host, spec):
        raise NotImplementedError

    def applies(self, spec):
        """False when the weigher would give every host the same weight
        for this request (ranking skips it)."""
        return bool(self.multiplier())

    def weigh_all(self, hosts, spec):
        """Weights for ``hosts``, in their order."""
        m = self.multiplier()
        return [m * w for w in normalize(
            [self.raw_weight(h, spec) for h in hosts])]
