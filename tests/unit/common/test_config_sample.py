"""etc/novalite.conf.sample must match what oslo-config-generator writes."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def test_sample_config_is_current(tmp_path):
    out = tmp_path / 'sample.conf'
    generator = os.path.join(os.path.dirname(sys.executable),
                             'oslo-config-generator')
    subprocess.run([generator, '--config-file',
                    os.path.join(ROOT, 'etc', 'oslo-config-generator.conf'),
                    '--output-file', str(out)], check=True, cwd=ROOT)
    with open(os.path.join(ROOT, 'etc', 'novalite.conf.sample')) as src:
        committed = src.read()
    assert out.read_text() == committed, (
        'etc/novalite.conf.sample is stale: run `make sample-config`')


def test_every_group_has_help():
    from novalite.common.conf import opts
    for group, options in opts.list_opts():
        for opt in options:
            assert opt.help and len(opt.help) > 20, (group, opt.name)
