"""``accessIPv6`` as Nova stores and shows it: the address in its
canonical compressed form (Nova's IPV6Address field goes through netaddr,
whose text is the C library's inet_ntop), so
``0000:0000:0000:0000:0000:babe:220.12.22.2`` becomes ``::babe:dc0c:1602``
while an IPv4-mapped ``::ffff:1.2.3.4`` keeps its dotted tail."""

import ipaddress
import socket


def canonical_v6(value):
    """The canonical text of IPv6 address ``value`` (None and '' are
    returned as they are). The request schema has already refused what
    is not an IPv6 address; ValueError if it is not one."""
    if not value:
        return value
    return socket.inet_ntop(socket.AF_INET6,
                            ipaddress.IPv6Address(value).packed)


def normalize(req):
    """Rewrite ``req['accessIPv6']`` (a create, update or rebuild body's
    server dict) in place, when present."""
    if req.get('accessIPv6'):
        req['accessIPv6'] = canonical_v6(req['accessIPv6'])
    return req
