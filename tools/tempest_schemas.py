"""tempest in its own virtualenv, and the check that runs tempest's service
clients and response schemas against a cloud (tools/tempest_check.py).

tempest pins its own dependencies, so it never goes into novalite's venv:
``ensure()`` creates ``<state>/tempest-venv`` and pip-installs tempest
there once (under a lock; later calls find it ready).

    python -m novalite.tools.tempest_schemas ENDPOINT IMAGE_ID NETWORK_ID
"""

import argparse
import fcntl
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_STATE = os.path.join(REPO, '.state')
CHECK_SCRIPT = os.path.join(REPO, 'tools', 'tempest_check.py')
INSTALL_TIMEOUT = 900


def venv_dir(state=None):
    return os.path.join(state or DEFAULT_STATE, 'tempest-venv')


def _python(state=None):
    return os.path.join(venv_dir(state), 'bin', 'python')


def _has_tempest(python):
    return os.path.exists(python) and subprocess.run(
        [python, '-c', 'import tempest.lib.services.compute'],
        capture_output=True, timeout=120).returncode == 0


def ensure(state=None):
    """The tempest venv's python, installing tempest first if needed.

    :raises: RuntimeError with pip's output when the install fails
    """
    python = _python(state)
    if _has_tempest(python):
        return python
    os.makedirs(state or DEFAULT_STATE, exist_ok=True)
    lock_path = venv_dir(state) + '.lock'
    with open(lock_path, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _has_tempest(python):
            return python
        subprocess.run([sys.executable, '-m', 'venv', '--clear',
                        venv_dir(state)], check=True, timeout=300)
        proc = subprocess.run(
            [python, '-m', 'pip', 'install', '-q', 'tempest'],
            capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        if proc.returncode != 0 or not _has_tempest(python):
            raise RuntimeError('installing tempest into %s failed:\n%s%s'
                               % (venv_dir(state), proc.stdout[-4000:],
                                  proc.stderr[-4000:]))
    return python


def run_check(endpoint, image_id, network_id, token='admin:admin',
              state=None, timeout=600):
    """Run tools/tempest_check.py in the tempest venv against ``endpoint``
    (the cloud's root URL). Returns the CompletedProcess (text output)."""
    return subprocess.run(
        [ensure(state), CHECK_SCRIPT, endpoint, image_id, network_id,
         '--token', token],
        capture_output=True, text=True, timeout=timeout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('endpoint')
    parser.add_argument('image')
    parser.add_argument('network')
    parser.add_argument('--token', default='admin:admin')
    parser.add_argument('--state', default=None)
    args = parser.parse_args(argv)
    proc = run_check(args.endpoint, args.image, args.network, args.token,
                     args.state)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return proc.returncode


if __name__ == '__main__':
    sys.exit(main())
