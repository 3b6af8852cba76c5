"""novalite-bench, the built-in Rally-style runner, end to end: the console
script runs the project's own Rally task file (rally-jobs/novalite.yaml,
every scenario, a few iterations at concurrency 3) against a disposable
cloud it starts itself (the services as processes, two compute agents on
libvirt's test:///default, RabbitMQ, SQLite), and every iteration passes."""

import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TASK = os.path.join(REPO, 'rally-jobs', 'novalite.yaml')
SCENARIOS = {
    'NovaServers.boot_server': ['nova.boot_server'],
    'NovaServers.boot_and_delete_server': ['nova.boot_server',
                                           'nova.delete_server'],
    'NovaServers.boot_and_list_server': ['nova.boot_server',
                                         'nova.list_servers'],
    'NovaServers.boot_and_rebuild_server': [
        'nova.boot_server', 'nova.rebuild_server', 'nova.delete_server'],
    'NovaServers.pause_and_unpause_server': [
        'nova.boot_server', 'nova.pause_server', 'nova.unpause_server',
        'nova.delete_server'],
    'NovaServers.suspend_and_resume_server': [
        'nova.boot_server', 'nova.suspend_server', 'nova.resume_server',
        'nova.delete_server'],
    'NovaServers.boot_and_delete_multiple_servers': [
        'nova.boot_servers', 'nova.delete_servers'],
}


def test_rally_task_file_on_a_disposable_cloud(tmp_path):
    out = tmp_path / 'report'
    bench = os.path.join(os.path.dirname(sys.executable), 'novalite-bench')
    proc = subprocess.run(
        [bench, TASK, '--hosts', '2', '--out', str(out), '--timeout', '60',
         '--task-args', '{"times": 6, "concurrency": 3, "count": 2}'],
        capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-4000:]
    assert 'All SLAs passed' in proc.stdout
    assert proc.stdout.count('Median (sec)') == len(SCENARIOS)

    doc = json.loads((out / 'report.json').read_text())
    [task] = doc['tasks']
    assert task['pass_sla'] is True
    seen = {}
    for sub in task['subtasks']:
        [wl] = sub['workloads']
        [name] = wl['scenario']
        seen[name] = wl
        assert wl['total_iteration_count'] == 6, name
        assert wl['failed_iteration_count'] == 0, (name, [
            it['error'][:2] for it in wl['data'] if it['error']])
        assert wl['sla_results']['sla'][0]['success'] is True
        atomics = wl['statistics']['durations']['atomics']
        assert [a['name'] for a in atomics] == SCENARIOS[name]
        for atomic in atomics:
            assert atomic['data']['success'] == '100.0%'
            assert atomic['data']['iteration_count'] == 6
        total = wl['statistics']['durations']['total']['data']
        assert 0 < total['min'] <= total['median'] <= total['max'] < 60
    assert set(seen) == set(SCENARIOS)

    html = (out / 'report.html').read_text()
    assert html.count('<svg') == 3 * len(SCENARIOS)
    assert 'All SLAs passed' in html
