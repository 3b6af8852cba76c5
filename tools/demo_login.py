"""The log-in half of `make run`: the `demo` keypair (private key in the
state directory, mode 0600), a `demo-ssh` security group that lets SSH
and ping in, and SSH into the demo guest from the host, which holds the
network's gateway address on its isolated bridge. `make clean` removes
the libvirt networks and filters no guest uses any more."""

import os
import subprocess
import time
import xml.etree.ElementTree as ET

KEYPAIR = 'demo'
GROUP = 'demo-ssh'


def key_path(state):
    return os.path.join(state, 'demo-key')


def ensure_keypair(conn, state):
    """The `demo` keypair, made (and its private key saved) unless both the
    keypair and the key file exist."""
    path = key_path(state)
    existing = conn.compute.find_keypair(KEYPAIR)
    if existing is not None and os.path.exists(path):
        return path
    if existing is not None:
        conn.compute.delete_keypair(existing)
    keypair = conn.compute.create_keypair(name=KEYPAIR)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as out:
        out.write(keypair.private_key)
    os.chmod(path, 0o600)
    return path


def ensure_group(conn):
    """`demo-ssh`: SSH (tcp 22) and ICMP in from anywhere."""
    group = conn.network.find_security_group(GROUP)
    if group is None:
        group = conn.network.create_security_group(
            name=GROUP, description='make run: SSH and ping to the demo')
        for proto, port in (('tcp', 22), ('icmp', None)):
            conn.network.create_security_group_rule(
                security_group_id=group.id, direction='ingress',
                ethertype='IPv4', protocol=proto, port_range_min=port,
                port_range_max=port, remote_ip_prefix='0.0.0.0/0')
    return group


def ssh_command(key, address):
    return ['ssh', '-i', key, '-o', 'StrictHostKeyChecking=no',
            '-o', 'UserKnownHostsFile=' + os.devnull,
            '-o', 'LogLevel=ERROR', 'root@' + address]


def ssh(key, address, command, timeout=120):
    """``command``'s output over SSH, retried until the guest's dropbear
    answers (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        proc = subprocess.run(
            ssh_command(key, address) + ['-o', 'BatchMode=yes',
                                         '-o', 'ConnectTimeout=5', command],
            capture_output=True, text=True, timeout=60)
        if proc.returncode == 0:
            return proc.stdout.strip()
        if time.monotonic() > deadline:
            raise RuntimeError('ssh root@%s %r failed: %s' % (
                address, command, proc.stderr.strip()))
        time.sleep(2)


def prune_libvirt(uri):
    """Remove novalite networks and filters that no defined guest uses
    (another cloud's guests keep theirs)."""
    import libvirt
    conn = libvirt.open(uri)
    try:
        used_nets, used_filters = set(), set()
        for dom in conn.listAllDomains():
            root = ET.fromstring(dom.XMLDesc(0))
            for iface in root.iterfind('./devices/interface'):
                src, ref = iface.find('source'), iface.find('filterref')
                if src is not None:
                    used_nets.add(src.get('network'))
                if ref is not None:
                    used_filters.add(ref.get('filter'))
        for net in conn.listAllNetworks():
            if net.name().startswith('novalite-') and \
                    net.name() not in used_nets:
                if net.isActive():
                    net.destroy()
                net.undefine()
                print('removed network %s' % net.name())
        used_groups = set()
        for flt in conn.listAllNWFilters():
            if not flt.name().startswith('novalite-port-'):
                continue
            if flt.name() in used_filters:
                used_groups.update(r.get('filter') for r in ET.fromstring(
                    flt.XMLDesc(0)).iter('filterref'))
            else:
                flt.undefine()
        for flt in conn.listAllNWFilters():
            if flt.name().startswith('novalite-sg-') and \
                    flt.name() not in used_groups:
                flt.undefine()
    finally:
        conn.close()
