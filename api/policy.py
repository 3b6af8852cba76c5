"""oslo.policy enforcement: one Enforcer per configuration, the defaults
registered in code (``api/policies``), a policy file overriding them.

Controllers call ``authorize(ctx, 'os_compute_api:servers:show',
{'project_id': server_project})``; a refusal is Nova's 403 "Policy doesn't
allow ... to be performed.".
"""

import sys
import threading
import time

from oslo_config import cfg
from oslo_policy import opts as policy_opts
from oslo_policy import policy as oslo_policy

from novalite.api import policies
from novalite.common import exception

_LOCK = threading.Lock()
_ENFORCERS = {}


class _Enforcer(oslo_policy.Enforcer):
    """oslo.policy looks for a changed policy file on every check (a
    stat of each search directory): a tenth of the API's CPU under load.
    Look at most once per ``RECHECK`` seconds; a changed file still takes
    effect by itself, within that time."""

    RECHECK = 1.0
    _checked = None

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if (not force_reload and self.rules and self._checked is not None
                and now - self._checked < self.RECHECK):
            return
        super().load_rules(force_reload)
        self._checked = now


def _make(conf):
    register_opts(conf)     # idempotent: setup_app registers them too
    enforcer = _Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    return enforcer


def enforcer_for(conf):
    """The process's Enforcer for ``conf`` (created once)."""
    key = id(conf)
    with _LOCK:
        if key not in _ENFORCERS:
            _ENFORCERS[key] = _make(conf)
        return _ENFORCERS[key]


def reset():
    with _LOCK:
        _ENFORCERS.clear()


def register_opts(conf):
    """``[oslo_policy]``: Nova's defaults (new defaults and scope
    enforced, ``policy.yaml`` next to the config)."""
    policy_opts.set_defaults(conf, policy_file='policy.yaml',
                             enforce_scope=True, enforce_new_defaults=True)


def check(conf, ctx, action, target=None):
    """Whether ``ctx`` may do ``action`` on ``target`` (default: the
    caller's own project and user): for what a refusal only hides (view
    fields, admin-only filters), as Nova's ``context.can(fatal=False)``."""
    if target is None:
        target = {'project_id': ctx.project_id, 'user_id': ctx.user_id}
    return enforcer_for(conf).authorize(action, target, ctx, do_raise=False)


def authorize(conf, ctx, action, target=None):
    """Check ``action`` for ``ctx`` on ``target`` (default: the caller's own
    project and user).

    :raises: PolicyNotAuthorized
    """
    if not check(conf, ctx, action, target):
        raise exception.PolicyNotAuthorized(action=action)


def check_is_admin(conf, ctx):
    """Whether ``ctx`` passes ``context_is_admin`` (roles, no target)."""
    return enforcer_for(conf).authorize(
        'context_is_admin', {'project_id': ctx.project_id}, ctx,
        do_raise=False)


def get_enforcer():
    """``oslo.policy.enforcer`` entry point (oslopolicy-policy-generator,
    oslopolicy-checker): an Enforcer over the command line's config."""
    conf = cfg.ConfigOpts()
    argv = [a for a in sys.argv[1:] if a.startswith('--config')]
    conf(argv, project='novalite')
    register_opts(conf)
    return _make(conf)
