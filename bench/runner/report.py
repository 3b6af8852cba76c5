"""Reports of a run: Rally's JSON report (format 1.2, what ``rally task
report --json`` writes, so tools that read Rally's reports read this), a
single-file HTML report with inline SVG charts, and the console summary."""

import datetime
import html
import json
import uuid

from novalite.bench.runner import stats

FORMAT_VERSION = '1.2'
TIMEFORMAT = '%Y-%m-%dT%H:%M:%S'


def _iso(ts):
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime(TIMEFORMAT)


def _workload_json(result):
    wl = result['workload']
    its = result['iterations']
    done = [it['duration'] for it in its]
    return {
        'uuid': str(uuid.uuid4()),
        'description': wl.description,
        'runner': {wl.runner_type: wl.runner},
        'hooks': [],
        'scenario': {wl.scenario: wl.args},
        'min_duration': min(done) if done else None,
        'max_duration': max(done) if done else None,
        'start_time': result['start_time'],
        'load_duration': result['load_duration'],
        'full_duration': result['full_duration'],
        'statistics': result['statistics'],
        'data': its,
        'failed_iteration_count': sum(1 for it in its if it['error']),
        'total_iteration_count': len(its),
        'created_at': _iso(result['created_at']),
        'updated_at': _iso(result['created_at'] + result['full_duration']),
        'contexts': wl.contexts,
        'contexts_results': [],
        'position': 0,
        'pass_sla': result['pass_sla'],
        'sla_results': {'sla': result['sla_results']},
        'sla': wl.sla,
    }


def to_json(task, results, env_name='novalite-bench'):
    """The whole run in Rally's JSON report format: one task, one subtask
    per workload (as Rally makes of a version 2 task)."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime(TIMEFORMAT)
    subtasks = []
    for result in results:
        wl = _workload_json(result)
        subtasks.append({
            'uuid': str(uuid.uuid4()), 'title': result['workload'].title,
            'description': result['workload'].description,
            'status': 'finished', 'created_at': wl['created_at'],
            'updated_at': wl['updated_at'], 'sla': {}, 'workloads': [wl]})
    return {
        'info': {'rally_version': 'novalite-bench', 'generated_at': now,
                 'format_version': FORMAT_VERSION},
        'tasks': [{
            'uuid': str(uuid.uuid4()), 'title': task.title,
            'description': task.description, 'status': 'finished',
            'tags': [], 'env_uuid': 'n/a', 'env_name': env_name,
            'created_at': subtasks[0]['created_at'] if subtasks else now,
            'updated_at': now,
            'pass_sla': all(r['pass_sla'] for r in results),
            'subtasks': subtasks}]}


def summary_line(result):
    its = result['iterations']
    wl = result['workload']
    load = result['load_duration']
    return ('Load duration: %.3f s  Full duration: %.3f s  Iterations: %d '
            '(%d failed)  Concurrency: %s  Servers booted: %d (%.1f '
            'servers/s)' % (
                load, result['full_duration'], len(its),
                sum(1 for it in its if it['error']),
                wl.runner.get('concurrency', wl.runner.get('rps', 1)),
                result['servers_booted'],
                result['servers_booted'] / load if load else 0.0))


def console(result):
    """Rally-like text block of one workload: title, table, summary, SLA."""
    lines = ['', '-' * 79, '%s  (%s runner: %s)' % (
        result['workload'].title, result['workload'].runner_type,
        json.dumps(result['workload'].runner)), '-' * 79,
        stats.format_table(result['statistics']['durations']),
        summary_line(result)]
    for sla in result['sla_results']:
        lines.append('SLA %-26s %s  %s' % (
            sla['criterion'], 'PASS' if sla['success'] else 'FAIL',
            sla['detail']))
    errors = [it['error'] for it in result['iterations'] if it['error']]
    for err in errors[:3]:
        lines.append('error: %s: %s' % (err[0], err[1]))
    if result.get('leftovers'):
        lines.append('cleanup left: %s' % '; '.join(result['leftovers']))
    return '\n'.join(lines)


# -- HTML ---------------------------------------------------------------------
W, H, PAD = 640, 220, 40


def _scale(values, lo, hi, out_lo, out_hi):
    span = (hi - lo) or 1.0
    return [out_lo + (v - lo) * (out_hi - out_lo) / span for v in values]


def _axes(title, xlabel, ylabel, ymax):
    return ('<text x="%d" y="14" class="t">%s</text>'
            '<line x1="%d" y1="%d" x2="%d" y2="%d" class="ax"/>'
            '<line x1="%d" y1="%d" x2="%d" y2="%d" class="ax"/>'
            '<text x="%d" y="%d" class="l">%s</text>'
            '<text x="4" y="%d" class="l">%s</text>'
            '<text x="4" y="%d" class="l">%s</text>' % (
                PAD, html.escape(title), PAD, H - PAD, W - 10, H - PAD,
                PAD, 20, PAD, H - PAD, W // 2, H - 8, html.escape(xlabel),
                28, html.escape('%.3g %s' % (ymax, ylabel)),
                H - PAD, '0'))


def svg_line(title, points, xlabel, ylabel, step=False):
    """A line chart of [(x, y)] as inline SVG."""
    if not points:
        return ''
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    ymax = max(ys) or 1.0
    px = _scale(xs, min(xs), max(xs), PAD, W - 10)
    py = _scale(ys, 0, ymax, H - PAD, 20)
    coords = []
    for i, (x, y) in enumerate(zip(px, py)):
        if step and i:
            coords.append('%.1f,%.1f' % (x, py[i - 1]))
        coords.append('%.1f,%.1f' % (x, y))
    return ('<svg width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">'
            '%s<polyline points="%s" class="ln"/></svg>' % (
                W, H, _axes(title, xlabel, ylabel, ymax), ' '.join(coords)))


def svg_histogram(title, values, bins=20):
    if not values:
        return ''
    lo, hi = min(values), max(values)
    width = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / width))] += 1
    top = max(counts)
    bar_w = (W - 10 - PAD) / bins
    bars = []
    for i, c in enumerate(counts):
        h = (H - PAD - 20) * c / top
        bars.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" '
                    'class="br"><title>%.3f-%.3f s: %d</title></rect>' % (
                        PAD + i * bar_w, H - PAD - h, bar_w - 1, h,
                        lo + i * width, lo + (i + 1) * width, c))
    return ('<svg width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">'
            '%s%s<text x="%d" y="%d" class="l">%.3f s</text>'
            '<text x="%d" y="%d" class="l">%.3f s</text></svg>' % (
                W, H, _axes(title, 'duration', 'iterations', top),
                ''.join(bars), PAD, H - PAD + 14, lo, W - 60, H - PAD + 14,
                hi))


_CSS = """body{font-family:sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;
padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
th{background:#eee}.fail{color:#b00}.pass{color:#070}
svg{margin:4px;border:1px solid #ddd;background:#fcfcfc}
.ax{stroke:#888}.ln{fill:none;stroke:#2a6ebb;stroke-width:1.5}
.br{fill:#2a6ebb}.t{font-size:13px;font-weight:bold}.l{font-size:11px}"""


def _table_html(result):
    rows = stats.table_rows(result['statistics']['durations'])
    out = ['<table><tr>%s</tr>' % ''.join(
        '<th>%s</th>' % html.escape(c) for c in stats.COLUMNS)]
    for row in rows:
        out.append('<tr>%s</tr>' % ''.join(
            '<td>%s</td>' % html.escape(str(c)) for c in row))
    out.append('</table>')
    return ''.join(out)


def _workload_html(result):
    its = result['iterations']
    start = min((it['timestamp'] for it in its), default=0.0)
    per_iter = [(i + 1, it['duration']) for i, it in enumerate(its)]
    parts = ['<h2 id="w%d">%s</h2>' % (result['workload'].position,
                                       html.escape(result['workload'].title)),
             '<p>%s</p>' % html.escape(summary_line(result)),
             _table_html(result), '<ul>']
    for sla in result['sla_results']:
        parts.append('<li class="%s">SLA %s: %s</li>' % (
            'pass' if sla['success'] else 'fail',
            html.escape(sla['criterion']), html.escape(sla['detail'])))
    parts.append('</ul>')
    parts.append(svg_line('Duration per iteration', per_iter,
                          'iteration (in start order)', 's'))
    parts.append(svg_histogram('Histogram of iteration durations',
                               [it['duration'] for it in its]))
    parts.append(svg_line('Concurrency over time',
                          stats.concurrency_timeline(its),
                          's since start', 'running', step=True))
    errors = [it for it in its if it['error']]
    if errors:
        parts.append('<h3>Errors (%d)</h3><pre>%s</pre>' % (
            len(errors), html.escape('\n\n'.join(
                '%.3f s: %s' % (it['timestamp'] - start, it['error'][2])
                for it in errors[:20]))))
    return ''.join(parts)


def to_html(task, results, source=''):
    passed = all(r['pass_sla'] for r in results)
    index = ''.join('<li><a href="#w%d">%s</a> — %s</li>' % (
        r['workload'].position, html.escape(r['workload'].title),
        'SLA passed' if r['pass_sla'] else 'SLA FAILED') for r in results)
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s'
            '</title><style>%s</style></head><body><h1>%s</h1>'
            '<p>%s</p><p class="%s">%s</p><ul>%s</ul>%s</body></html>' % (
                html.escape(task.title), _CSS, html.escape(task.title),
                html.escape(source), 'pass' if passed else 'fail',
                'All SLAs passed' if passed else 'SLA FAILED', index,
                ''.join(_workload_html(r) for r in results)))
