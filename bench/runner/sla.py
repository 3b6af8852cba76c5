"""Rally's SLA criteria, with Rally's detail strings, over a finished
workload's iterations."""


def _failure_rate(conf, iterations, _stats):
    low, high = float(conf.get('min', 0.0)), float(conf.get('max', 100.0))
    total = len(iterations)
    errors = sum(1 for it in iterations if it['error'])
    rate = errors * 100.0 / total if total else 0.0
    ok = low <= rate <= high
    return ok, 'Failure rate criteria %.2f%% <= %.2f%% <= %.2f%% - %s' % (
        low, rate, high, 'Passed' if ok else 'Failed')


def _max_seconds_per_iteration(conf, iterations, _stats):
    limit = float(conf)
    worst = max((it['duration'] for it in iterations), default=0.0)
    ok = worst <= limit
    return ok, 'Maximum seconds per iteration %.2fs <= %.2fs - %s' % (
        worst, limit, 'Passed' if ok else 'Failed')


def _max_avg_duration(conf, iterations, _stats):
    limit = float(conf)
    done = [it['duration'] for it in iterations if not it['error']]
    avg = sum(done) / len(done) if done else 0.0
    ok = avg <= limit
    return ok, 'Average duration of one iteration %.2fs <= %.2fs - %s' % (
        avg, limit, 'Passed' if ok else 'Failed')


def _max_avg_duration_per_atomic(conf, _iterations, stats):
    avgs = {a['name']: a['data']['avg'] for a in stats['atomics']}
    failed = {name: avgs.get(name) for name, limit in conf.items()
              if avgs.get(name) is not None and avgs[name] > float(limit)}
    ok = not failed
    return ok, 'Average duration of atomic actions %s - %s' % (
        ', '.join('%s %s <= %s' % (n, avgs.get(n), conf[n]) for n in conf),
        'Passed' if ok else 'Failed')


CRITERIA = {
    'failure_rate': _failure_rate,
    'max_seconds_per_iteration': _max_seconds_per_iteration,
    'max_avg_duration': _max_avg_duration,
    'max_avg_duration_per_atomic': _max_avg_duration_per_atomic,
}


def check(sla, iterations, stats):
    """Rally's ``sla_results``: [{"criterion", "success", "detail"}]. As in
    Rally, a workload whose task sets no criterion is judged by
    ``failure_rate: {max: 0}``."""
    sla = sla or {'failure_rate': {'max': 0}}
    results = []
    for criterion, conf in sla.items():
        ok, detail = CRITERIA[criterion](conf, iterations, stats)
        results.append({'criterion': criterion, 'success': bool(ok),
                        'detail': detail})
    return results
