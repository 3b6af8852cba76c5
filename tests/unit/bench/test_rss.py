"""The RSS benchmark without a cloud: reading VmRSS and the table."""

import os
import subprocess
import sys

from novalite.bench import rss


def test_rss_of_a_live_and_of_a_gone_process():
    assert 5 < rss.rss_mb(os.getpid()) < 4096
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    proc.wait()
    assert rss.rss_mb(proc.pid) is None


def test_table_judges_services_against_the_target_and_not_the_floors():
    text = rss.table({'novalite-api': (99.5, 120.0),
                      'novalite-conductor': (100.1, 101.0),
                      'novalite-scheduler': (None, None),
                      'floor: python (bare interpreter)': (10.6, 10.6)}, 50)
    rows = {line.split(' | ')[0].lstrip('| '): line
            for line in text.splitlines()[2:]}
    assert rows['novalite-api'] == '| novalite-api | 99.5 | 120.0 | 100 | yes |'
    assert rows['novalite-conductor'].endswith('| NO |')
    assert rows['novalite-scheduler'] == \
        '| novalite-scheduler | - | - | 100 | NO |'
    assert rows['floor: python (bare interpreter)'].endswith('|  |  |')
    assert 'after 50 requests' in text.splitlines()[0]
