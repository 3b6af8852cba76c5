"""tools/tempest_run.py's test selection: the interop list minus the
volume-attach tests (with their reason), the CI subset, and include
regexes that match a test id with tempest's attributes but not a longer
test name."""

import re

from novalite.tools import tempest_run


def _list(tmp_path):
    path = tmp_path / 'list.txt'
    path.write_text(
        'tempest.api.compute.test_versions.TestVersions'
        '.test_list_api_versions\n'
        'tempest.api.compute.volumes.test_attach_volume.AttachVolumeTestJSON'
        '.test_attach_detach_volume\n'
        'tempest.api.image.v2.test_images.BasicOperationsImagesTest'
        '.test_delete_image\n')
    return str(path)


def test_volume_attach_tests_are_excluded_with_a_reason(tmp_path):
    tests, excluded = tempest_run.selection(None, _list(tmp_path))
    assert len(tests) == 2
    [(name, why)] = excluded.items()
    assert 'AttachVolumeTestJSON' in name and 'block storage' in why


def test_ci_subset_is_a_subset(tmp_path):
    tests, excluded = tempest_run.selection('ci', _list(tmp_path))
    assert tests == ['tempest.api.compute.test_versions.TestVersions'
                     '.test_list_api_versions']
    assert not excluded


def test_include_regexes_match_ids_with_attributes_only():
    [rx] = tempest_run.include_regexes(['a.B.test_delete_image'])
    assert re.search(rx, 'a.B.test_delete_image[id-1,smoke]')
    assert re.search(rx, 'a.B.test_delete_image')
    assert not re.search(rx, 'a.B.test_delete_image_tag[id-2]')


def test_accounts_give_each_member_a_reader_in_its_project():
    members = {p for _u, p, r in tempest_run.ACCOUNTS if r == ['member']}
    readers = {p for _u, p, r in tempest_run.ACCOUNTS if r == ['reader']}
    assert members == readers and len(members) >= 4
    assert any(r == ['admin'] for _u, _p, r in tempest_run.ACCOUNTS)
