"""What an image's bits really are, decided before any qemu-img reads them.

qemu-img and QEMU follow references inside a disk file: a qcow2 backing
file or external data file, VMDK extents. An image naming a host path
(``data_file=/etc/shadow``: the CVE-2024-32498 class) would copy that file
into the instance's disk and from there into a snapshot the user can
download. So every image goes through oslo.utils' format inspector, as in
Nova: it reads the headers in Python, detects the format from the content,
and its safety checks refuse backing and data files, VMDK descriptors with
extents, ISO/GPT tricks, a file that is two formats at once and
overlapping regions. On top, the detected format must be what the image's
``disk_format`` says, and from then on qemu-img is always told that
format (``-f``), so it never probes and never sees a format we did not
check.
"""

from oslo_log import log as logging
from oslo_utils.imageutils import format_inspector

from novalite.common import exception

LOG = logging.getLogger(__name__)

# disk_format -> {format the content may be detected as: the format
# qemu-img is then given}. A raw disk holding a partition table is
# detected as gpt (Nova accepts it as raw); an AMI disk is raw or qcow2.
_ACCEPTED = {
    'raw': {'raw': 'raw', 'gpt': 'raw'},
    'qcow2': {'qcow2': 'qcow2'},
    'ami': {'raw': 'raw', 'gpt': 'raw', 'qcow2': 'qcow2'},
}
# A kernel or ramdisk is given to QEMU as a file (-kernel, -initrd), never
# opened as a disk nor by qemu-img: no disk-format check applies (a bzImage
# even looks like an MBR with a bad boot flag to the inspector).
KERNEL_FORMATS = ('aki', 'ari')


def _failures(exc):
    return '; '.join('%s (%s)' % (name.replace('_', ' '), failure)
                     for name, failure in sorted(exc.failures.items()))


def disk_format_of(image, path):
    """The format qemu-img must be given for ``path``, which holds the data
    of ``image`` (an image API record).

    :raises: Invalid naming the reason: a disk format this host does not
        boot, content that fails a safety check or is not the format the
        image claims.
    """
    image_id = image['id']
    claimed = image.get('disk_format')
    accepted = _ACCEPTED.get(claimed)
    if accepted is None:
        raise exception.Invalid(reason='Image %s has disk format %s, which '
                                'this host cannot boot.'
                                % (image_id, claimed))
    prefix = 'Image %s is not a valid %s image: ' % (image_id, claimed)
    try:
        inspector = format_inspector.detect_file_format(path)
    except format_inspector.ImageFormatError as exc:   # a polyglot
        LOG.warning('image %s refused: %s', image_id, exc)
        raise exception.Invalid(reason=prefix + '%s.' % exc)
    detected = str(inspector)
    if detected not in accepted:
        LOG.warning('image %s refused: disk_format %s, content %s',
                    image_id, claimed, detected)
        raise exception.Invalid(reason=prefix + 'format mismatch, its data '
                                'is %s.' % detected)
    try:
        inspector.safety_check()
    except format_inspector.SafetyCheckFailed as exc:
        LOG.warning('image %s refused: %s safety checks failed: %s',
                    image_id, detected, _failures(exc))
        raise exception.Invalid(reason=prefix + 'its %s data fails safety '
                                'checks: %s.' % (detected, _failures(exc)))
    except format_inspector.ImageFormatError as exc:
        LOG.warning('image %s refused: %s', image_id, exc)
        raise exception.Invalid(reason=prefix + '%s.' % exc)
    return accepted[detected]
