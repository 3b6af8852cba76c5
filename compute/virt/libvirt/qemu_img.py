"""Running qemu-img on data this host did not write (an image from the
image API, a disk a guest wrote): under Nova's process limits (CPU seconds,
address space, no core dump) and a wall clock, so a crafted file makes one
command fail with a clear message instead of hanging a build, holding the
image's cache lock or exhausting the host."""

import dataclasses
import os
import signal
import subprocess

from oslo_concurrency import processutils

MiB = 1024 ** 2


class QemuImgError(Exception):
    """qemu-img refused a file, failed, or was stopped at a limit. The
    message says which; ``exit_code`` and ``stdout`` are kept for callers
    that read qemu-img's own verdict (``check``)."""

    def __init__(self, message, exit_code=None, stdout=''):
        super().__init__(message)
        self.exit_code = exit_code
        self.stdout = stdout or ''


class LimitReached(QemuImgError):
    """qemu-img was stopped at its CPU time limit or its timeout."""


@dataclasses.dataclass(frozen=True)
class Limits:
    timeout: int            # wall-clock seconds, then SIGKILL
    cpu_time: int           # RLIMIT_CPU seconds
    address_space: int      # RLIMIT_AS bytes

    def prlimit(self):
        return processutils.ProcessLimits(
            cpu_time=self.cpu_time, address_space=self.address_space,
            core_file_size=0)


def inspect_limits(conf):
    """For info, check and create: they read an image's metadata only."""
    opts = conf.libvirt
    return Limits(timeout=opts.qemu_img_timeout,
                  cpu_time=opts.qemu_img_cpu_time,
                  address_space=opts.qemu_img_address_space_mb * MiB)


def copy_limits(conf):
    """For a convert that reads and writes a whole disk."""
    opts = conf.libvirt
    return Limits(timeout=opts.qemu_img_convert_timeout,
                  cpu_time=opts.qemu_img_convert_timeout,
                  address_space=opts.qemu_img_address_space_mb * MiB)


def _kill_group(proc):
    # qemu-img runs in its own session (setsid below): kill it and any
    # child so none keeps the pipes, then reap.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()


def _failure(command, exc, limits):
    code = exc.exit_code
    if isinstance(code, int) and code < 0:
        sig = -code
        if limits and sig in (signal.SIGXCPU, signal.SIGKILL):
            return LimitReached(
                'qemu-img %s was killed at its CPU time limit (%d s)'
                % (command, limits.cpu_time), exit_code=code)
        return QemuImgError('qemu-img %s was killed by signal %d'
                            % (command, sig), exit_code=code)
    text = (exc.stderr or exc.stdout or '').strip()
    # The last line is qemu-img's own message; earlier ones are noise.
    return QemuImgError(
        text.splitlines()[-1] if text
        else 'qemu-img %s failed with exit code %s' % (command, code),
        exit_code=code, stdout=exc.stdout)


def run(*args, limits=None, ok_codes=(0,)):
    """qemu-img's stdout for ``args``; bounded by ``limits`` (a
    :class:`Limits`) when given.

    :raises: QemuImgError on an exit code not in ``ok_codes``, a limit or
        the timeout reached, or no qemu-img at all.
    """
    command = args[0]
    procs = []
    bounds = {}
    if limits is not None:
        bounds = {'prlimit': limits.prlimit(), 'timeout': limits.timeout}
    try:
        out, _err = processutils.execute(
            'qemu-img', *args, check_exit_code=list(ok_codes),
            env_variables=dict(os.environ, LC_ALL='C', LANG='C'),
            preexec_fn=os.setsid, on_execute=procs.append, **bounds)
    except subprocess.TimeoutExpired:
        _kill_group(procs[0])
        raise LimitReached('qemu-img %s timed out after %d s'
                           % (command, limits.timeout))
    except processutils.ProcessExecutionError as exc:
        raise _failure(command, exc, limits)
    except OSError as exc:
        raise QemuImgError('cannot run qemu-img: %s' % exc)
    return out
