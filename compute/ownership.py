"""The compute agent acts only on instances placed on its own host.

Every compute RPC message names an instance; one whose ``host`` is another
host (a stale or forged message, a delete racing a reschedule) must not
touch a guest here. Casts are logged and dropped; calls raise an expected
InstanceNotFound saying where the instance is, so the caller sees why.
"""

import functools

from oslo_log import log as logging

from novalite.common import exception

LOG = logging.getLogger(__name__)


def refused(conf, method, instance):
    """True (and logged) when ``instance`` is not assigned to this host."""
    host = instance.get('host')
    if host == conf.host:
        return False
    LOG.error('refusing %s of instance %s: it is assigned to host %s, not '
              'to this host %s', method, instance.get('uuid'), host,
              conf.host)
    return True


def this_host_only(call=False):
    """Decorate a manager endpoint taking ``instance``: refuse the request
    when the instance's host is not ``[DEFAULT] host``.

    :param call: the endpoint answers (raise InstanceNotFound) rather than
        being cast to (return None).
    """
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, ctxt, instance, *args, **kwargs):
            if refused(self.conf, method.__name__, instance):
                if call:
                    raise exception.InstanceNotFound(message=(
                        'Instance %s is not on host %s (its host is %s).' % (
                            instance.get('uuid'), self.conf.host,
                            instance.get('host'))))
                return None
            return method(self, ctxt, instance, *args, **kwargs)
        return wrapper
    return decorate
