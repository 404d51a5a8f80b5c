"""What the browser tests share: a headless Chromium driven by Selenium over the dashboard (open,
fill, submit and wait, sign in), and what every page they open is checked for: axe-core's
accessibility rules, with a screenshot kept for a person to look at."""
import pathlib
import shutil
import socket
import sys

try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    HAVE_SELENIUM = True
except ImportError:  # the tests say so and skip
    HAVE_SELENIUM = False

AXE = pathlib.Path(__file__).resolve().parents[2] / "tests/servers/node/node_modules/axe-core/axe.min.js"


def skip(reason):
    """Ends the test as skipped (CTest's SKIP_RETURN_CODE 77), saying why."""
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def serious_accessibility_violations(driver):
    """Runs axe-core in the page; returns its serious and critical violations as one line each,
    or raises RuntimeError when axe could not run. The pages allow no script (CSP): axe is
    injected through the DevTools protocol."""
    driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done(String(e)));")
    if not isinstance(result, list):
        raise RuntimeError(f"axe-core did not run: {result}")
    return [f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}"
            for v in result if v.get("impact") in ("serious", "critical")]


class Browser:
    """A headless Chromium on `base` (a `maestro serve` address); screenshots go to `artifacts`
    as <prefix>-NN-<name>.png."""

    def __init__(self, artifacts, prefix):
        self.artifacts = artifacts
        self.prefix = prefix
        self.shots = 0
        self.driver = None
        self.base = ""

    def start_browser(self, downloads=None):
        options = Options()
        if downloads:
            options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                      "download.prompt_for_download": False})
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1000"):
            options.add_argument(arg)
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                                       options=options)
        self.driver.set_page_load_timeout(30)
        if downloads:
            self.driver.execute_cdp_cmd("Page.setDownloadBehavior",
                                        {"behavior": "allow", "downloadPath": str(downloads)})

    def quit_browser(self):
        if self.driver:
            self.driver.quit()
            self.driver = None

    def open(self, path):
        self.driver.get(self.base + path)

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def page_checked(self, name):
        """Saves a screenshot and fails on any serious or critical axe-core violation."""
        self.shots += 1
        self.driver.save_screenshot(str(self.artifacts / f"{self.prefix}-{self.shots:02d}-{name}.png"))
        try:
            bad = serious_accessibility_violations(self.driver)
        except RuntimeError as e:
            raise Failure(f"{name}: {e}")
        check(not bad, f"{name}: accessibility violations: " + "; ".join(bad))

    def click_and_wait(self, element):
        """Clicks what submits a form and waits for the next page to replace this one."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        element.click()

        def replaced(_):
            try:
                page.is_enabled()
                return False
            except WebDriverException:  # stale, or "node does not belong to the document"
                return True

        WebDriverWait(self.driver, 20).until(replaced)

    def fill(self, field_id, value):
        element = self.driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(value)

    def sign_in(self, email, password):
        self.open("/dashboard/login")
        self.fill("email", email)
        self.fill("password", password)
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))

    def sign_out(self):
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form.signout button"))
