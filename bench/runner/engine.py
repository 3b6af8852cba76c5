"""Running one workload: Rally's ``constant`` runner (``concurrency``
worker threads sharing ``times`` iterations), ``rps`` (iterations started
at ``rps`` per second, at most ``max_concurrency`` at once) and ``serial``.
Each worker thread keeps one HTTP session for all its iterations; the load
is bounded by ``times`` and by a deadline (``timeout``), after which no new
iteration starts. Servers an iteration leaves behind (boot_server, or a
failure) are deleted after the load, outside the measurement."""

import itertools
import queue
import sys
import threading
import time
import traceback

from novalite.bench.runner import client as client_mod
from novalite.bench.runner import scenarios
from novalite.bench.runner import sla as sla_mod
from novalite.bench.runner import stats


class Progress:
    """A one-line progress bar on a terminal; nothing otherwise."""

    def __init__(self, title, total, stream=None):
        self.title = title
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.done = self.failed = self.running = 0
        self.began = time.monotonic()
        self._lock = threading.Lock()
        self._last = 0.0

    def update(self, started=0, finished=0, failed=0, force=False):
        with self._lock:
            self.running += started - finished
            self.done += finished
            self.failed += failed
            now = time.monotonic()
            if not self.enabled or (now - self._last < 0.1 and not force):
                return
            self._last = now
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            rate = self.done / max(now - self.began, 1e-6)
            self.stream.write('\r%-44s [%s%s] %d/%d  %d running  %d failed  '
                              '%.1f it/s ' % (
                                  self.title[:44], '#' * filled,
                                  '.' * (width - filled), self.done,
                                  self.total, self.running, self.failed,
                                  rate))
            self.stream.flush()

    def close(self):
        if self.enabled:
            self.update(force=True)
            self.stream.write('\n')
            self.stream.flush()


class WorkloadRun:
    """One workload against one cloud; ``run()`` returns its result."""

    def __init__(self, workload, cloud, timeout=600.0, progress_stream=None):
        self.workload = workload
        self.cloud = cloud
        self.timeout = float(workload.runner.get('timeout') or timeout)
        self.progress = Progress(workload.title, workload.times,
                                 progress_stream)
        self.scenario = scenarios.SCENARIOS[workload.scenario]
        self.servers = set()
        self.iterations = []
        self._lock = threading.Lock()

    # -- one iteration -------------------------------------------------------
    def _iteration(self, number, resources):
        ctx = scenarios.Iteration(number, self.cloud.client(), resources,
                                  self.servers)
        error = []
        self.progress.update(started=1)
        began_wall, began = time.time(), time.perf_counter()
        try:
            self.scenario(ctx, self.workload.args)
        except Exception as exc:  # noqa: BLE001 -- recorded as Rally does
            error = [type(exc).__name__, str(exc),
                     traceback.format_exc(limit=6)]
        duration = time.perf_counter() - began
        result = {'duration': duration, 'idle_duration': 0.0,
                  'timestamp': began_wall, 'error': error,
                  'output': {'additive': [], 'complete': []},
                  'atomic_actions': ctx.atomic_actions}
        with self._lock:
            self.iterations.append(result)
        self.progress.update(finished=1, failed=1 if error else 0)

    # -- runners --------------------------------------------------------------
    def _constant(self, resources, deadline):
        counter = itertools.count()
        times = self.workload.times

        def worker():
            while time.monotonic() < deadline:
                number = next(counter)
                if number >= times:
                    return
                self._iteration(number, resources)
        threads = [threading.Thread(target=worker, daemon=True)
                   for _ in range(min(self.workload.concurrency, times))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _rps(self, resources, deadline):
        """Iterations started at ``rps`` per second by a pool of at most
        ``max_concurrency`` threads; one that finds every thread busy
        starts late (as Rally's does)."""
        times = self.workload.times
        interval = 1.0 / float(self.workload.runner['rps'])
        starts = queue.Queue()

        def worker():
            while True:
                number = starts.get()
                if number is None:
                    return
                self._iteration(number, resources)
        pool = [threading.Thread(target=worker, daemon=True)
                for _ in range(min(self.workload.concurrency, times))]
        for thread in pool:
            thread.start()
        first = time.monotonic()
        for number in range(times):
            wait = first + number * interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if time.monotonic() >= deadline:
                break
            starts.put(number)
        for _ in pool:
            starts.put(None)
        for thread in pool:
            thread.join()

    def run(self):
        wl = self.workload
        created_at = time.time()
        resources = scenarios.resolve(self.cloud, wl.args)
        deadline = time.monotonic() + self.timeout
        load_began = time.perf_counter()
        start_time = time.time()
        if wl.runner_type == 'rps':
            self._rps(resources, deadline)
        else:
            self._constant(resources, deadline)
        load_duration = time.perf_counter() - load_began
        self.progress.close()
        self.cleanup()
        full_duration = time.time() - created_at
        self.iterations.sort(key=lambda it: it['timestamp'])
        durations = stats.durations(self.iterations)
        sla_results = sla_mod.check(wl.sla, self.iterations, durations)
        if len(self.iterations) < wl.times:
            sla_results.append({
                'criterion': 'something_went_wrong', 'success': False,
                'detail': 'only %d of %d iterations ran within %ss' % (
                    len(self.iterations), wl.times, self.timeout)})
        return {'workload': wl, 'iterations': self.iterations,
                'statistics': {'durations': durations},
                'sla_results': sla_results,
                'pass_sla': all(r['success'] for r in sla_results),
                'load_duration': load_duration,
                'full_duration': full_duration,
                'start_time': start_time, 'created_at': created_at,
                'servers_booted': _servers_booted(wl, self.iterations),
                'leftovers': self.leftovers}

    def cleanup(self):
        """Delete what the iterations left (boot_server's servers, or those
        of failed iterations), then wait until they are gone."""
        self.leftovers = []
        client = self.cloud.client()
        for server_id in sorted(self.servers):
            try:
                client.delete_server(server_id)
            except client_mod.ApiError as exc:
                self.leftovers.append('%s: %s' % (server_id, exc))
        for server_id in sorted(self.servers):
            try:
                client.wait_gone(server_id, timeout=120)
            except client_mod.IterationError as exc:
                self.leftovers.append(str(exc))
        self.servers.clear()


def _servers_booted(workload, iterations):
    """Servers that reached ACTIVE, for servers/s."""
    per = int(workload.args.get('count', 2)) if workload.scenario.endswith(
        'multiple_servers') else 1
    booted = 0
    for it in iterations:
        names = [a['name'] for a in it['atomic_actions'] if not a.get(
            'failed')]
        if 'nova.boot_server' in names or 'nova.boot_servers' in names:
            booted += per
    return booted
