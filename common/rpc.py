"""The one façade over oslo.messaging: transport, the serializer that carries
the request context across hops, RPC clients and servers. Nothing else in
novalite imports oslo.messaging."""

import functools

from oslo_service import backend as service_backend

# oslo.messaging imports oslo.service, whose default backend is eventlet
# (deprecated upstream); choose the threading backend before that import.
if service_backend._cached_backend_type is None:
    service_backend.init_backend(service_backend.BackendType.THREADING)

import oslo_messaging as messaging  # noqa: E402
from oslo_messaging.rpc import dispatcher  # noqa: E402
from oslo_serialization import jsonutils  # noqa: E402

from novalite.common import context as nl_context  # noqa: E402

EXCHANGE = 'novalite'

_TRANSPORTS = {}

# Exceptions raised by our managers travel back to callers by name; only
# these modules may be re-raised on the client side.
ALLOWED_EXMODS = ['novalite.common.exception']

RemoteError = messaging.RemoteError
MessagingTimeout = messaging.MessagingTimeout
MessagingException = messaging.MessagingException
ExpectedException = messaging.ExpectedException
# What a client gets (inside a RemoteError) for a method the server does not
# expose.
NoSuchMethod = dispatcher.NoSuchMethod

# Marks a manager method as part of its service's RPC API. Services serve
# only marked methods (``get_server``'s default), so helpers
# and hooks that happen to be public (``init_host``, the scheduler's
# ``select``) cannot be called by whoever reaches the broker.
expose = messaging.expose


def set_defaults(conf, transport_url):
    """Register oslo.messaging's options and point it at a broker."""
    messaging.set_transport_defaults(EXCHANGE)
    # Register transport_url now (get_rpc_transport would do it later) so
    # config files and set_default see it.
    conf.register_opts(messaging.transport._transport_opts)
    conf.set_default('transport_url', transport_url)


def get_transport(conf):
    """One RPC transport per (config, URL) in a process."""
    key = (id(conf), conf.transport_url)
    if key not in _TRANSPORTS:
        _TRANSPORTS[key] = messaging.get_rpc_transport(
            conf, allowed_remote_exmods=ALLOWED_EXMODS)
    return _TRANSPORTS[key]


def cleanup():
    for transport in _TRANSPORTS.values():
        transport.cleanup()
    _TRANSPORTS.clear()


class RequestContextSerializer(messaging.Serializer):
    """JSON-safe payloads plus our RequestContext on both ends."""

    def serialize_entity(self, context, entity):
        return jsonutils.to_primitive(entity, convert_instances=True)

    def deserialize_entity(self, context, entity):
        return entity

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return nl_context.RequestContext.from_dict(context)


def get_client(conf, topic, version, server=None, version_cap=None):
    """An RPC client for ``topic``; ``server`` pins it to one host."""
    target = messaging.Target(topic=topic, version=version, server=server)
    return messaging.get_rpc_client(
        get_transport(conf), target, version_cap=version_cap,
        serializer=RequestContextSerializer(), timeout=conf.rpc_call_timeout)


def get_server(conf, topic, server, version, endpoints, exposed_only=True):
    """An RPC server for ``endpoints`` on ``topic``, reachable both as the
    topic's pool and directly as ``server``. The executor is oslo.messaging's
    threading one (its default now that eventlet is deprecated).

    :param exposed_only: serve only methods marked with :func:`expose`
        (the default, and what every service does); False serves every
        public method (test doubles, benchmarks).
    """
    target = messaging.Target(topic=topic, server=server, version=version)
    policy = (dispatcher.ExplicitRPCAccessPolicy if exposed_only
              else dispatcher.DefaultRPCAccessPolicy)
    return messaging.get_rpc_server(
        get_transport(conf), target, endpoints,
        serializer=RequestContextSerializer(), access_policy=policy)


def message_of(exc):
    """``exc``'s message without the remote traceback that oslo.messaging
    appends to an exception it re-raises from another service (for log
    lines about expected outcomes: they must not look like crashes)."""
    return str(exc).split('\nTraceback (most recent call last):')[0].strip()


def target(version):
    """The RPC target a manager declares (its API version)."""
    return messaging.Target(version=version)


def expected_exceptions(*exceptions):
    """Mark manager exceptions as expected (no traceback logged server-side).
    Unlike oslo.messaging's own decorator, keeps the method's name,
    docstring and signature."""
    decorate = messaging.expected_exceptions(*exceptions)

    def outer(func):
        return functools.wraps(func)(decorate(func))
    return outer
