from novalite.scheduler import weighers
from novalite.scheduler.weighers import base
from novalite.tests.unit.scheduler import fakes


def test_normalize_scales_to_unit_range():
    assert base.normalize([10, 20, 30]) == [0.0, 0.5, 1.0]
    assert base.normalize([7, 7]) == [0.0, 0.0]


def test_ram_weigher_prefers_free_ram(conf):
    hosts = [fakes.host('a', used=(0, 3000, 0)), fakes.host('b'),
             fakes.host('c', used=(0, 1000, 0))]
    ranked = weighers.rank(weighers.get_weighers(conf), hosts, {})
    assert [h.host for h in ranked] == ['b', 'c', 'a']


def test_negative_multiplier_stacks(conf):
    conf.set_override('ram_weight_multiplier', -1.0, group='scheduler')
    hosts = [fakes.host('a', used=(0, 3000, 0)), fakes.host('b')]
    ranked = weighers.rank(weighers.get_weighers(conf), hosts, {})
    assert [h.host for h in ranked] == ['a', 'b']
