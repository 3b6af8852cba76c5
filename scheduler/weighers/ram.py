"""RAMWeigher: prefer hosts with more free RAM (spreading); a negative
[scheduler] ram_weight_multiplier stacks instead."""

from novalite.scheduler.weighers import base


class RAMWeigher(base.BaseHostWeigher):

    def multiplier(self):
        return self.conf.scheduler.ram_weight_multiplier

    def raw_weight(self, host, spec):
        return host.free_ram_mb
