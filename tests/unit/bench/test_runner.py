"""The built-in Rally-style runner without a cloud: task files, Rally's
statistics and SLA, the runners, the exit status and Rally's JSON shape.
Scenarios run against an in-memory stand-in of the cloud's client."""

import json
import os
import threading
import time

import pytest

from novalite.bench.runner import cli
from novalite.bench.runner import client as client_mod
from novalite.bench.runner import engine
from novalite.bench.runner import report
from novalite.bench.runner import scenarios
from novalite.bench.runner import sla
from novalite.bench.runner import stats
from novalite.bench.runner import task as task_mod

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
RALLY_TASK = os.path.join(REPO, 'rally-jobs', 'novalite.yaml')

# What Rally 5's JSON exporter (format 1.2) writes for each level.
RALLY_WORKLOAD_KEYS = [
    'uuid', 'description', 'runner', 'hooks', 'scenario', 'min_duration',
    'max_duration', 'start_time', 'load_duration', 'full_duration',
    'statistics', 'data', 'failed_iteration_count', 'total_iteration_count',
    'created_at', 'updated_at', 'contexts', 'contexts_results', 'position',
    'pass_sla', 'sla_results', 'sla']
RALLY_SUBTASK_KEYS = ['uuid', 'title', 'description', 'status', 'created_at',
                      'updated_at', 'sla', 'workloads']
RALLY_TASK_KEYS = ['uuid', 'title', 'description', 'status', 'tags',
                   'env_uuid', 'env_name', 'created_at', 'updated_at',
                   'pass_sla', 'subtasks']
RALLY_ITERATION_KEYS = {'duration', 'idle_duration', 'timestamp', 'error',
                        'output', 'atomic_actions'}
RALLY_STAT_KEYS = {'iteration_count', 'min', 'median', '90%ile', '95%ile',
                   'max', 'avg', 'success'}


# -- task files ---------------------------------------------------------------
def test_rally_task_file_renders_all_scenarios_with_defaults():
    task = task_mod.load(RALLY_TASK)
    assert [w.scenario for w in task.workloads] == [
        'NovaServers.boot_server', 'NovaServers.boot_and_delete_server',
        'NovaServers.boot_and_list_server',
        'NovaServers.boot_and_rebuild_server',
        'NovaServers.pause_and_unpause_server',
        'NovaServers.suspend_and_resume_server',
        'NovaServers.boot_and_delete_multiple_servers']
    for wl in task.workloads:
        assert wl.runner_type == 'constant'
        assert wl.runner == {'times': 20, 'concurrency': 4}
        assert wl.sla == {'failure_rate': {'max': 0}}
        assert wl.args['flavor'] == {'name': 'm1.nano'}
    rebuild = task.workloads[3].args
    assert rebuild['from_image'] == rebuild['to_image'] == {
        'name': 'novalite-bench'}
    assert task.workloads[6].args['count'] == 5


def test_task_args_override_the_template_defaults():
    task = task_mod.load(RALLY_TASK, task_mod.parse_args(
        '{"times": 6, "concurrency": 3, "image_name": "cirros", "count": 2}'))
    assert {w.times for w in task.workloads} == {6}
    assert {w.concurrency for w in task.workloads} == {3}
    assert task.workloads[0].args['image'] == {'name': 'cirros'}
    assert task.workloads[6].args['count'] == 2


def test_version_1_task_and_rps_runner():
    task = task_mod.loads(json.dumps({
        'NovaServers.boot_and_delete_server': [{
            'args': {'image': {'name': 'i'}, 'flavor': {'name': 'f'}},
            'runner': {'type': 'rps', 'times': 10, 'rps': 5,
                       'max_concurrency': 3},
            'sla': {'failure_rate': {'max': 0}}}]}))
    [wl] = task.workloads
    assert (wl.runner_type, wl.times, wl.concurrency) == ('rps', 10, 3)


def test_version_2_task_with_workloads_list():
    task = task_mod.loads('''
version: 2
title: t
subtasks:
  - title: two
    workloads:
      - scenario: {NovaServers.boot_server: {image: x, flavor: "1"}}
        runner: {constant: {times: 2}}
      - scenario: {NovaServers.boot_server: {image: x, flavor: "1"}}
        runner: {serial: {times: 3}}
''')
    assert [(w.runner_type, w.times, w.concurrency)
            for w in task.workloads] == [('constant', 2, 1),
                                         ('serial', 3, 1)]
    assert [w.position for w in task.workloads] == [0, 1]


@pytest.mark.parametrize('body, message', [
    ({'NovaServers.boot_server_from_volume': [{'args': {}}]},
     'not supported by the built-in runner'),
    ({'NovaServers.boot_server': [{'args': {}, 'runner': {
        'type': 'constant_for_duration', 'duration': 1}}]},
     'runner constant_for_duration is not supported'),
    ({'NovaServers.boot_server': [{'args': {}, 'runner': {
        'type': 'constant', 'times': 0}}]}, 'positive integer'),
    ({'NovaServers.boot_server': [{'args': {}, 'runner': {
        'type': 'rps', 'times': 3}}]}, "needs 'rps'"),
    ({'NovaServers.boot_server': [{'args': {}, 'sla': {
        'outliers': {}}}]}, 'SLA criterion outliers'),
    ({}, 'no workloads'),
])
def test_task_errors(body, message):
    with pytest.raises(task_mod.TaskError, match=message):
        task_mod.loads(json.dumps(body))


# -- statistics and SLA -------------------------------------------------------
def _it(duration, error=False, actions=(), ts=1000.0):
    atomics = []
    t = ts
    for name, dur, *failed in actions:
        atomics.append({'name': name, 'started_at': t, 'finished_at': t + dur,
                        'children': [], **({'failed': True} if failed
                                           else {})})
        t += dur
    return {'duration': duration, 'idle_duration': 0.0, 'timestamp': ts,
            'error': ['X', 'boom', 'tb'] if error else [],
            'output': {'additive': [], 'complete': []},
            'atomic_actions': atomics}


def test_percentile_is_rallys_linear_interpolation():
    points = [1.0, 2.0, 3.0, 4.0]
    assert stats.percentile(points, 0.5) == 2.5
    assert stats.percentile(points, 0.9) == pytest.approx(3.7)
    assert stats.percentile([5.0], 0.95) == 5.0
    assert stats.percentile([], 0.5) is None


def test_durations_table_success_and_failed_actions():
    its = [_it(0.3, actions=[('nova.boot_server', 0.2),
                             ('nova.delete_server', 0.1)]),
           _it(0.5, actions=[('nova.boot_server', 0.4),
                             ('nova.delete_server', 0.1)]),
           _it(0.2, error=True, actions=[('nova.boot_server', 0.2, True)])]
    result = stats.durations(its)
    boot, delete = result['atomics']
    assert boot['name'] == 'nova.boot_server'
    assert set(boot['data']) == RALLY_STAT_KEYS
    assert boot['data']['iteration_count'] == 3
    assert boot['data']['success'] == '66.7%'
    assert boot['data']['median'] == 0.2
    assert boot['data']['max'] == 0.4
    assert delete['data']['iteration_count'] == 2
    assert delete['data']['success'] == '100.0%'
    total = result['total']
    assert total['data']['success'] == '66.7%'
    assert total['data']['avg'] == round((0.3 + 0.5 + 0.2) / 3, 3)
    assert [c['name'] for c in total['children']] == ['duration',
                                                      'idle_duration']
    rows = stats.table_rows(result)
    assert [r[0] for r in rows] == ['nova.boot_server', 'nova.delete_server',
                                    'total', ' -> duration',
                                    ' -> idle_duration']
    text = stats.format_table(result)
    assert 'Median (sec)' in text and '66.7%' in text


def test_repeated_and_unwrapped_failures_as_rally():
    its = [_it(0.4, error=True, actions=[('nova.list_servers', 0.1),
                                         ('nova.list_servers', 0.1)])]
    result = stats.durations(its)
    names = [a['display_name'] for a in result['atomics']]
    assert names == ['nova.list_servers (x2)', '<no-name-action>']
    assert result['atomics'][0]['data']['median'] == 0.2


def test_sla_failure_rate_and_defaults():
    ok = [_it(0.1), _it(0.2)]
    bad = ok + [_it(0.1, error=True)]
    [res] = sla.check({'failure_rate': {'max': 0}}, ok, stats.durations(ok))
    assert res['success'] and res['criterion'] == 'failure_rate'
    [res] = sla.check({}, bad, stats.durations(bad))
    assert not res['success']
    assert '33.33%' in res['detail']
    [res] = sla.check({'failure_rate': {'max': 50}}, bad,
                      stats.durations(bad))
    assert res['success']
    res = sla.check({'max_seconds_per_iteration': 0.15,
                     'max_avg_duration': 1}, ok, stats.durations(ok))
    assert [r['success'] for r in res] == [False, True]


# -- running against a stand-in cloud -----------------------------------------
class FakeClient:
    """The compute API in memory: servers go ACTIVE at once."""

    def __init__(self, store, fail_every=0):
        self.store = store
        self.fail_every = fail_every

    def create_server(self, name, image_id, flavor_id, count=1, **extra):
        with self.store['lock']:
            self.store['creates'] += 1
            if self.fail_every and self.store['creates'] % self.fail_every \
                    == 0:
                raise client_mod.IterationError('server went to ERROR')
            ids = []
            for i in range(count):
                self.store['ids'] += 1
                sid = 'srv-%d' % self.store['ids']
                self.store['servers'][sid] = {
                    'id': sid, 'name': name if count == 1 else
                    '%s-%d' % (name, i + 1), 'status': 'ACTIVE'}
                ids.append(sid)
        return ids[0]

    def list_servers(self, detailed=True):
        return list(self.store['servers'].values())

    def wait_status(self, server_id, status, timeout=None):
        time.sleep(0.002)
        self.store['servers'][server_id]['status'] = status

    def action(self, server_id, name, value=None):
        pass

    def delete_server(self, server_id):
        self.store['servers'].pop(server_id, None)

    def wait_gone(self, server_id, timeout=None):
        pass


class FakeCloud:
    def __init__(self, fail_every=0):
        self.store = {'servers': {}, 'creates': 0, 'ids': 0,
                      'lock': threading.Lock()}
        self.fail_every = fail_every
        self.clients = set()
        self._local = threading.local()

    def client(self):
        if not hasattr(self._local, 'c'):
            self._local.c = FakeClient(self.store, self.fail_every)
            self.clients.add(id(self._local.c))
        return self._local.c

    def image_id(self, ref):
        return 'image-' + ref['name']

    def flavor_id(self, ref):
        return '42'


def _task(runner, scenario='NovaServers.boot_and_delete_server', **args):
    body = {'version': 2, 'title': 'unit', 'subtasks': [{
        'title': scenario, 'scenario': {scenario: dict(
            {'image': {'name': 'i'}, 'flavor': {'name': 'm1.nano'}}, **args)},
        'runner': runner, 'sla': {'failure_rate': {'max': 0}}}]}
    return task_mod.loads(json.dumps(body))


def test_constant_runner_one_client_per_worker_thread():
    cloud = FakeCloud()
    task = _task({'constant': {'times': 12, 'concurrency': 3}})
    result = engine.WorkloadRun(task.workloads[0], cloud).run()
    assert len(result['iterations']) == 12
    assert result['pass_sla']
    assert len(cloud.clients) <= 4      # three workers and the cleanup
    assert cloud.store['servers'] == {}
    assert result['servers_booted'] == 12
    names = [a['name'] for a in result['iterations'][0]['atomic_actions']]
    assert names == ['nova.boot_server', 'nova.delete_server']


def test_boot_server_leftovers_are_cleaned_up_after_the_load():
    cloud = FakeCloud()
    task = _task({'constant': {'times': 5, 'concurrency': 2}},
                 scenario='NovaServers.boot_server')
    result = engine.WorkloadRun(task.workloads[0], cloud).run()
    assert result['pass_sla'] and cloud.store['servers'] == {}


def test_multiple_servers_scenario_counts_servers():
    cloud = FakeCloud()
    task = _task({'constant': {'times': 2, 'concurrency': 1}},
                 scenario='NovaServers.boot_and_delete_multiple_servers',
                 count=3)
    result = engine.WorkloadRun(task.workloads[0], cloud).run()
    assert result['pass_sla'], result['iterations'][0]['error']
    assert result['servers_booted'] == 6


def test_rps_runner_paces_iteration_starts():
    cloud = FakeCloud()
    task = _task({'rps': {'times': 6, 'rps': 50, 'max_concurrency': 2}})
    result = engine.WorkloadRun(task.workloads[0], cloud).run()
    starts = sorted(it['timestamp'] for it in result['iterations'])
    assert len(starts) == 6
    assert starts[-1] - starts[0] >= 5 * 0.02 * 0.9


def test_deadline_bounds_the_load_and_fails_the_sla():
    cloud = FakeCloud()
    task = _task({'constant': {'times': 100000, 'concurrency': 2,
                               'timeout': 0.2}})
    began = time.monotonic()
    result = engine.WorkloadRun(task.workloads[0], cloud).run()
    assert time.monotonic() - began < 5
    assert len(result['iterations']) < 100000
    assert not result['pass_sla']
    assert result['sla_results'][-1]['criterion'] == 'something_went_wrong'


def _write_task(tmp_path):
    path = tmp_path / 'task.yaml'
    path.write_text('''
{% set times = times or 6 %}
version: 2
title: unit
subtasks:
  - title: boot and delete
    scenario:
      NovaServers.boot_and_delete_server:
        image: {name: "i"}
        flavor: {name: "m1.nano"}
    runner: {constant: {times: {{ times }}, concurrency: 3}}
    sla: {failure_rate: {max: 0}}
''')
    return str(path)


@pytest.mark.parametrize('fail_every, status', [(0, 0), (3, 1)])
def test_exit_status_follows_the_sla(tmp_path, monkeypatch, capsys,
                                     fail_every, status):
    cloud = FakeCloud(fail_every)
    monkeypatch.setattr(client_mod.Cloud, 'from_config',
                        classmethod(lambda cls, name, **kw: cloud))
    out = tmp_path / 'out'
    rc = cli.main([_write_task(tmp_path), '--cloud', 'unit', '--out',
                   str(out)])
    assert rc == status
    printed = capsys.readouterr().out
    assert 'nova.boot_server' in printed and 'Load duration' in printed
    assert ('SLA FAILED' in printed) == bool(status)
    doc = json.loads((out / 'report.json').read_text())
    assert doc['tasks'][0]['pass_sla'] == (status == 0)
    html = (out / 'report.html').read_text()
    assert html.count('<svg') == 3 and 'nova.delete_server' in html


def test_bad_task_exits_2(tmp_path, capsys):
    path = tmp_path / 'bad.yaml'
    path.write_text('{"NovaServers.boot_server_from_volume": [{}]}')
    assert cli.main([str(path), '--cloud', 'x']) == 2
    assert 'not supported' in capsys.readouterr().err


def test_json_report_has_rallys_shape():
    cloud = FakeCloud()
    task = _task({'constant': {'times': 3, 'concurrency': 1}})
    result = engine.WorkloadRun(task.workloads[0], cloud).run()
    doc = json.loads(json.dumps(report.to_json(task, [result])))
    assert set(doc['info']) == {'rally_version', 'generated_at',
                                'format_version'}
    assert doc['info']['format_version'] == '1.2'
    [tsk] = doc['tasks']
    assert list(tsk) == RALLY_TASK_KEYS
    [sub] = tsk['subtasks']
    assert list(sub) == RALLY_SUBTASK_KEYS
    [wl] = sub['workloads']
    assert list(wl) == RALLY_WORKLOAD_KEYS
    assert wl['runner'] == {'constant': {'times': 3, 'concurrency': 1}}
    assert list(wl['scenario']) == ['NovaServers.boot_and_delete_server']
    assert wl['total_iteration_count'] == 3
    assert wl['failed_iteration_count'] == 0
    assert wl['sla_results']['sla'][0]['criterion'] == 'failure_rate'
    assert set(wl['statistics']['durations']) == {'atomics', 'total'}
    for it in wl['data']:
        assert set(it) == RALLY_ITERATION_KEYS
        for action in it['atomic_actions']:
            assert {'name', 'started_at', 'finished_at',
                    'children'} <= set(action)


def test_progress_bar_only_on_a_terminal(tmp_path):
    class Tty:
        def __init__(self, tty):
            self.tty, self.text = tty, ''

        def isatty(self):
            return self.tty

        def write(self, text):
            self.text += text

        def flush(self):
            pass
    on, off = Tty(True), Tty(False)
    for stream in (on, off):
        bar = engine.Progress('w', 2, stream)
        bar.update(started=1)
        bar.update(finished=1)
        bar.close()
    assert '1/2' in on.text and '\r' in on.text
    assert off.text == ''


def test_scenario_table_matches_rally_names():
    assert set(scenarios.SCENARIOS) == {
        'NovaServers.boot_server', 'NovaServers.boot_and_delete_server',
        'NovaServers.boot_and_list_server',
        'NovaServers.boot_and_rebuild_server',
        'NovaServers.pause_and_unpause_server',
        'NovaServers.suspend_and_resume_server',
        'NovaServers.boot_and_delete_multiple_servers'}
