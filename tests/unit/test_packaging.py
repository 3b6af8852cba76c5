"""setup.cfg lists packages by hand (the repo root is the package), so a
new package directory must be added there or a regular install lacks it."""

import configparser
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _listed():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(ROOT, 'setup.cfg'))
    return {p.strip() for p in cfg['options']['packages'].split()
            if p.strip()}


def _on_disk():
    found = set()
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel = os.path.relpath(dirpath, ROOT)
        # Skip hidden dirs (.venv, .git), caches and setuptools' build/.
        dirnames[:] = [d for d in dirnames
                       if not d.startswith('.') and d != '__pycache__'
                       and not (rel == '.' and d == 'build')
                       and not d.endswith('.egg-info')]
        if rel.split(os.sep)[0] == 'tests' and rel.count(os.sep) > 1:
            continue   # test sub-packages run from the checkout only
        if '__init__.py' in filenames:
            found.add('novalite' if rel == '.' else
                      'novalite.' + rel.replace(os.sep, '.'))
    return found


def test_every_package_is_listed_in_setup_cfg():
    assert _on_disk() - _listed() == set()
