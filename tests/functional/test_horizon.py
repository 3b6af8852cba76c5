"""Horizon (OpenStack's dashboard, from PyPI) launches an instance on
novalite, driven in a real browser (Debian's chromium + chromedriver through
selenium).

A cloud behind a real Keystone (keystone_cloud.py, as `make run
AUTH=keystone`) and Horizon in front of it (tools/horizon.py, as `make
horizon`, its virtualenv cached in <repo>/.state/horizon-venv); then, as
user ``demo``: Overview (usage and limits), Instances → Launch Instance →
Details, Source (an image this test uploads), Flavor, Networks
(``private``), Security Groups (``default``), Key Pair (made through the
API first), Launch; the row reaches Active in the table (Horizon's
JavaScript swallows create errors, so the table is what counts), then it is
deleted from the row's action menu and goes; Key Pairs (create, import);
Images. No page shows "Unable to retrieve", Horizon logs no traceback.
Screenshots of every step go to <tmp>/horizon-screens (printed on failure).

The compute agent drives real QEMU guests (qemu:///system, TCG): the image
is the test guest's bootable qcow2 (tools/build_test_guest.py), and the
instance's Log tab must show the guest's marker line.
"""

import contextlib
import os
import shutil
import subprocess
import time
import uuid

import pytest
# selenium: setup.cfg's test extra (a missing one fails, never skips).
from selenium import webdriver
from selenium.common import exceptions as sel_exc
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from novalite.tests.functional import keystone_cloud
from novalite.tools import build_test_guest
from novalite.tools import demo_login
from novalite.tools import freenet
from novalite.tools import horizon as horizon_tool
from novalite.tools import localcloud

REPO = keystone_cloud.REPO
VENV = os.environ.get('NOVALITE_HORIZON_VENV',
                      os.path.join(REPO, '.state', 'horizon-venv'))
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
IMAGE = 'horizon-guest'
# QEMU (user libvirt-qemu) must traverse every parent of the instance files.
RUN_ROOT = '/var/lib/novalite-e2e'
SERVER = 'horizon-vm'
KEYPAIR = 'horizon-key'
WAIT = 60
ERROR_TEXTS = ('Unable to retrieve', 'Unable to create', 'Unable to delete',
               'Something went wrong', 'Server Error (500)')
PUBLIC_KEY = (
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIKbgsNuh9D5fYDp2Pk2wYTXafPNsJ1F'
    'cpF1mh0X+iWA horizon-import@novalite')


class Browser:
    """chromium through chromedriver, with a screenshot per step."""

    def __init__(self, base_url, shots_dir):
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                    '--disable-dev-shm-usage', '--window-size=1400,1000',
                    '--disable-extensions', '--no-first-run'):
            opts.add_argument(arg)
        service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
        self.driver = webdriver.Chrome(options=opts, service=service)
        self.driver.set_page_load_timeout(WAIT)
        self.base = base_url.rstrip('/')
        self.shots_dir = shots_dir
        self.shots = []

    def quit(self):
        self.driver.quit()

    def get(self, path):
        self.driver.get(self.base + path)
        self.settle()

    def settle(self, timeout=WAIT):
        """The document loaded and Angular's HTTP calls done."""
        d = self.driver
        WebDriverWait(d, timeout).until(
            lambda d: d.execute_script('return document.readyState')
            == 'complete')
        WebDriverWait(d, timeout).until(lambda d: d.execute_script(
            "if (!window.angular) return true;"
            "var el = document.querySelector('[ng-app]') || document.body;"
            "try { var inj = angular.element(el).injector();"
            " if (!inj) return true;"
            " return inj.get('$http').pendingRequests.length === 0; }"
            "catch (e) { return true; }"))

    def shot(self, name):
        path = os.path.join(self.shots_dir, '%02d-%s.png' % (
            len(self.shots) + 1, name))
        self.driver.save_screenshot(path)
        self.shots.append(path)
        return path

    def wait(self, cond, timeout=WAIT, what=''):
        try:
            return WebDriverWait(self.driver, timeout, 0.2).until(cond)
        except sel_exc.TimeoutException:
            self.shot('timeout')
            raise AssertionError('timed out after %ss waiting for %s on %s'
                                 % (timeout, what or cond,
                                    self.driver.current_url))

    def find(self, by, value, timeout=WAIT):
        return self.wait(EC.visibility_of_element_located((by, value)),
                         timeout, '%s %s' % (by, value))

    def click(self, by, value, timeout=WAIT):
        el = self.wait(EC.element_to_be_clickable((by, value)), timeout,
                       'clickable %s %s' % (by, value))
        self.driver.execute_script(
            'arguments[0].scrollIntoView({block: "center"});', el)
        try:
            el.click()
        except sel_exc.ElementClickInterceptedException:
            self.driver.execute_script('arguments[0].click();', el)
        return el

    def text(self):
        return self.driver.find_element(By.TAG_NAME, 'body').text

    def no_errors(self, step):
        """No error toast or message on the page (nor a server error)."""
        time.sleep(0.5)
        body = self.driver.page_source
        for text in ERROR_TEXTS:
            assert text not in body, '%s: the page says %r: %s' % (
                step, text, self.text()[:3000])


@pytest.fixture(scope='module')
def dashboard(tmp_path_factory):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail('chromium and chromium-driver (Debian) are needed: '
                    'make deps installs them')
    state = str(tmp_path_factory.mktemp('horizon-cloud'))
    proc = subprocess.run(['bash', os.path.join(REPO, 'tools',
                                                'ensure-services.sh')],
                          capture_output=True, text=True, timeout=180)
    if proc.returncode != 0:
        pytest.fail('tools/ensure-services.sh failed: %s%s'
                    % (proc.stdout, proc.stderr), pytrace=False)
    # What a killed earlier run left (libvirtd autostarts its networks)
    # would hold our range.
    demo_login.prune_libvirt('qemu:///system')
    instances = os.path.join(RUN_ROOT, 'hz-' + uuid.uuid4().hex[:8])
    os.makedirs(instances, mode=0o755)
    os.chmod(RUN_ROOT, 0o755)
    os.chmod(instances, 0o755)
    try:
        with _cloud(state, instances) as cloud:
            yield cloud
    finally:
        _reap_guests(instances)
        shutil.rmtree(instances, ignore_errors=True)


def _reap_guests(instances):
    """Destroy what a failed test left running under ``instances``, and
    networks and filters no guest uses any more."""
    import libvirt
    conn = libvirt.open('qemu:///system')
    try:
        for dom in conn.listAllDomains():
            if instances + '/' in dom.XMLDesc(0):
                if dom.isActive():
                    dom.destroy()
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
    finally:
        conn.close()
    # Its network would keep the range from the next run's bridge.
    demo_login.prune_libvirt('qemu:///system')


@contextlib.contextmanager
def _cloud(state, instances):
    with keystone_cloud.keystone_cloud(
            state, libvirt_uri='qemu:///system', virt_type='qemu',
            compute_hosts=['horizon-compute'],
            extra_conf={'libvirt': {'instances_path': instances},
                        # Not make run's, the e2e tests' nor a leftover's.
                        'network': {'default_cidr': freenet.free_cidr(
                            '10.0.198.0/24', exclude=['10.0.199.0/24'])}}
    ) as cloud:
        hz = horizon_tool.Horizon(
            os.path.join(state, 'horizon'), venv_dir=VENV,
            port=int(os.environ.get('NOVALITE_HORIZON_TEST_PORT', 0))
            or localcloud.free_port(),
            keystone_url=cloud.keystone.auth_url)
        began = time.monotonic()
        hz.install()
        print('horizon venv ready in %.0fs' % (time.monotonic() - began))
        hz.start()
        try:
            cloud.horizon = hz
            yield cloud
        finally:
            hz.stop()


@pytest.fixture(scope='module')
def browser(dashboard, tmp_path_factory):
    shots = os.environ.get('NOVALITE_HORIZON_SHOTS') or str(
        tmp_path_factory.mktemp('horizon-screens'))
    os.makedirs(shots, exist_ok=True)
    b = Browser(dashboard.horizon.url, shots)
    yield b
    b.quit()


@pytest.fixture(autouse=True)
def _report_screens(request, browser):
    failed = request.session.testsfailed
    yield
    if request.session.testsfailed > failed:
        try:
            browser.shot('failure')
        except Exception:   # noqa -- the browser itself may be gone
            pass
        print('screenshots (%s):\n  %s' % (browser.shots_dir,
                                           '\n  '.join(browser.shots)))


@pytest.fixture(scope='module')
def demo(dashboard):
    """What the demo user has before the browser starts: an image it
    uploaded and one key pair (Launch Instance allocates a lone key)."""
    sdk = dashboard.sdk('member')
    try:
        guest = build_test_guest.build(os.path.join(REPO, '.state',
                                                    'test-guest'))
    except RuntimeError as exc:
        pytest.fail('cannot build the test guest: %s' % exc, pytrace=False)
    image = sdk.image.create_image(
        name=IMAGE, filename=guest['qcow2'], disk_format='qcow2',
        container_format='bare', wait=True)
    sdk.compute.create_keypair(name=KEYPAIR, public_key=PUBLIC_KEY.replace(
        'horizon-import', 'horizon-api'))
    return {'image': image, 'sdk': sdk,
            'password': dashboard.keystone.passwords()['demo']}


def test_login(browser, demo):
    b = browser
    b.get('/auth/login/')
    b.shot('login-page')
    b.find(By.ID, 'id_username').send_keys('demo')
    b.find(By.ID, 'id_password').send_keys(demo['password'])
    b.click(By.ID, 'loginBtn')
    b.wait(lambda d: '/auth/login' not in d.current_url, what='logged in')
    b.settle()
    b.shot('logged-in')
    assert 'demo' in b.text()


def test_overview(browser, demo):
    b = browser
    b.get('/project/')
    b.find(By.CSS_SELECTOR, '.quota-dynamic')
    text = b.text()
    assert 'Limit Summary' in text, text[:2000]
    assert 'Usage Summary' in text, text[:2000]
    b.wait(lambda d: d.find_elements(By.CSS_SELECTOR, '.pie-chart-usage svg'),
           what='the limit pie charts')
    b.shot('overview')
    b.no_errors('Overview')


def test_launch_instance(browser, demo):
    b = browser
    b.get('/project/instances/')
    b.shot('instances-empty')
    b.no_errors('Instances')
    b.click(By.ID, 'instances__action_launch-ng')
    modal = b.find(By.CSS_SELECTOR, '.modal-dialog')
    b.settle()
    name = b.find(By.CSS_SELECTOR, '.modal-dialog input#name')
    name.send_keys(SERVER)
    b.shot('launch-details')

    def step(title):
        b.click(By.XPATH, '//div[contains(@class,"modal-dialog")]'
                          '//li[contains(@class,"nav-item") or @role]'
                          '//*[normalize-space()="%s"]' % title)
        b.settle()

    def allocate(row_text):
        """The available row naming ``row_text``: its up-arrow button."""
        b.click(By.XPATH, '//div[contains(@class,"modal-dialog")]'
                          '//table[contains(@class,"table")]'
                          '//tr[td[normalize-space()="%s"]]//button'
                % row_text)
        b.settle()

    step('Source')
    b.find(By.XPATH, '//td[normalize-space()="%s"]' % IMAGE)
    allocate(IMAGE)
    b.shot('launch-source')
    step('Flavor')
    allocate('m1.nano')
    b.shot('launch-flavor')
    step('Networks')
    # The lone network is allocated by Horizon; allocate it if not.
    allocated = b.driver.find_elements(
        By.XPATH, '//div[contains(@class,"modal-dialog")]//'
                  'td[normalize-space()="private"]')
    assert allocated, b.text()[:2000]
    b.shot('launch-networks')
    step('Security Groups')
    b.find(By.XPATH, '//div[contains(@class,"modal-dialog")]'
                     '//td[normalize-space()="default"]')
    b.shot('launch-security-groups')
    step('Key Pair')
    b.find(By.XPATH, '//div[contains(@class,"modal-dialog")]'
                     '//td[normalize-space()="%s"]' % KEYPAIR)
    b.shot('launch-keypair')
    b.no_errors('Launch Instance')
    b.click(By.XPATH, '//div[contains(@class,"modal-dialog")]'
                      '//button[contains(@class,"finish")]')
    def closed(_driver):
        # Removed from the document: chromedriver may say so with a
        # generic inspector error instead of a stale element.
        try:
            return not modal.is_displayed()
        except sel_exc.WebDriverException:
            return True
    b.wait(closed, what='the modal to close')
    b.shot('launch-submitted')
    b.no_errors('Launch Instance (submitted)')
    # The table, not the modal: Horizon's JS swallows create errors.
    servers = demo['sdk'].compute.servers(name='^%s$' % SERVER)
    row = '//tr[.//a[normalize-space()="%s"]]' % SERVER
    deadline = time.monotonic() + WAIT
    while True:
        b.get('/project/instances/')
        rows = b.driver.find_elements(By.XPATH, row)
        if rows and 'Active' in rows[0].text:
            break
        if time.monotonic() > deadline:
            b.shot('not-active')
            raise AssertionError('no Active row %s: %s; API: %s' % (
                SERVER, [r.text for r in rows],
                [(s.status, s.fault) for s in servers]))
        time.sleep(1)
    b.shot('instance-active')
    b.no_errors('Instances (active)')
    server = demo['sdk'].compute.find_server(SERVER)
    assert server.status == 'ACTIVE'
    assert server.key_name == KEYPAIR
    assert [g['name'] for g in server.security_groups] == ['default']
    assert list(server.addresses) == ['private']
    # The Log tab (os-getConsoleOutput): the real guest's marker line.
    deadline = time.monotonic() + 120
    while True:
        b.get('/project/instances/%s/?tab=instance_details__log'
              % server.id)
        try:
            log = b.find(By.CSS_SELECTOR, 'pre.logs').text
        except sel_exc.WebDriverException:
            log = ''    # the tab re-rendered under us: read it again
        if build_test_guest.MARKER in log or time.monotonic() > deadline:
            break
        time.sleep(2)
    b.shot('instance-log')
    assert build_test_guest.MARKER in log, log[-2000:]
    assert 'Unable to get log' not in b.text(), b.text()[:2000]
    b.no_errors('Instance log')


def test_delete_instance_from_row_menu(browser, demo):
    b = browser
    b.get('/project/instances/')
    row = '//tr[.//a[normalize-space()="%s"]]' % SERVER
    b.click(By.XPATH, row + '//a[contains(@class,"dropdown-toggle")]'
                            ' | ' + row +
            '//button[contains(@class,"dropdown-toggle")]')
    b.click(By.XPATH, row + '//*[contains(@id,"__action_delete")]')
    b.shot('delete-confirm')
    b.click(By.XPATH, '//div[contains(@class,"modal-footer")]'
                      '//*[contains(@class,"btn-danger")]')
    deadline = time.monotonic() + WAIT
    while b.driver.find_elements(By.XPATH, row):
        if time.monotonic() > deadline:
            b.shot('not-deleted')
            raise AssertionError('%s still listed: %s' % (SERVER, b.text()))
        time.sleep(1)
        b.get('/project/instances/')
    b.shot('instance-deleted')
    b.no_errors('Instances (deleted)')
    assert demo['sdk'].compute.find_server(SERVER) is None


def test_key_pairs_create_and_import(browser, demo):
    b = browser
    b.get('/project/key_pairs')
    b.find(By.XPATH, '//*[normalize-space()="%s"]' % KEYPAIR)
    b.shot('key-pairs')
    b.no_errors('Key Pairs')
    # Create: Nova generates it; Horizon hands the private key to the
    # browser as a download and closes the modal.
    _key_pair_modal(b, 'Create Key Pair', 'horizon-made')
    b.shot('key-pair-create')
    _submit_modal(b, 'Create Key Pair')
    b.find(By.XPATH, '//a[normalize-space()="horizon-made"]')
    b.shot('key-pair-created')
    # Import a public key.
    _key_pair_modal(b, 'Import Public Key', 'horizon-imported')
    b.find(By.CSS_SELECTOR, '.modal-dialog textarea').send_keys(PUBLIC_KEY)
    b.shot('key-pair-import')
    _submit_modal(b, 'Import Public Key')
    b.get('/project/key_pairs')
    for name in ('horizon-made', 'horizon-imported'):
        b.find(By.XPATH, '//*[normalize-space()="%s"]' % name)
    b.shot('key-pairs-after')
    b.no_errors('Key Pairs (after)')
    names = {k.name for k in demo['sdk'].compute.keypairs()}
    assert {KEYPAIR, 'horizon-made', 'horizon-imported'} <= names
    imported = demo['sdk'].compute.get_keypair('horizon-imported')
    assert imported.public_key.strip() == PUBLIC_KEY


def _key_pair_modal(b, button, name):
    b.click(By.XPATH, '//button[contains(normalize-space(), "%s")]'
            % button)
    b.find(By.CSS_SELECTOR, '.modal-dialog input[name="name"]').send_keys(
        name)
    for select in b.driver.find_elements(By.CSS_SELECTOR,
                                         '.modal-dialog select'):
        for option in select.find_elements(By.TAG_NAME, 'option'):
            if 'SSH' in option.text:
                option.click()


def _submit_modal(b, button):
    b.click(By.XPATH, '//div[contains(@class,"modal-footer")]'
                      '//button[contains(normalize-space(), "%s")]' % button)
    b.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, '.modal-dialog'),
           what='the %s modal to close' % button)
    b.settle()


def test_images_list(browser, demo):
    b = browser
    b.get('/project/images')
    b.find(By.XPATH, '//a[normalize-space()="%s"]' % IMAGE)
    b.shot('images')
    b.no_errors('Images')


@pytest.mark.parametrize('path', [
    '/project/networks/', '/project/security_groups/',
    '/project/server_groups', '/project/api_access/'])
def test_more_pages_render(browser, demo, path):
    b = browser
    b.get(path)
    b.find(By.CSS_SELECTOR, '.page-header, #content_body, .table')
    b.shot(path.strip('/').replace('/', '-'))
    assert 'not authorized' not in b.text(), b.text()[:2000]
    b.no_errors(path)


def test_horizon_logged_no_traceback(dashboard, browser):
    found = dashboard.horizon.tracebacks()
    assert not found, '\n'.join(found)
