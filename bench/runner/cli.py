"""novalite-bench: run a Rally task file (rally-jobs/novalite.yaml) with the
built-in runner and write Rally's table, Rally's JSON report and an HTML
report.

    novalite-bench rally-jobs/novalite.yaml                (own cloud)
    novalite-bench rally-jobs/novalite.yaml --hosts 1000 \
        --task-args '{"times": 100, "concurrency": 20}'
    novalite-bench rally-jobs/novalite.yaml --cloud novalite-demo

Without ``--cloud`` it starts a disposable cloud (tools/localcloud.py: the
four services as processes, ``--hosts`` compute agents -- one process each
on libvirt's test:///default up to 16, else simulated hosts in one process,
each on a private test-driver node -- a private RabbitMQ vhost,
``--backend`` database, quotas lifted), uploads the task's image and removes it all afterwards. Exit
status: 0 when every workload meets its SLA, 1 when one does not, 2 when the
task cannot run.
"""

import argparse
import json
import os
import sys
import tempfile
import time

from novalite.bench.runner import client as client_mod
from novalite.bench.runner import engine
from novalite.bench.runner import report
from novalite.bench.runner import task as task_mod

# Up to PROCESS_HOSTS compute hosts run one OS process each (~60 MB
# each); more run as simulated hosts in one process (novalite-compute
# --simulate-hosts, compute/simulated.py), up to MAX_HOSTS.
PROCESS_HOSTS = 16
MAX_HOSTS = 1000


def compute_layout(hosts, simulate=False):
    """``localcloud`` arguments for ``hosts`` compute hosts: one process
    each when few (and not ``simulate``), else one simulated-hosts
    process."""
    if simulate or hosts > PROCESS_HOSTS:
        return {'compute_hosts': [], 'simulated_hosts': hosts,
                'sim_prefix': 'bench'}
    return {'compute_hosts': ['bench%d' % i for i in range(hosts)]}


def run_task(task, cloud, out_dir, timeout=600.0, source='',
             stream=None):
    """Run every workload; print Rally's table per workload; write the
    reports. Returns (results, paths)."""
    stream = stream or sys.stdout
    results = []
    for wl in task.workloads:
        result = engine.WorkloadRun(wl, cloud, timeout=timeout).run()
        results.append(result)
        print(report.console(result), file=stream, flush=True)
    os.makedirs(out_dir, exist_ok=True)
    paths = {'json': os.path.join(out_dir, 'report.json'),
             'html': os.path.join(out_dir, 'report.html')}
    with open(paths['json'], 'w') as out:
        json.dump(report.to_json(task, results), out, indent=2)
    with open(paths['html'], 'w') as out:
        out.write(report.to_html(task, results, source))
    return results, paths


def seed_image(endpoint, name):
    """A small public raw image on a noauth cloud (the task's image)."""
    import requests
    http = requests.Session()
    http.headers['X-Auth-Token'] = 'admin:admin'
    image = http.post(endpoint + '/image/v2/images', json={
        'name': name, 'disk_format': 'raw', 'container_format': 'bare',
        'visibility': 'public'}).json()
    http.put(endpoint + '/image/v2/images/%s/file' % image['id'],
             data=b'\0' * 65536,
             headers={'Content-Type': 'application/octet-stream'}
             ).raise_for_status()
    return image['id']


def _image_names(task):
    names = set()
    for wl in task.workloads:
        for key in ('image', 'from_image', 'to_image'):
            ref = wl.args.get(key)
            if isinstance(ref, dict) and 'name' in ref:
                names.add(ref['name'])
    return names


def run_on_disposable(task, args, source):
    from novalite.common import rpc
    from novalite.tools import localcloud
    state = tempfile.mkdtemp(prefix='novalite-bench-')
    began = time.monotonic()
    layout = compute_layout(args.hosts, args.simulate_hosts)
    print('starting a disposable cloud: %d compute hosts (%s), %s, in %s' % (
        args.hosts, 'simulated in one process, a private libvirt test node '
        'each' if layout.get('simulated_hosts') else
        'one process each, test:///default', args.backend, state),
        flush=True)
    with localcloud.disposable_cloud(
            args.backend, state, vhost_prefix='novalite-bench',
            on_teardown=rpc.cleanup, **layout) as local:
        for name in sorted(_image_names(task)):
            seed_image(local.endpoint, name)
        cloud = client_mod.Cloud(local.endpoint + '/v2.1',
                                 local.endpoint + '/image', token=None,
                                 name='disposable', poll=args.poll,
                                 timeout=args.request_timeout,
                                 wait_for=not args.no_wait_for)
        print('cloud ready in %.1f s (API %s)' % (
            time.monotonic() - began, local.endpoint), flush=True)
        return run_task(task, cloud, args.out, args.timeout, source)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='novalite-bench', description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.split('\n')[2:]))
    parser.add_argument('task', help='Rally task file (YAML/JSON, Jinja2)')
    parser.add_argument('--task-args', default='',
                        help='task arguments: JSON/YAML text or a file')
    parser.add_argument('--cloud', help='a clouds.yaml cloud to run against '
                                        '(noauth or Keystone)')
    parser.add_argument('--hosts', type=int, default=2,
                        help='compute hosts of the disposable cloud '
                             '(max %d; more than %d run as simulated hosts '
                             'in one process)' % (MAX_HOSTS, PROCESS_HOSTS))
    parser.add_argument('--simulate-hosts', action='store_true',
                        help='simulated hosts in one process even for '
                             '--hosts <= %d' % PROCESS_HOSTS)
    parser.add_argument('--backend', default='sqlite',
                        choices=['sqlite', 'mysql', 'postgresql'])
    parser.add_argument('--poll', type=float, default=0.01,
                        help='status poll interval, s (Rally: 0.1-2)')
    parser.add_argument('--no-wait-for', action='store_true',
                        help="poll only: do not send novalite's "
                             "GET /servers/{id}?wait_for= long poll")
    parser.add_argument('--timeout', type=float, default=600.0,
                        help='per workload: no iteration starts after it')
    parser.add_argument('--request-timeout', type=float, default=60.0,
                        help='per HTTP request and per status wait, s')
    parser.add_argument('--out', default=os.path.join(os.getcwd(),
                                                      'bench-report'),
                        help='directory of report.json and report.html')
    args = parser.parse_args(argv)
    try:
        task = task_mod.load(args.task, task_mod.parse_args(args.task_args))
    except (OSError, task_mod.TaskError) as exc:
        print('novalite-bench: %s' % exc, file=sys.stderr)
        return 2
    if not 1 <= args.hosts <= MAX_HOSTS:
        print('novalite-bench: --hosts must be 1..%d (up to %d run one '
              'process each, more as simulated hosts in one process)'
              % (MAX_HOSTS, PROCESS_HOSTS), file=sys.stderr)
        return 2
    source = '%s %s' % (os.path.basename(args.task), args.task_args)
    if args.cloud:
        cloud = client_mod.Cloud.from_config(
            args.cloud, poll=args.poll, timeout=args.request_timeout,
            wait_for=not args.no_wait_for)
        results, paths = run_task(task, cloud, args.out, args.timeout,
                                  source + ' on ' + args.cloud)
    else:
        results, paths = run_on_disposable(task, args, source)
    passed = all(r['pass_sla'] for r in results)
    print('\n%s\nreports: %s\n         %s' % (
        'All SLAs passed' if passed else 'SLA FAILED', paths['json'],
        paths['html']))
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())
