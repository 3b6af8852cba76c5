"""Rally's statistics of a workload: the table per atomic action (min,
median, 90%ile, 95%ile, max, avg, success, count) with Rally's percentile
(linear interpolation) and rounding, and the concurrency over time."""

import collections
import math

COLUMNS = ('Action', 'Min (sec)', 'Median (sec)', '90%ile (sec)',
           '95%ile (sec)', 'Max (sec)', 'Avg (sec)', 'Success', 'Count')


def percentile(points, percent):
    """Rally's percentile (rally.task.processing.utils.percentile)."""
    if not points:
        return None
    points = sorted(points)
    k = (len(points) - 1) * percent
    f, c = math.floor(k), math.ceil(k)
    if f == c:
        return points[int(k)]
    return points[int(f)] * (c - k) + points[int(c)] * (k - f)


def merge_atomics(actions):
    """{name: {duration, count, failed}} of one iteration's actions, with
    repeated names merged as Rally does."""
    merged = collections.OrderedDict()
    for action in actions:
        item = merged.setdefault(action['name'], {'duration': 0.0,
                                                  'count': 0,
                                                  'failed': False})
        if action.get('started_at') is not None and action.get(
                'finished_at') is not None:
            item['duration'] += action['finished_at'] - action['started_at']
        item['count'] += 1
        item['failed'] = item['failed'] or bool(action.get('failed'))
    return merged


def _row(name, display, durations, successes, count_per_iteration=1):
    count = len(durations)
    has = bool(count)

    def rnd(value):
        return round(value, 3) if has and value is not None else 'n/a'
    return {
        'name': name, 'display_name': display,
        'count_per_iteration': count_per_iteration, 'children': [],
        'data': {
            'iteration_count': count,
            'min': rnd(min(durations) if has else None),
            'median': rnd(percentile(durations, 0.5)),
            '90%ile': rnd(percentile(durations, 0.9)),
            '95%ile': rnd(percentile(durations, 0.95)),
            'max': rnd(max(durations) if has else None),
            'avg': rnd(sum(durations) / count if has else None),
            'success': '%.1f%%' % (100.0 * sum(successes) / count)
            if has else 'n/a',
        }}


def durations(iterations):
    """Rally's ``statistics.durations``: {"atomics": [...], "total": {...}}.
    As in Rally, every iteration's duration counts (failed ones too) and
    ``success`` is the share that did not fail."""
    per_action = collections.OrderedDict()
    for it in iterations:
        merged = merge_atomics(it['atomic_actions'])
        if it['error'] and merged and not list(merged.values())[-1]['failed']:
            merged['<no-name-action>'] = {'duration': 0.0, 'count': 1,
                                          'failed': True}
        for name, item in merged.items():
            display = name if item['count'] == 1 else '%s (x%d)' % (
                name, item['count'])
            slot = per_action.setdefault(display, {
                'name': name, 'count': item['count'], 'durations': [],
                'ok': []})
            slot['durations'].append(item['duration'])
            slot['ok'].append(0 if item['failed'] else 1)
    atomics = [_row(s['name'], display, s['durations'], s['ok'], s['count'])
               for display, s in per_action.items()]
    totals = [it['duration'] + it['idle_duration'] for it in iterations]
    ok = [0 if it['error'] else 1 for it in iterations]
    total = _row('total', 'total', totals, ok)
    total['children'] = [
        _row('duration', 'duration', [it['duration'] for it in iterations],
             ok),
        _row('idle_duration', 'idle_duration',
             [it['idle_duration'] for it in iterations], ok)]
    return {'atomics': atomics, 'total': total}


def table_rows(stats):
    """Rows of Rally's table (the total's children indented as Rally's)."""
    rows = []

    def add(elem, depth=0):
        name = elem['display_name']
        if depth:
            name = ' %s> %s' % ('-' * depth, name)
        data = elem['data']
        rows.append([name, data['min'], data['median'], data['90%ile'],
                     data['95%ile'], data['max'], data['avg'],
                     data['success'], data['iteration_count']])
        for child in elem['children']:
            add(child, depth + 1)
    for elem in stats['atomics'] + [stats['total']]:
        add(elem)
    return rows


def format_table(stats):
    """Rally's table as text (Rally prints it with prettytable)."""
    rows = [list(COLUMNS)] + [[str(c) for c in r] for r in table_rows(stats)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    rule = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    out = [rule]
    for n, row in enumerate(rows):
        out.append('| ' + ' | '.join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths))) + ' |')
        if n == 0:
            out.append(rule)
    out.append(rule)
    return '\n'.join(out)


def concurrency_timeline(iterations, buckets=100):
    """[(seconds since start, iterations running)], sampled at ``buckets``
    points across the load."""
    if not iterations:
        return []
    start = min(it['timestamp'] for it in iterations)
    end = max(it['timestamp'] + it['duration'] for it in iterations)
    span = max(end - start, 1e-6)
    points = []
    for i in range(buckets + 1):
        t = start + span * i / buckets
        running = sum(1 for it in iterations
                      if it['timestamp'] <= t < it['timestamp']
                      + it['duration'])
        points.append((t - start, running))
    return points
