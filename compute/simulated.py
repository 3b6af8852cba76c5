"""Many simulated compute hosts in one process (``novalite-compute
--simulate-hosts N``), so the control plane can be measured at 100-1 000
hosts on one machine.

Each simulated host is a whole, unmodified ``ComputeManager``: its own host
name, its own RPC server (topic ``novalite-compute``, server=<host>), its own
heartbeat and periodic tasks, and its own libvirt test-driver connection.
What they share is what a process can share without one host seeing
another's guests:

- the manager reads ``conf.host`` and ``conf.libvirt``: each gets a
  :class:`HostConf`, a read-only view of the process's ConfigOpts that
  answers its own ``host``, ``[libvirt] connection_uri`` and
  ``instances_path`` and delegates everything else (a reload still applies);
- libvirt: every open of ``test:///default`` in a process shares ONE
  hypervisor state (agents would see and reap each other's domains), while
  each open of ``test:///<absolute path of a node XML>`` gets a private one.
  Each host gets ``<state dir>/<host>/node.xml`` with a modest, configurable
  CPU and memory, so its capacity is realistic;
- one RPC server for every host (``rpc.get_host_servers``): on RabbitMQ
  one broker connection and one poll thread consume every host's
  ``novalite-compute.<host>`` queue and hand each message to that host's
  manager. oslo.messaging's own servers hold a connection each, and 1 000
  of them exhausted this machine's RabbitMQ (832 sockets); one
  conductor client;
- one timer thread and a small worker pool run every host's heartbeat and
  periodic tasks, staggered over their interval so 1 000 hosts do not all
  report at once (:class:`Ticker`), instead of one thread per task per host;
  one thread dispatches every host's libvirt lifecycle events
  (:class:`SharedLifecycle`), instead of one per host.
"""

import concurrent.futures
import heapq
import os
import resource
import threading
import time

import libvirt
from oslo_log import log as logging

from novalite.common import context as nl_context
from novalite.common import rpc
from novalite.common import service
from novalite.compute import manager as compute_manager
from novalite.compute import rpcapi
from novalite.compute.image import client as image_client_mod
from novalite.compute.virt.libvirt import driver as libvirt_driver
from novalite.compute.virt.libvirt import events
from novalite.conductor import rpcapi as conductor_rpcapi

LOG = logging.getLogger(__name__)

BINARY = 'novalite-compute'

# libvirt test-driver node description (memory in KiB). Only CPU and
# memory: no domains, networks or pools, unlike test:///default.
NODE_XML = """<node>
  <cpu>
    <nodes>1</nodes>
    <sockets>1</sockets>
    <cores>%(vcpus)d</cores>
    <threads>1</threads>
    <active>%(vcpus)d</active>
    <mhz>2000</mhz>
    <model>x86_64</model>
  </cpu>
  <memory>%(memory_kib)d</memory>
</node>
"""


class NodeSpec:
    """The capacity every simulated host reports.

    :param disk_gb: reported as ``local_gb`` (the hosts share one file
        system, whose size they would otherwise all report).
    """

    def __init__(self, vcpus=8, memory_mb=16384, disk_gb=200):
        if vcpus < 1 or memory_mb < 1 or disk_gb < 1:
            raise ValueError('a simulated host needs at least 1 vCPU, '
                             '1 MB of memory and 1 GB of disk')
        self.vcpus = vcpus
        self.memory_mb = memory_mb
        self.disk_gb = disk_gb

    def node_xml(self):
        return NODE_XML % {'vcpus': self.vcpus,
                           'memory_kib': self.memory_mb * 1024}


def host_names(prefix, count):
    """``prefix-0001`` ... : sortable names, one per simulated host."""
    width = max(4, len(str(count)))
    return ['%s-%0*d' % (prefix, width, i) for i in range(1, count + 1)]


class _GroupView:
    """One option group with some options answered differently."""

    def __init__(self, group, overrides):
        self._group = group
        self._overrides = overrides

    def __getattr__(self, name):
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._group, name)

    def __getitem__(self, name):
        return self.__getattr__(name)


class HostConf:
    """The process's ConfigOpts as one simulated host sees it: its own
    ``host`` and the ``[libvirt]`` options in ``libvirt``; everything else
    (and any later reload of it) is the process's."""

    def __init__(self, conf, host, libvirt=None):
        self._conf = conf
        self._host = host
        self._libvirt = _GroupView(conf.libvirt, dict(libvirt or {}))

    @property
    def host(self):
        return self._host

    @property
    def libvirt(self):
        return self._libvirt

    def __getattr__(self, name):
        return getattr(self._conf, name)

    def __getitem__(self, name):
        return getattr(self, name)


class SharedLifecycle:
    """One lifecycle-event queue and dispatcher thread for every simulated
    host (instead of a dispatcher thread per host): events are queued by
    ``(host, domain uuid)``, coalesced as ``events.LifecycleDispatcher``
    does, and handed to that host's handlers only, in order."""

    def __init__(self, maxsize=events.MAX_PENDING * 8):
        self._queue = events.CoalescingQueue(maxsize)
        self._handlers = {}
        self._lock = threading.Lock()
        self._thread = None

    def for_host(self, host):
        """What one host's ``Host.lifecycle`` is."""
        return _HostLifecycle(self, host)

    def add_handler(self, host, handler):
        with self._lock:
            self._handlers.setdefault(host, []).append(handler)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._dispatch, name='sim-lifecycle',
                    daemon=True)
                self._thread.start()

    def on_event(self, _conn, dom, event, detail, host):
        # libvirt's event thread: queue and return.
        power_state = events.EVENT_POWER_STATES.get(event)
        if power_state is None or host not in self._handlers:
            return
        try:
            uuid = dom.UUIDString()
        except libvirt.libvirtError:
            return
        LOG.debug('lifecycle event %s/%s of domain %s on %s', event, detail,
                  uuid, host)
        self.queue_event(host, uuid, power_state)

    def queue_event(self, host, uuid, power_state):
        if self._queue.put((host, uuid), power_state):
            return True
        LOG.warning('%d domains have lifecycle events waiting; dropping '
                    'the event of %s on %s (the power-state sync will see '
                    'it)', self._queue.maxsize, uuid, host)
        return False

    def _dispatch(self):
        while True:
            (host, uuid), power_state = self._queue.get()
            for handler in list(self._handlers.get(host, ())):
                try:
                    handler(uuid, power_state)
                except Exception:  # noqa: BLE001 -- next event regardless
                    LOG.exception('lifecycle handler of %s failed for %s',
                                  host, uuid)


class _HostLifecycle:
    """``events.LifecycleDispatcher``'s interface for one host, backed by
    the process's :class:`SharedLifecycle`."""

    def __init__(self, shared, host):
        self._shared = shared
        self._host = host

    def add_handler(self, handler):
        self._shared.add_handler(self._host, handler)

    def register(self, conn):
        return conn.domainEventRegisterAny(
            None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
            self._shared.on_event, self._host)

    deregister = staticmethod(events.LifecycleDispatcher.deregister)

    def queue_event(self, uuid, power_state):
        return self._shared.queue_event(self._host, uuid, power_state)


class SimulatedDriver(libvirt_driver.LibvirtDriver):
    """The libvirt driver on a private test-driver node; it reports the
    node's disk size rather than the shared file system's, and its
    lifecycle events go through ``lifecycle`` (a shared dispatcher)."""

    def __init__(self, conf, disk_gb, image_client=None, lifecycle=None):
        super().__init__(conf, image_client=image_client)
        self.disk_gb = disk_gb
        if lifecycle is not None:
            self.host.lifecycle = lifecycle.for_host(conf.host)

    def get_available_resource(self):
        resources = self.host.get_info()
        resources['local_gb'] = self.disk_gb
        return resources


class Agent:
    """One simulated compute host: a ComputeManager, its RPC server, its
    heartbeat and periodic tasks (run by the process's :class:`Ticker`)."""

    def __init__(self, conf, host, state_dir, node, conductor,
                 image_client, lifecycle=None):
        self.base_conf = conf
        self.host = host
        self.dir = os.path.join(state_dir, host)
        os.makedirs(self.dir, exist_ok=True)
        self.node_xml = os.path.join(self.dir, 'node.xml')
        with open(self.node_xml, 'w') as out:
            out.write(node.node_xml())
        self.conf = HostConf(conf, host, {
            'connection_uri': 'test://' + os.path.abspath(self.node_xml),
            'instances_path': os.path.join(self.dir, 'instances')})
        self.conductor = conductor
        self.driver = SimulatedDriver(self.conf, node.disk_gb,
                                      image_client=image_client,
                                      lifecycle=lifecycle)
        self.manager = compute_manager.ComputeManager(
            self.conf, driver=self.driver, conductor_api=conductor)

    def endpoints(self):
        return [service.LoggedEndpoint(self.manager)]

    def first_beat(self):
        """The report ``service.Service.start`` sends once it serves RPC."""
        try:
            self.heartbeat(nl_context.get_admin_context())
        except Exception as exc:  # noqa: BLE001 -- the ticker beats again
            service.log_failure(exc, 'heartbeat of %s failed', self.host)

    def heartbeat(self, ctx):
        self.conductor.service_heartbeat(ctx, self.host, BINARY,
                                         rpcapi.TOPIC)

    def tasks(self, heartbeat=True):
        """``[(interval(), callable(ctx))]``: the heartbeat (unless the
        caller beats for many hosts at once) and the manager's periodic
        tasks, each interval asked anew every run."""
        tasks = ([(lambda: self.base_conf.report_interval, self.heartbeat)]
                 if heartbeat else [])
        for index, (interval, task) in enumerate(
                self.manager.periodic_tasks()):
            tasks.append((lambda i=index, first=interval:
                          self._interval(i, first), task))
        return tasks

    def _interval(self, index, default):
        # A reload may change the manager's list (a task turned off):
        # keep the interval the task started with then.
        tasks = self.manager.periodic_tasks()
        return tasks[index][0] if index < len(tasks) else default

    def finish(self):
        """Once the process stopped serving RPC: close the libvirt
        connection."""
        self.manager.cleanup_host()


class Ticker:
    """Runs many ``(interval(), task(ctx))`` on one timer thread and a
    pool of ``workers`` threads. A task still running when it falls due
    again is skipped that time (never two runs of one task at once)."""

    def __init__(self, workers=8, clock=time.monotonic):
        self._clock = clock
        self._heap = []
        self._seq = 0
        self._cond = threading.Condition()
        self._stopped = False
        self._running = set()
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix='sim-periodic')
        self._thread = None

    def add(self, interval, task, first_delay, name=''):
        with self._cond:
            self._seq += 1
            heapq.heappush(self._heap, (self._clock() + first_delay,
                                        self._seq, interval, task, name))
            self._cond.notify()

    def start(self):
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name='sim-ticker')
        self._thread.start()

    def due(self):
        """Pop the entries due now, queueing each again at its next time;
        returns those to run (not those still running)."""
        now = self._clock()
        ready = []
        while self._heap and self._heap[0][0] <= now:
            when, seq, interval, task, name = heapq.heappop(self._heap)
            try:
                nxt = when + max(0.01, interval())
            except Exception:  # noqa: BLE001 -- the timer must not die
                LOG.exception('interval of %s', name)
                nxt = when + 60
            heapq.heappush(self._heap, (max(nxt, now), seq, interval, task,
                                        name))
            if seq not in self._running:
                self._running.add(seq)
                ready.append((seq, task, name))
        return ready

    def _loop(self):
        while True:
            with self._cond:
                if self._stopped:
                    return
                ready = self.due()
                if not ready:
                    wait = (self._heap[0][0] - self._clock()
                            if self._heap else None)
                    self._cond.wait(wait)
                    continue
            for seq, task, name in ready:
                try:
                    self._pool.submit(self._run, seq, task, name)
                except RuntimeError:     # the pool shut down meanwhile
                    return

    def _run(self, seq, task, name):
        try:
            task(nl_context.get_admin_context())
        except Exception as exc:  # noqa: BLE001 -- keep ticking
            service.log_failure(exc, 'periodic task %s failed', name)
        finally:
            with self._cond:
                self._running.discard(seq)

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._pool.shutdown(wait=True, cancel_futures=True)


class SimulatedHosts:
    """``count`` simulated compute hosts named ``prefix-0001`` ... in this
    process, started and stopped together (under ``service.Lifecycle``).

    :param state_dir: where each host's node XML and instances path go
        (``<state_dir>/<host>/``).
    :param rpc_workers: threads of the hosts' shared RPC executor pool.
    :param start_workers: hosts starting at once (libvirt open, first
        report and RPC server each cost a few round trips).
    """

    def __init__(self, conf, count, prefix='sim', node=None,
                 state_dir=None, rpc_workers=32, periodic_workers=8,
                 start_workers=16):
        if count < 1:
            raise ValueError('simulate at least one host')
        self.conf = conf
        self.binary = BINARY
        self.topic = rpcapi.TOPIC
        self.hosts = host_names(prefix, count)
        self.node = node or NodeSpec()
        self.state_dir = state_dir or os.path.join(conf.state_path,
                                                   'simulated-hosts')
        self.rpc_workers = rpc_workers
        self.start_workers = start_workers
        self.ticker = Ticker(workers=periodic_workers)
        self.agents = []
        self.servers = []
        self._intervals = {}

    def _build(self):
        conductor = conductor_rpcapi.ConductorAPI(self.conf)
        images = image_client_mod.ImageClient(self.conf)
        lifecycle = SharedLifecycle()
        return [Agent(self.conf, host, self.state_dir, self.node, conductor,
                      images, lifecycle=lifecycle)
                for host in self.hosts]

    def _each(self, func, agents, what, workers=None):
        """``func(agent)`` for every agent, ``workers`` (``start_workers``)
        at once; the first failure is raised once all have run."""
        errors = []
        with concurrent.futures.ThreadPoolExecutor(
                max_workers=workers or self.start_workers,
                thread_name_prefix='sim-' + what) as pool:
            futures = {pool.submit(func, agent): agent for agent in agents}
            for future in concurrent.futures.as_completed(futures):
                exc = future.exception()
                if exc is not None:
                    LOG.error('%s of simulated host %s failed: %s', what,
                              futures[future].host, exc)
                    errors.append(exc)
        if errors:
            raise errors[0]

    def _raise_fd_limit(self):
        """Each host holds a libvirt connection and files of its own (and
        the process a few per worker): lift the soft open-files limit to the hard one when
        a 1024 default would not do."""
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = 4 * len(self.hosts) + 256
        if soft != resource.RLIM_INFINITY and soft < want:
            new = want if hard == resource.RLIM_INFINITY else min(hard, want)
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            if new < want:
                LOG.warning('open files limited to %d; %d simulated hosts '
                            'may need %d', new, len(self.hosts), want)

    def start(self, notifier=None):
        self._raise_fd_limit()
        self.agents = self._build()
        began = time.monotonic()
        done = [0]
        lock = threading.Lock()

        def start_one(agent):
            agent.manager.init_host()
            with lock:
                done[0] += 1
                if notifier and done[0] % 100 == 0:
                    notifier.status('%d of %d simulated hosts up' % (
                        done[0], len(self.agents)))

        # In service.Service.start's order, for all hosts at once: check
        # each host, serve RPC, then the first report (a host reported up
        # must find its queue consumed).
        self._each(start_one, self.agents, 'start')
        self.servers = rpc.get_host_servers(
            self.conf, rpcapi.TOPIC, rpcapi.RPC_API_VERSION,
            {agent.host: agent.endpoints() for agent in self.agents})
        for server in self.servers:
            server.start(override_pool_size=self.rpc_workers)
        self._each(lambda agent: agent.first_beat(), self.agents, 'report')
        count = len(self.agents)
        # One heartbeat call for all hosts each report interval (conductor
        # RPC 1.8): a call per host was most of an idle conductor's work
        # at 1000 hosts (~100 calls a second).
        interval = lambda: self.conf.report_interval  # noqa: E731
        self.ticker.add(interval, self.heartbeats, interval(),
                        name='heartbeats')
        for index, agent in enumerate(self.agents):
            for tnum, (interval, task) in enumerate(
                    agent.tasks(heartbeat=False)):
                # Spread each task's first run over its interval, by host
                # (never at once: start() has just beaten and reported).
                phase = (index + 1 + tnum / 7.0) / count
                if phase > 1.0:
                    phase -= 1.0
                self.ticker.add(interval, task, phase * interval(),
                                name='%s:%s' % (agent.host, getattr(
                                    task, '__name__', 'task')))
        self.ticker.start()
        LOG.info('%d simulated compute hosts started in %.1f s (%s .. %s)',
                 count, time.monotonic() - began, self.hosts[0],
                 self.hosts[-1])

    def heartbeats(self, ctx):
        """Every host's heartbeat in one conductor call."""
        self.agents[0].conductor.service_heartbeats(
            ctx, [[a.host, BINARY, rpcapi.TOPIC] for a in self.agents])

    def reset(self):
        """After a config reload: intervals are read anew every run; the
        managers have no reset of their own."""

    def stop(self):
        """Stop taking messages on every host, let in-flight ones finish,
        close the libvirt connections."""
        began = time.monotonic()
        self.ticker.stop()
        try:
            for server in self.servers:
                server.stop()
            for server in self.servers:
                server.wait()
        finally:
            self._each(lambda agent: agent.finish(), self.agents, 'finish')
        LOG.info('%d simulated compute hosts stopped in %.1f s',
                 len(self.agents), time.monotonic() - began)


def serve(hosts, lifecycle=None):
    """Run ``hosts`` until SIGTERM or SIGINT, then drain."""
    lifecycle = lifecycle or service.Lifecycle(
        hosts.conf, '%s (%d simulated hosts)' % (BINARY, len(hosts.hosts)))
    try:
        lifecycle.run(hosts.start, hosts.stop, hosts.reset)
    finally:
        rpc.cleanup()
