"""Request bodies of the network API, checked as Neutron's attribute maps
do: an unknown attribute or a value of the wrong kind is a 400
(``InvalidInput`` / ``HTTPBadRequest``) before anything is written."""

import ipaddress
import re
import uuid

from novalite.common.db import network_api

_MAC = re.compile(r'^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$')
PROTOCOLS = {'tcp': 6, 'udp': 17, 'icmp': 1, 'icmpv6': 58, 'ipv6-icmp': 58,
             'sctp': 132, 'gre': 47, 'esp': 50, 'ah': 51}


def _bad(message):
    return network_api.bad(message)


def string(max_len=255):
    def check(key, value):
        if not isinstance(value, str):
            raise _bad("'%s' is not a valid string" % (value,))
        if len(value) > max_len:
            raise _bad("'%s' exceeds maximum length of %d"
                       % (value, max_len))
        return value
    return check


def boolean(key, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    raise _bad("'%s' cannot be converted to boolean" % (value,))


def uuid_text(key, value):
    try:
        if isinstance(value, str) and len(value) == 36:
            return str(uuid.UUID(value))
    except ValueError:
        pass
    raise _bad("'%s' is not a valid UUID" % (value,))


def uuid_list(key, value):
    if not isinstance(value, list):
        raise _bad("'%s' is not a list" % (value,))
    return [uuid_text(key, v) for v in value]


def mac(key, value):
    if not isinstance(value, str) or not _MAC.match(value):
        raise _bad("'%s' is not a valid MAC address" % (value,))
    return value.lower()


def ip_text(key, value):
    try:
        return str(ipaddress.ip_address(value))
    except (ValueError, TypeError):
        raise _bad("'%s' is not a valid IP address" % (value,))


def ip_list(key, value):
    if not isinstance(value, list):
        raise _bad("'%s' is not a list" % (value,))
    return [ip_text(key, v) for v in value]


def cidr(key, value):
    try:
        net = ipaddress.ip_network(value, strict=False)
    except (ValueError, TypeError):
        raise _bad("'%s' is not a valid IP subnet" % (value,))
    if str(net) != value and str(net.network_address) != value:
        raise _bad("'%s' isn't a recognized IP subnet cidr, '%s' is "
                   "recommended" % (value, net))
    return net


def ip_version(key, value):
    if value not in (4, 6, '4', '6'):
        raise _bad("%s is not in [4, 6]" % (value,))
    return int(value)


def fixed_ips(key, value):
    if not isinstance(value, list) or len(value) > 1 or not all(
            isinstance(v, dict) and set(v) <= {'subnet_id', 'ip_address'}
            for v in value):
        raise _bad('Invalid data format for fixed IP: novalite gives a '
                   'port at most one fixed IP ({"subnet_id": ..., '
                   '"ip_address": ...}).')
    if not value:
        return {}
    item = value[0]
    result = {}
    if 'subnet_id' in item:
        result['subnet_id'] = uuid_text(key, item['subnet_id'])
    if 'ip_address' in item:
        result['ip_address'] = ip_text(key, item['ip_address'])
    return result


def one_of(*choices):
    def check(key, value):
        if value not in choices:
            raise _bad("%s is not in %s" % (value, list(choices)))
        return value
    return check


def protocol(key, value):
    if value is None or value == 'any':
        return None
    text = str(value).lower()
    if text in PROTOCOLS:
        return text
    if text.isdigit() and 0 <= int(text) <= 255:
        return text
    raise _bad('Security group rule protocol %s not supported. Only '
               'protocol values %s and integer representations [0 to 255] '
               'are supported.' % (value, sorted(PROTOCOLS)))


def port_number(key, value):
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _bad("'%s' is not an integer" % (value,))
    if not 0 <= number <= 65535:
        raise _bad('Invalid value for port %s' % value)
    return number


def remote_prefix(key, value):
    if value is None:
        return None
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except (ValueError, TypeError):
        raise _bad("'%s' is not a valid IP subnet" % (value,))


NETWORK_CREATE = {'name': string(), 'admin_state_up': boolean,
                  'shared': boolean, 'description': string(),
                  'project_id': string(), 'tenant_id': string()}
NETWORK_UPDATE = {'name': string(), 'admin_state_up': boolean,
                  'shared': boolean, 'description': string()}
SUBNET_CREATE = {'name': string(), 'network_id': uuid_text, 'cidr': cidr,
                 'ip_version': ip_version, 'gateway_ip': ip_text,
                 'enable_dhcp': boolean, 'dns_nameservers': ip_list,
                 'description': string(), 'project_id': string(),
                 'tenant_id': string()}
SUBNET_UPDATE = {'name': string(), 'enable_dhcp': boolean,
                 'dns_nameservers': ip_list, 'description': string()}
PORT_CREATE = {'name': string(), 'network_id': uuid_text,
               'admin_state_up': boolean, 'mac_address': mac,
               'fixed_ips': fixed_ips, 'device_id': string(),
               'device_owner': string(), 'security_groups': uuid_list,
               'description': string(), 'project_id': string(),
               'tenant_id': string()}
PORT_UPDATE = {'name': string(), 'admin_state_up': boolean,
               'security_groups': uuid_list, 'description': string()}
GROUP_CREATE = {'name': string(), 'description': string(),
                'project_id': string(), 'tenant_id': string(),
                'stateful': boolean}
GROUP_UPDATE = {'name': string(), 'description': string()}
RULE_CREATE = {'security_group_id': uuid_text,
               'direction': one_of('ingress', 'egress'),
               'ethertype': one_of('IPv4', 'IPv6'), 'protocol': protocol,
               'port_range_min': port_number, 'port_range_max': port_number,
               'remote_ip_prefix': remote_prefix,
               'remote_group_id': uuid_text, 'description': string(),
               'project_id': string(), 'tenant_id': string()}


def check(body, resource, attributes, required=()):
    """The checked attributes of ``{resource: {...}}``.

    :raises: network_api.Error (400)
    """
    if not isinstance(body, dict) or not isinstance(body.get(resource),
                                                    dict) or len(body) != 1:
        raise network_api.Error(400, 'HTTPBadRequest',
                                'Resource body required')
    item = body[resource]
    unknown = sorted(set(item) - set(attributes))
    if unknown:
        raise network_api.Error(400, 'HTTPBadRequest',
                                "Unrecognized attribute(s) '%s'"
                                % ', '.join(unknown))
    for key in required:
        if key not in item:
            raise network_api.Error(400, 'HTTPBadRequest',
                                    "Failed to parse request. Required "
                                    "attribute '%s' not specified" % key)
    result = {}
    for key, value in item.items():
        if value is None and key in ('gateway_ip', 'protocol',
                                     'port_range_min', 'port_range_max',
                                     'remote_ip_prefix', 'remote_group_id'):
            result[key] = None
            continue
        result[key] = attributes[key](key, value)
    if 'tenant_id' in result:
        project = result.pop('tenant_id')
        if result.setdefault('project_id', project) != project:
            raise _bad('project_id and tenant_id do not match')
    return result


def check_rule(values):
    """Neutron's cross-field checks of a security group rule; fills in
    the ethertype default."""
    values.setdefault('ethertype', 'IPv4')
    proto = values.get('protocol')
    low, high = values.get('port_range_min'), values.get('port_range_max')
    if (low is not None or high is not None) and proto is None:
        raise network_api.Error(400, 'SecurityGroupProtocolRequiredWithPorts',
                                'Must also specify protocol if port range '
                                'is given.')
    if proto in ('tcp', 'udp', 'sctp', '6', '17', '132'):
        if low is not None and high is not None and low > high:
            raise network_api.Error(400, 'SecurityGroupInvalidPortRange',
                                    'For TCP/UDP protocols, port_range_min '
                                    'must be <= port_range_max')
        if low == 0 or high == 0:
            raise network_api.Error(400, 'SecurityGroupInvalidPortValue',
                                    'Invalid value for port 0')
    if values.get('remote_ip_prefix') and values.get('remote_group_id'):
        raise network_api.Error(400, 'SecurityGroupRemoteGroupAndRemoteIp'
                                'Prefix', 'Only remote_ip_prefix or '
                                'remote_group_id may be provided.')
    prefix = values.get('remote_ip_prefix')
    if prefix:
        version = ipaddress.ip_network(prefix).version
        if 'IPv%d' % version != values['ethertype']:
            raise network_api.Error(400, 'SecurityGroupRuleParameterConflict',
                                    'Conflicting value ethertype %s for CIDR '
                                    '%s' % (values['ethertype'], prefix))
    return values
