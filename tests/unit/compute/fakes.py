"""A conductor double for compute unit tests: it records every call and
keeps instance dicts in memory, enforcing expected_task_state the way the
real conductor does. (The conductor is our own RPC interface; the compute
agent only ever sees it through these methods.) Every method mirrors one of
``conductor.rpcapi.ConductorAPI`` with the same parameters, and records the
call as the agent made it; test_fakes.py holds it to that."""

import copy
import uuid as uuidlib

from novalite.common import exception
from novalite.common import rpc
from novalite.common import states

FLAVOR = {'id': 1, 'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 512,
          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
          'extra_specs': {}}


def make_instance(id=1, **values):
    inst = {'id': id, 'uuid': str(uuidlib.uuid4()),
            'display_name': 'vm%d' % id,
            'user_id': 'alice', 'project_id': 'p1',
            'image_ref': '155d900f-4e14-4e4c-a73d-069cbf4541e6',
            'flavor': dict(FLAVOR), 'host': 'unit-host', 'node': 'unit-host',
            'vm_state': states.BUILDING, 'task_state': states.SCHEDULING,
            'power_state': states.NOSTATE, 'launched_at': None, 'deleted': 0}
    inst.update(values)
    return inst


class ConductorDouble:

    def __init__(self, *instances):
        self.instances = {i['uuid']: copy.deepcopy(i) for i in instances}
        # Soft-deleted instances, seen only with read_deleted='yes'.
        self.deleted = {}
        # Faults written with a successful instance_update (the real
        # conductor writes both in one transaction), as instance_faults rows.
        self.faults = []
        self.calls = []
        # method name -> exceptions to raise on its next calls, in order
        self.failures = {}
        # callable(double, uuid, updates) run before each instance_update
        self.before_update = None
        # uuid -> [port info] answered by get_network_info
        self.network_info = {}

    def _record(self, method, **kwargs):
        self.calls.append((method, kwargs))
        pending = self.failures.get(method)
        if pending:
            raise pending.pop(0)

    def called(self, method):
        return [kw for name, kw in self.calls if name == method]

    def _get(self, uuid):
        if uuid not in self.instances:
            raise exception.InstanceNotFound(instance_id=uuid)
        return self.instances[uuid]

    def get_network_info(self, ctxt, instance_uuid):
        self._record('get_network_info', instance_uuid=instance_uuid)
        return copy.deepcopy(self.network_info.get(instance_uuid, []))

    def instance_update(self, ctxt, instance_uuid, updates,
                        expected_task_state=None, fault=None,
                        expected_host=None, action_event=None):
        self._record('instance_update', instance_uuid=instance_uuid,
                     updates=dict(updates),
                     expected_task_state=expected_task_state, fault=fault,
                     expected_host=expected_host, action_event=action_event)
        if self.before_update:
            self.before_update(self, instance_uuid, updates)
        inst = self._get(instance_uuid)
        if expected_host is not None and inst['host'] != expected_host:
            raise exception.UnexpectedTaskState(
                expected={'host': expected_host}, actual=inst['host'])
        if expected_task_state is not None:
            expected = (expected_task_state
                        if isinstance(expected_task_state, (list, tuple))
                        else [expected_task_state])
            if inst['task_state'] not in expected:
                raise exception.UnexpectedTaskState(
                    expected=expected, actual=inst['task_state'])
        inst.update(updates)
        if fault is not None:
            self.faults.append(dict({'details': None, 'host': None},
                                    instance_uuid=instance_uuid, **fault))
        return copy.deepcopy(inst)

    def allocation_free(self, ctxt, instance_uuid):
        self._record('allocation_free', instance_uuid=instance_uuid)
        return True

    def instance_destroy(self, ctxt, instance_uuid):
        self._record('instance_destroy', instance_uuid=instance_uuid)
        inst = self._get(instance_uuid)
        inst.update(deleted=inst['id'], vm_state=states.DELETED,
                    task_state=None)
        self.deleted[instance_uuid] = self.instances.pop(instance_uuid)
        return copy.deepcopy(inst)

    def instance_get_all_by_host(self, ctxt, host):
        self._record('instance_get_all_by_host', host=host)
        return [copy.deepcopy(i) for i in self.instances.values()
                if i['host'] == host]

    def instance_get_by_uuids(self, ctxt, instance_uuids, read_deleted='no'):
        self._record('instance_get_by_uuids', instance_uuids=instance_uuids,
                     read_deleted=read_deleted)
        rows = dict(self.deleted) if read_deleted == 'yes' else {}
        rows.update(self.instances)
        return [copy.deepcopy(rows[u]) for u in instance_uuids if u in rows]

    def action_event_start(self, ctxt, instance_uuid, event, host=None):
        self._record('action_event_start', instance_uuid=instance_uuid,
                     event=event, host=host)

    def action_event_finish(self, ctxt, instance_uuid, event, result,
                            traceback=None):
        self._record('action_event_finish', instance_uuid=instance_uuid,
                     event=event, result=result, traceback=traceback)

    def compute_node_update(self, ctxt, host, nodename, resources,
                            timeout=None):
        self._record('compute_node_update', host=host, nodename=nodename,
                     resources=dict(resources))
        return dict(resources, host=host, hypervisor_hostname=nodename,
                    uuid='cn-' + nodename)

    def build_instances(self, ctxt, instance, request_spec, host_list,
                        failed_host, reason, admin_password=None,
                        exclude_failed_host=True):
        self._record('build_instances', instance=instance,
                     request_spec=request_spec, host_list=host_list,
                     failed_host=failed_host, reason=reason,
                     admin_password=admin_password,
                     exclude_failed_host=exclude_failed_host)


def messaging_timeout():
    return rpc.MessagingTimeout('conductor not up')


def domains(drv):
    """{name: (uuid, active)} of the instance domains on the hypervisor."""
    return {d.name(): (d.UUIDString(), bool(d.isActive()))
            for d in drv.host.list_domains()
            if d.name().startswith('instance-')}
