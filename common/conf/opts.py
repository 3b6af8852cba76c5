"""Entry point for oslo-config-generator (namespace ``novalite``)."""

from novalite.common.conf import MODULES


def list_opts():
    groups = {}
    for module in MODULES:
        for group, opts in module.list_opts().items():
            groups.setdefault(group, []).extend(opts)
    return list(groups.items())
