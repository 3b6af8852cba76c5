"""The libvirt connection of one compute host.

libvirt connections are thread-safe, so the agent shares one between its
RPC worker threads and periodic tasks; it is reopened if libvirtd went away,
and its lifecycle events are subscribed again on the new one.
"""

import threading

import libvirt
from oslo_log import log as logging

from novalite.common import exception
from novalite.compute.virt.libvirt import events

LOG = logging.getLogger(__name__)


def _ignore_libvirt_errors(_ctx, _err):
    # libvirt prints every error to stderr by default; we get them as
    # exceptions and log what matters ourselves.
    pass


libvirt.registerErrorHandler(_ignore_libvirt_errors, None)


def is_no_domain(exc):
    """True when ``exc`` says the domain does not exist (any more)."""
    return (isinstance(exc, libvirt.libvirtError) and
            exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN)


class Host:
    """Opens ``uri`` and hands out the live connection."""

    def __init__(self, uri, hostname):
        self.uri = uri
        self.hostname = hostname
        self._conn = None
        self._is_test = False
        self._lock = threading.Lock()
        self.lifecycle = events.LifecycleDispatcher()
        self._event_callback = None

    def connect(self):
        with self._lock:
            if self._conn is not None and self._alive(self._conn):
                return self._conn
            events.start_event_loop()
            try:
                conn = libvirt.open(self.uri)
                self._is_test = conn.getType().upper() == 'TEST'
                self._event_callback = self.lifecycle.register(conn)
            except libvirt.libvirtError as exc:
                LOG.error('cannot connect to libvirt at %s: %s', self.uri, exc)
                raise exception.HypervisorUnavailable(host=self.hostname)
            self._conn = conn
            LOG.info('connected to libvirt at %s', self.uri)
            return conn

    @staticmethod
    def _alive(conn):
        try:
            return conn.isAlive()
        except libvirt.libvirtError:
            return False

    def get_connection(self):
        conn = self._conn
        if conn is not None and self._alive(conn):
            return conn
        return self.connect()

    def close(self):
        with self._lock:
            if self._conn is not None:
                if self._event_callback is not None:
                    self.lifecycle.deregister(self._conn,
                                              self._event_callback)
                    self._event_callback = None
                try:
                    self._conn.close()
                except libvirt.libvirtError:
                    pass
                self._conn = None

    @property
    def is_test_driver(self):
        """libvirt's in-process test hypervisor: no real guests or disks."""
        self.get_connection()
        return self._is_test

    def lookup(self, uuid):
        """The domain with ``uuid``, or None."""
        try:
            return self.get_connection().lookupByUUIDString(uuid)
        except libvirt.libvirtError as exc:
            if is_no_domain(exc):
                return None
            raise

    def list_domains(self):
        return self.get_connection().listAllDomains(0)

    def get_info(self):
        """vCPUs, memory and hypervisor identity from libvirt."""
        conn = self.get_connection()
        _model, memory_mb, cpus = conn.getInfo()[:3]
        return {'vcpus': cpus, 'memory_mb': memory_mb,
                'hypervisor_type': conn.getType(),
                'hypervisor_version': conn.getVersion()}
