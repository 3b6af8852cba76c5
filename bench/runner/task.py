"""Rally task files, read the way Rally reads them: a Jinja2 template
rendered with the task arguments, then YAML (or JSON), in Rally's format
version 2 (``subtasks``) or the older version 1 (``{scenario: [workload]}``).
Every workload becomes one :class:`Workload`."""

import dataclasses
import json

import yaml

RUNNERS = {
    # type: (required, optional) arguments
    'constant': (('times',), ('concurrency', 'timeout', 'max_cpu_count')),
    'rps': (('times', 'rps'), ('max_concurrency', 'timeout', 'max_cpu_count')),
    'serial': ((), ('times',)),
}


class TaskError(ValueError):
    """The task file cannot be run as written."""


@dataclasses.dataclass
class Workload:
    title: str
    scenario: str
    args: dict
    runner_type: str
    runner: dict
    contexts: dict
    sla: dict
    position: int = 0
    description: str = ''

    @property
    def times(self):
        return int(self.runner.get('times', 1))

    @property
    def concurrency(self):
        """How many iterations may run at once."""
        if self.runner_type == 'constant':
            return int(self.runner.get('concurrency', 1))
        if self.runner_type == 'rps':
            return int(self.runner.get('max_concurrency', self.times))
        return 1


@dataclasses.dataclass
class Task:
    title: str
    description: str
    workloads: list


def render(text, task_args=None):
    """The template rendered as Rally does (``{% set x = x or ... %}``
    defaults; an argument not given renders as nothing)."""
    if '{{' not in text and '{%' not in text and '{#' not in text:
        return text
    import jinja2
    env = jinja2.Environment()
    return env.from_string(text).render(**(task_args or {}))


def parse_args(value):
    """--task-args: JSON or YAML text, or a file of it."""
    if not value:
        return {}
    try:
        with open(value) as src:
            value = src.read()
    except OSError:
        pass
    args = yaml.safe_load(value)
    if not isinstance(args, dict):
        raise TaskError('task arguments must be a mapping, got %r' % (args,))
    return args


def load(path, task_args=None):
    with open(path) as src:
        return loads(src.read(), task_args)


def loads(text, task_args=None):
    rendered = render(text, task_args)
    try:
        data = yaml.safe_load(rendered)
    except yaml.YAMLError as exc:
        raise TaskError('the task is not valid YAML/JSON: %s' % exc) from exc
    if not isinstance(data, dict):
        raise TaskError('a task is a mapping, got %s'
                        % type(data).__name__)
    if 'subtasks' in data or str(data.get('version')) == '2':
        task = _v2(data)
    else:
        task = _v1(data)
    if not task.workloads:
        raise TaskError('the task has no workloads')
    for pos, wl in enumerate(task.workloads):
        wl.position = pos
        _check(wl)
    return task


def _single(mapping, what):
    if not isinstance(mapping, dict) or len(mapping) != 1:
        raise TaskError('%s must be a mapping of one name to its arguments, '
                        'got %s' % (what, json.dumps(mapping)))
    name, args = next(iter(mapping.items()))
    return name, dict(args or {})


def _v2(data):
    workloads = []
    for sub in data.get('subtasks') or []:
        items = sub.get('workloads') or [sub]
        for item in items:
            scenario, args = _single(item.get('scenario'), 'scenario')
            runner_type, runner = _single(
                item.get('runner') or {'serial': {}}, 'runner')
            workloads.append(Workload(
                title=sub.get('title') or scenario, scenario=scenario,
                args=args, runner_type=runner_type, runner=runner,
                contexts=dict(item.get('contexts') or {}),
                sla=dict(item.get('sla') or {}),
                description=item.get('description')
                or sub.get('description') or ''))
    return Task(title=data.get('title') or 'task',
                description=data.get('description') or '',
                workloads=workloads)


def _v1(data):
    workloads = []
    for scenario, items in data.items():
        if not isinstance(items, list):
            raise TaskError('version 1 task: %s must map to a list of '
                            'workloads' % scenario)
        for item in items:
            runner = dict(item.get('runner') or {'type': 'serial'})
            runner_type = runner.pop('type', 'serial')
            workloads.append(Workload(
                title=scenario, scenario=scenario,
                args=dict(item.get('args') or {}), runner_type=runner_type,
                runner=runner, contexts=dict(item.get('context') or {}),
                sla=dict(item.get('sla') or {})))
    return Task(title='task', description='', workloads=workloads)


def _check(wl):
    from novalite.bench.runner import scenarios
    from novalite.bench.runner import sla
    if wl.scenario not in scenarios.SCENARIOS:
        raise TaskError('%s: scenario %s is not supported by the built-in '
                        'runner (supported: %s)' % (
                            wl.title, wl.scenario,
                            ', '.join(sorted(scenarios.SCENARIOS))))
    if wl.runner_type not in RUNNERS:
        raise TaskError('%s: runner %s is not supported (supported: %s)' % (
            wl.title, wl.runner_type, ', '.join(sorted(RUNNERS))))
    required, optional = RUNNERS[wl.runner_type]
    for key in required:
        if key not in wl.runner:
            raise TaskError('%s: the %s runner needs %r'
                            % (wl.title, wl.runner_type, key))
    unknown = set(wl.runner) - set(required) - set(optional)
    if unknown:
        raise TaskError('%s: unknown %s runner arguments: %s' % (
            wl.title, wl.runner_type, ', '.join(sorted(unknown))))
    for key in ('times', 'concurrency', 'max_concurrency'):
        if key in wl.runner and (not isinstance(wl.runner[key], int)
                                 or wl.runner[key] < 1):
            raise TaskError('%s: runner %s must be a positive integer, '
                            'got %r' % (wl.title, key, wl.runner[key]))
    if 'rps' in wl.runner and not (isinstance(wl.runner['rps'], (int, float))
                                   and wl.runner['rps'] > 0):
        raise TaskError('%s: rps must be a positive number' % wl.title)
    for criterion in wl.sla:
        if criterion not in sla.CRITERIA:
            raise TaskError('%s: SLA criterion %s is not supported '
                            '(supported: %s)' % (
                                wl.title, criterion,
                                ', '.join(sorted(sla.CRITERIA))))
