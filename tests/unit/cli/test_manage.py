"""novalite-manage against a real SQLite file."""

import os

from novalite.cli import manage
from novalite.common.db.migrations import versions

# The newest migration: bootstrap must bring a new database up to it.
HEAD = max(name.split('_', 1)[0] for name in os.listdir(
    os.path.dirname(versions.__file__)) if name[:4].isdigit())


def _run(capsys, conf_file, *args):
    assert manage.main(['--config-file', conf_file, *args]) == 0
    return capsys.readouterr().out


def test_bootstrap_is_idempotent_and_lists(tmp_path, capsys):
    conf_file = tmp_path / 'novalite.conf'
    conf_file.write_text('[DEFAULT]\nstate_path = %s\n[database]\n'
                         'connection = sqlite:///%s\n' % (
                             tmp_path, tmp_path / 'm.sqlite'))
    first = _run(capsys, str(conf_file), 'bootstrap')
    assert 'database at revision %s' % HEAD in first
    assert '(6 created)' in first
    again = _run(capsys, str(conf_file), 'bootstrap')
    assert '(0 created)' in again
    flavors = _run(capsys, str(conf_file), 'flavor', 'list')
    for name in ('m1.nano', 'm1.tiny', 'm1.small', 'm1.medium', 'm1.large',
                 'm1.xlarge'):
        assert name in flavors
    networks = _run(capsys, str(conf_file), 'network', 'list')
    assert 'private' in networks and '10.0.0.0/24' in networks
    assert _run(capsys, str(conf_file), 'db', 'version').strip() == HEAD
