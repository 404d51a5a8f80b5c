#!/usr/bin/python3
"""The requester's portal and the privacy team's dashboard in a real headless Chromium (Selenium),
against `maestro serve` started on loopback with a real SMTP server (aiosmtpd):

- portal: a requester submits a request (with a Global Privacy Control signal), reads the code
  from the SMTP server, confirms it on the status page; two wrong codes on another request deny it;
- dashboard: set a password through the one-time link, sign in, find a request in the queue,
  move it to fulfilled with the forms, and check what must be refused (a form without its CSRF
  token, an auditor's changes, a script in a name, repeated wrong passwords).

Every page is saved as a screenshot and checked with axe-core (no serious or critical violation).

    tests/web/dashboard_test.py --maestro build/src/maestro --artifacts build/web-artifacts

Exits 77 (skipped, with the reason) when Chromium, chromedriver or Selenium is missing.
"""
import argparse
import http.cookiejar
import json
import mailbox
import os
import re
import pathlib
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request


ROOT = pathlib.Path(__file__).resolve().parents[2]
PASSWORD = "a long passphrase for tests"


from web_checks import AXE, HAVE_SELENIUM, Browser, Failure, check, free_port, skip

if not HAVE_SELENIUM:
    skip("python3-selenium is not installed (scripts/bootstrap --test installs it)")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


class Journey(Browser):
    def __init__(self, maestro, artifacts):
        super().__init__(artifacts, "dashboard")
        self.maestro = maestro
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="maestro-web-"))
        self.env = dict(os.environ, MAESTRO_HOME=str(self.work / "home"), MAESTRO_ACTOR="test")
        self.env.pop("MAESTRO_NOW", None)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = None

    def run_maestro(self, *args):
        done = subprocess.run([self.maestro, *args], env=self.env, capture_output=True, text=True, timeout=60)
        check(done.returncode == 0, f"maestro {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def case_state(self, number):
        return json.loads(self.run_maestro("dsar", "show", number, "--json"))["state"]

    def start(self):
        self.smtp_port = free_port()
        self.maildir = self.work / "maildir"
        self.smtp = subprocess.Popen(
            ["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.smtp_port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        home = self.work / "home"
        home.mkdir(parents=True)
        # The demo's generated shop (SQLite, CSV, logs) is the real store the erasure journey changes.
        self.run_maestro("demo", "--demo-home", str(self.work / "demo"))
        # A note in customer 4's account that names another customer (Art. 15(4) redaction).
        shop = self.work / "demo/shop"
        db = sqlite3.connect(shop / "shop.db")
        db.execute("ALTER TABLE customers ADD COLUMN notes TEXT")
        db.execute("UPDATE customers SET notes = 'Parcel left with customer5@example.com, call +44 20 7946 1005' "
                   "WHERE email = 'customer4@example.com'")
        db.commit()
        db.close()
        datamap = (shop / "datamap.yaml").read_text()
        phone_field = "          - {name: phone, label: Phone number, categories: [user.contact.phone_number]}\n"
        check(phone_field in datamap, "the demo map has changed: the test cannot add its notes field")
        (shop / "datamap.yaml").write_text(datamap.replace(
            phone_field, phone_field + "          - {name: notes, label: Notes, categories: [user.content]}\n"))
        (home / "maestro.yaml").write_text(
            f"datamap: {self.work / 'demo/shop/datamap.yaml'}\n"
            f"organisation: {{name: Example Shop Ltd, dpo_email: dpo@example.com}}\n"
            f"mail: {{from: dpo@example.com, smtp: 'smtp://127.0.0.1:{self.smtp_port}', tls: none}}\n"
            f"exports_root: {self.work / 'exports'}\n"
            f"server: {{public_url: '{self.base}', portal_questions: "
            f"[{{field: customers.postcode, question: 'The postcode of your delivery address'}}]}}\n")
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        self.run_maestro("dsar", "intake", "--subject", "jane@example.com", "--name", "Jane Example",
                         "--rights", "access", "--jurisdiction", "uk-gdpr")
        # Received two months ago: overdue, so it heads the queue.
        received = time.strftime("%Y-%m-%dT09:00:00Z", time.gmtime(time.time() - 62 * 86400))
        self.run_maestro("dsar", "intake", "--subject", "bob@example.com", "--name", "<script>alert('x')</script>",
                         "--rights", "erasure", "--jurisdiction", "gdpr", "--received", received)
        self.links = {}
        for email, role in (("olivia@example.com", "dpo"), ("arthur@example.com", "auditor")):
            made = json.loads(self.run_maestro("user", "add", "--email", email, "--role", role, "--json"))
            self.links[email] = made["password_link"].split("link=")[1]
        self.server = subprocess.Popen(
            [self.maestro, "serve", "--listen", f"127.0.0.1:{self.port}", "--workers", "1", "--no-daily-sweep",
             "--access-log", str(self.work / "access.log")],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        self.downloads = self.work / "downloads"
        self.downloads.mkdir()
        self.start_browser(self.downloads)

    def stop(self):
        self.quit_browser()
        if getattr(self, "smtp", None):
            self.smtp.kill()
        if self.server:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
        shutil.rmtree(self.work, ignore_errors=True)

    # --- the browser ---------------------------------------------------------------------------

    def sign_in(self, email, password=PASSWORD):
        super().sign_in(email, password)

    def raw(self, path):
        cookie = self.driver.get_cookie("maestro_session")
        request = urllib.request.Request(self.base + path, headers={"Cookie": "maestro_session=" + cookie["value"]})
        body = urllib.request.urlopen(request, timeout=10).read().decode()
        return body[body.find("notes-h"):][:400]

    def submit_action(self, action, **fields):
        form = self.driver.find_element(By.CSS_SELECTOR, f"form[action$='/actions/{action}']")
        for name, value in fields.items():
            element = form.find_element(By.NAME, name)
            if element.tag_name == "select":
                Select(element).select_by_value(value)
            else:
                element.send_keys(value)
        self.click_and_wait(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    def start_job(self, kind):
        form = self.driver.find_element(By.XPATH, f"//form[input[@name='kind' and @value='{kind}']]")
        self.click_and_wait(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    def wait_for_job(self, kind):
        """Reloads the case page until the newest job of `kind` has ended; returns its row's text."""
        for _ in range(150):
            rows = [r.text for r in self.driver.find_elements(
                By.XPATH, "//h2[@id='jobs-h']/following-sibling::table//tbody/tr") if f" {kind} " in f" {r.text} "]
            if rows and ("succeeded" in rows[0] or "failed" in rows[0]):
                check("succeeded" in rows[0], f"the {kind} job failed: {rows[0]}")
                return rows[0]
            time.sleep(0.3)
            self.driver.refresh()
        raise Failure(f"the {kind} job did not end")

    def mail_to(self, address, subject_part):
        """The newest message to `address` whose subject has `subject_part`, as text."""
        for _ in range(100):
            box = mailbox.Maildir(str(self.maildir), create=False) if self.maildir.exists() else None
            found = [m for m in (box or []) if address in m["To"] and subject_part in m["Subject"]]
            if found:
                message = found[-1]
                part = message.get_payload(decode=True) if not message.is_multipart() else \
                    message.get_payload(0).get_payload(decode=True)
                return part.decode("utf-8", "replace")
            time.sleep(0.1)
        raise Failure(f"no message to {address} about '{subject_part}' reached the SMTP server")

    def code_for(self, address, seen=()):
        return self.code_for_subject(address, "verification code", seen)

    def code_for_subject(self, address, subject, seen=()):
        for _ in range(100):
            text = self.mail_to(address, subject)
            codes = re.findall(r"\b(\d{6})\b", text)
            if codes and codes[-1] not in seen:
                return codes[-1]
            time.sleep(0.1)
        raise Failure("no new code arrived")

    # --- the portal ----------------------------------------------------------------------------

    def portal(self):
        # A browser sending Global Privacy Control: the opt-out is chosen for the requester.
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Sec-GPC": "1"}})
        self.open("/portal")
        check(self.driver.find_element(By.ID, "wish-opt-out").is_selected(), "GPC did not pre-select the opt-out")
        self.page_checked("portal-form")
        self.fill("name", "Zoe <em>Quinn</em>")
        self.fill("email", "zoe@example.com")
        self.fill("customer_id", "C-1042")
        self.driver.find_element(By.ID, "wish-copy").click()
        Select(self.driver.find_element(By.ID, "residence")).select_by_value("california")
        self.fill("details", "Orders since 2019 <script>alert(1)</script>")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        self.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
        check("/portal/s/st_" in self.driver.current_url, "the submission did not lead to the status page")
        status_url = self.driver.current_url.split("?")[0]
        check("Please confirm it is you" in self.text(), "the status page does not ask for the code: " + self.text())
        self.page_checked("portal-status-code")
        acknowledgement = self.mail_to("zoe@example.com", "DSAR Received")
        check(status_url.replace(self.base, "") in acknowledgement, "the acknowledgement lacks the status link")
        case = json.loads(self.run_maestro("dsar", "list", "--json"))[-1]
        check(case["channel"] == "portal" and case["jurisdiction"] == "ccpa" and case["gpc"] is True and
              case["rights"] == ["ccpa-know", "ccpa-opt-out-of-sale"], f"the portal case is wrong: {case}")
        code = self.code_for("zoe@example.com")
        self.fill("code", code)
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/code'] button"))
        check("your email address is confirmed" in self.text(), "the code was not accepted: " + self.text())
        check("We are working on your request" in self.text(), "the status did not move on")
        self.page_checked("portal-status-verified")
        check(self.case_state(case["number"]) == "verified", "the case is not verified")
        # A link that is not ours, and a code posted to a closed door, change nothing.
        self.open("/portal/s/st_" + "0" * 64)
        check("This link does not work" in self.text(), "an unknown status link was not refused")

        # An erasure needs a second check: a question about the person's own records.
        self.open("/portal")
        self.fill("name", "Tom Haddad")
        self.fill("email", "customer3@example.com")
        self.driver.find_element(By.ID, "wish-delete").click()
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        self.fill("code", self.code_for("customer3@example.com"))
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/code'] button"))
        check("one more check" in self.text(), "an erasure was verified by the code alone: " + self.text())
        self.page_checked("portal-question")
        self.fill("q0", "SW1A 1AA")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/answers'] button"))
        check("do not match" in self.text(), "a wrong answer was accepted: " + self.text())
        self.fill("q0", "sw16 7ab")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/answers'] button"))
        check("We are working on your request" in self.text(), "the right answer did not verify: " + self.text())

        # Two wrong codes deny a request, as at the command line.
        self.open("/portal")
        self.fill("name", "Mallory")
        self.fill("email", "victim@example.com")
        self.driver.find_element(By.ID, "wish-delete").click()
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        real = self.code_for("victim@example.com")
        for _ in range(2):
            self.fill("code", "000000" if real != "000000" else "111111")
            self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/code'] button"))
        check("We could not carry out your request" in self.text(), "two wrong codes did not deny: " + self.text())
        self.page_checked("portal-status-denied")

        # Bad input: a clear page, nothing logged.
        before = len(json.loads(self.run_maestro("dsar", "list", "--json")))
        self.open("/portal")
        self.fill("name", "No Wish")
        self.fill("email", "nowish@example.com")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        check("choose at least one thing" in self.text(), "a request without a choice was not refused")
        self.page_checked("portal-form-problem")
        check(len(json.loads(self.run_maestro("dsar", "list", "--json"))) == before, "a refused request was logged")

    # --- an erasure through the dashboard ------------------------------------------------------

    def erasure(self):
        made = json.loads(self.run_maestro("dsar", "intake", "--subject", "customer2@example.com", "--name",
                                           "Sofia Haddad", "--rights", "erasure", "--jurisdiction", "uk-gdpr",
                                           "--json"))
        number = made["number"]
        self.sign_in("olivia@example.com")
        self.open("/dashboard/cases/" + number)
        self.submit_action("acknowledge")
        # Two checks: a document the operator saw, then the DPO's decision.
        form = self.driver.find_element(By.XPATH, "//form[input[@value='document']]")
        Select(form.find_element(By.NAME, "document")).select_by_value("passport")
        Select(form.find_element(By.NAME, "outcome")).select_by_value("passed")
        self.click_and_wait(form.find_element(By.CSS_SELECTOR, "button"))
        check("identity check recorded" in self.text(), "the check was not recorded: " + self.text())
        check(self.case_state(number) == "awaiting_verification", "one check verified an erasure")
        self.submit_action("override-verification", reason="Second check: signed letter on file")
        self.submit_action("start")
        # A legal hold on the person refuses the erasure until the DPO releases it.
        self.click_and_wait(self.driver.find_element(By.LINK_TEXT, "Legal holds"))
        self.fill("subjects", "email:customer2@example.com")
        Select(self.driver.find_element(By.ID, "hold-reason")).select_by_value("legal-claims")
        self.fill("hold-details", "Claim 2026/114")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form.stack button"))
        check("placed" in self.text(), "the hold was not placed: " + self.text())
        self.page_checked("holds")
        self.open(f"/dashboard/cases/{number}/erasure")
        check("Legal hold" in self.text() and not self.driver.find_elements(By.ID, "confirm"),
              "the preview offers an erasure despite a hold")
        self.open("/dashboard/holds")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/release'] button"))
        check("released" in self.text(), "the hold was not released")
        self.open(f"/dashboard/cases/{number}")
        self.click_and_wait(self.driver.find_element(By.LINK_TEXT, "Preview the erasure"))
        preview = self.text()
        check("customers" in preview and "Nothing has changed yet" in preview, "no preview table: " + preview)
        self.page_checked("erasure-preview")
        check(self.database_has("customer2@example.com"), "the preview changed the store")
        self.driver.find_element(By.ID, "confirm").click()
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button"))
        for _ in range(100):
            jobs = self.driver.find_element(By.XPATH, "//h2[@id='jobs-h']/following-sibling::table").text
            if "succeeded" in jobs or "failed" in jobs:
                break
            time.sleep(0.3)
            self.driver.refresh()
        check("nothing erasable remains" in jobs, "the erasure's proof is not shown: " + jobs)
        check(not self.database_has("customer2@example.com"), "the person is still in the shop's database")
        self.page_checked("erasure-done")
        self.submit_action("review")
        self.submit_action("fulfil")
        check(self.case_state(number) == "fulfilled", "the erasure case was not closed")
        letters = self.driver.find_element(By.XPATH, "//h2[@id='letters-h']/following-sibling::table").text
        check("deletion-confirmation" in letters, "no deletion confirmation letter: " + letters)

        # Reports: a chart drawn on the server with the same numbers in a table, and the DSR log.
        self.click_and_wait(self.driver.find_element(By.LINK_TEXT, "Reports"))
        check(self.driver.find_elements(By.CSS_SELECTOR, "svg.chart rect"), "no bars in the chart")
        check("erasure" in self.text() and "Requests received" in self.text(), "the report lacks its figures")
        self.page_checked("reports")
        cookie = self.driver.get_cookie("maestro_session")
        year = time.strftime("%Y", time.gmtime())
        request = urllib.request.Request(self.base + "/dashboard/reports/dsr-log.csv?year=" + year,
                                         headers={"Cookie": "maestro_session=" + cookie["value"]})
        log = urllib.request.urlopen(request, timeout=10).read().decode()
        check(log.startswith("case,date_received") and number in log, "the DSR log CSV is wrong: " + log[:200])
        check("Sofia" not in log, "the DSR log names a requester")
        self.click_and_wait(self.driver.find_element(By.LINK_TEXT, "Audit"))
        check("Intact" in self.text(), "the audit trail is not reported intact: " + self.text())
        self.page_checked("audit")
        self.sign_out()

    # --- the portal's erasure request (verified there by a code and a question) to its proof ---

    def portal_erasure(self):
        cases = json.loads(self.run_maestro("dsar", "list", "--json"))
        number = next(c["number"] for c in cases if c["channel"] == "portal" and c["rights"] == ["erasure"]
                      and c["state"] == "verified")
        check(self.database_has("customer3@example.com"), "the shop lacks the requester before the erasure")
        self.sign_in("olivia@example.com")
        self.open("/dashboard/cases/" + number)
        self.submit_action("start")
        self.click_and_wait(self.driver.find_element(By.LINK_TEXT, "Preview the erasure"))
        check("Nothing has changed yet" in self.text(), "no preview: " + self.text())
        self.driver.find_element(By.ID, "confirm").click()
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button"))
        row = self.wait_for_job("erase")
        check("nothing erasable remains" in row, "the erasure's proof is not shown: " + row)
        check(not self.database_has("customer3@example.com"), "the requester is still in the shop's database")
        self.submit_action("review")
        self.submit_action("fulfil")
        self.sign_out()
        letter = self.mail_to("customer3@example.com", "DSAR Received")
        link = re.findall(r"http://127\.0\.0\.1:\d+/portal/s/st_[0-9a-f]+", letter)
        check(link, "the acknowledgement has no status link")
        self.driver.get(link[0])
        check("Your request is done" in self.text(), "the requester's page does not say it is done: " + self.text())
        self.page_checked("portal-erasure-done")
        confirmation = self.mail_to("customer3@example.com", "Deletion Request - Complete")
        check(number in confirmation, "the deletion confirmation names no case: " + confirmation[:300])

    # --- an access request from the portal to the requester's download ------------------------

    def access_download(self):
        email = "customer4@example.com"
        self.open("/portal")
        self.fill("name", "Ada Brook")
        self.fill("email", email)
        self.driver.find_element(By.ID, "wish-copy").click()
        Select(self.driver.find_element(By.ID, "residence")).select_by_value("uk")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
        self.fill("code", self.code_for(email))
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/code'] button"))
        check("We are working on your request" in self.text(), "the access request was not verified: " + self.text())
        number = json.loads(self.run_maestro("dsar", "list", "--json"))[-1]["number"]

        self.sign_in("olivia@example.com")
        self.open("/dashboard?state=verified&right=access")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")
        check(rows and number in rows[0].text, f"{number} is not at the top of the verified queue")
        self.click_and_wait(self.driver.find_element(By.LINK_TEXT, number))
        form = self.driver.find_element(By.CSS_SELECTOR, "form[action$='/actions/assign']")
        Select(form.find_element(By.NAME, "text")).select_by_value("olivia@example.com")
        self.click_and_wait(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        check("olivia@example.com" in self.driver.find_element(By.CSS_SELECTOR, "dl.facts").text,
              "the case was not assigned from the list of operators")
        self.submit_action("start")
        self.start_job("locate")
        self.wait_for_job("locate")
        found = self.driver.find_element(By.XPATH, "//h2[@id='found-h']/following-sibling::table").text
        check("shop.customers 1" in found, "no records per collection: " + found)
        check(email not in self.driver.page_source.split("found-h")[1].split("letters-h")[0],
              "the records found show a value, not a count")
        self.page_checked("case-records-found")
        self.start_job("export")
        self.wait_for_job("export")
        self.page_checked("case-exported")
        # The DPO reviews the other customer's email and phone that the package replaced.
        section = self.driver.find_element(By.XPATH, "//h2[@id='redactions-h']/..").text
        check("customer5@example.com" in section and "+44 20 7946 1005" in section,
              "the redactions are not shown before and after: " + section)
        check("[redacted: another person]" in section, "the redacted text is not shown: " + section)
        self.page_checked("case-redactions")
        form = self.driver.find_element(By.CSS_SELECTOR, "form[action$='/redactions']")
        form.find_element(By.NAME, "reason").send_keys("The requester asked for the neighbour's address")
        self.click_and_wait(form.find_element(By.CSS_SELECTOR, "button[value=restore]"))
        check("value restored" in self.text(), "no notice after the restore: " + self.text()[:400])
        form = self.driver.find_element(By.CSS_SELECTOR, "form[action$='/redactions']")
        self.click_and_wait(form.find_element(By.CSS_SELECTOR, "button[value=release]"))
        check("redaction released" in self.text(), "no notice after the release")
        section = self.driver.find_element(By.XPATH, "//h2[@id='redactions-h']/..").text
        check("restored" in section and "released" in section and "pending" not in section,
              "the decisions are not shown: " + section)
        trail = self.run_maestro("audit", "export")
        check('"decision":"restored"' in trail and "customer5@example.com" not in trail,
              "the restore is not audited, or the audit trail holds the value")
        self.submit_action("review")
        self.submit_action("fulfil")
        letters = self.driver.find_element(By.XPATH, "//h2[@id='letters-h']/following-sibling::table").text
        check("package-password" in letters and "fulfilment" in letters, "the letters are missing: " + letters)
        self.sign_out()

        # The requester: the link in the fulfilment letter, a fresh code, the download, 7-Zip.
        letter = self.mail_to(email, "Request is Complete")
        links = re.findall(r"http://127\.0\.0\.1:\d+/portal/s/st_[0-9a-f]+", letter)
        check(links, "the fulfilment letter does not link to the status page: " + letter)
        self.driver.get(links[0])
        check("Download your data" in self.text(), "the status page offers no download: " + self.text())
        self.page_checked("portal-download")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/download-code'] button"))
        self.fill("download-code", self.code_for_subject(email, "download code"))
        self.page_checked("portal-download-code")
        self.driver.find_element(By.CSS_SELECTOR, "form[action$='/download'] button").click()
        package = None
        for _ in range(200):
            done = [p for p in self.downloads.iterdir() if p.suffix == ".zip"]
            if done:
                package = done[0]
                break
            time.sleep(0.1)
        check(package is not None, "the browser downloaded nothing: " + str(list(self.downloads.iterdir())))
        password = re.search(r"is:\s*\n\s*(\S+)", self.mail_to(email, "Password for your data"))
        check(password, "no password in the second message")
        listing = subprocess.run(["7z", "l", "-slt", "-p" + password.group(1), str(package)],
                                 capture_output=True, text=True, timeout=60)
        check(listing.returncode == 0, "7z cannot open the package: " + listing.stdout[-400:] + listing.stderr)
        check("data.json" in listing.stdout or ".json" in listing.stdout, "the package holds no JSON: " + listing.stdout)
        tested = subprocess.run(["7z", "t", "-p" + password.group(1), str(package)],
                                capture_output=True, text=True, timeout=60)
        check(tested.returncode == 0 and "Everything is Ok" in tested.stdout, "7z finds the package damaged")
        wrong = subprocess.run(["7z", "t", "-pnot-the-password", str(package)], capture_output=True, text=True,
                               timeout=60)
        check(wrong.returncode != 0, "the package opens without its password")

    # --- a correction, with checks made by the operator ------------------------------------------

    def rectification(self):
        email = "customer5@example.com"
        import sqlite3
        with sqlite3.connect(self.work / "demo/shop/shop.db") as db:
            postcode = db.execute("SELECT postcode FROM customers WHERE email = ?", (email,)).fetchone()[0]
        made = json.loads(self.run_maestro("dsar", "intake", "--subject", email, "--name", "Carl Mendes",
                                           "--rights", "rectification", "--jurisdiction", "uk-gdpr", "--json"))
        number = made["number"]
        self.sign_in("olivia@example.com")
        self.open("/dashboard/cases/" + number)
        self.submit_action("acknowledge")
        self.click_and_wait(self.driver.find_element(By.XPATH, "//form[input[@value='send-code']]//button"))
        check("code was emailed" in self.text(), "no notice after sending a code: " + self.text())
        self.fill("check-code", self.code_for(email))
        self.click_and_wait(self.driver.find_element(By.XPATH, "//form[input[@value='code']]//button"))
        check(self.case_state(number) == "awaiting_verification", "one check verified a rectification")
        self.fill("check-answers", "customers.postcode=" + postcode)
        self.page_checked("case-checks")
        self.click_and_wait(self.driver.find_element(By.XPATH, "//form[input[@value='knowledge']]//button"))
        check(self.case_state(number) == "verified", "the code and the answer did not verify: " + self.text())
        self.submit_action("start")
        self.fill("corrections", "customers.phone=+44 20 7946 0000")
        self.click_and_wait(self.driver.find_element(By.XPATH, "//form[input[@value='rectify']]//button"))
        preview = self.text()
        check("Nothing has changed yet" in preview and "customers" in preview, "no correction preview: " + preview)
        check("Parcel carrier" in preview, "the recipients to tell are not listed: " + preview)
        self.page_checked("rectify-preview")
        with sqlite3.connect(self.work / "demo/shop/shop.db") as db:
            check(db.execute("SELECT phone FROM customers WHERE email = ?", (email,)).fetchone()[0] != "+44 20 7946 0000",
                  "the preview changed the store")
        self.driver.find_element(By.ID, "confirm").click()
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button"))
        row = self.wait_for_job("rectify")
        check("changed and read again" in row, "the correction's proof is not shown: " + row)
        with sqlite3.connect(self.work / "demo/shop/shop.db") as db:
            phone = db.execute("SELECT phone FROM customers WHERE email = ?", (email,)).fetchone()[0]
        check(phone == "+44 20 7946 0000", f"the phone was not corrected: {phone}")
        self.page_checked("rectify-done")
        self.sign_out()

    def database_has(self, email):
        import sqlite3
        with sqlite3.connect(self.work / "demo/shop/shop.db") as db:
            return db.execute("SELECT count(*) FROM customers WHERE email = ?", (email,)).fetchone()[0] > 0

    # --- the dashboard -------------------------------------------------------------------------

    def run(self):
        self.portal()
        self.open("/dashboard")
        check(self.driver.current_url.endswith("/dashboard/login"), "the dashboard did not ask to sign in")
        self.page_checked("sign-in")

        self.open("/dashboard/password?link=" + self.links["olivia@example.com"])
        self.page_checked("choose-password")
        self.fill("password", PASSWORD)
        self.fill("again", PASSWORD)
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button"))
        check("Password set" in self.text(), "the password was not set: " + self.text())
        # The link works once.
        self.open("/dashboard/password?link=" + self.links["olivia@example.com"])
        self.fill("password", PASSWORD)
        self.fill("again", PASSWORD)
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button"))
        check("does not work" in self.text(), "a used link worked again")

        self.sign_in("olivia@example.com")
        check(self.driver.current_url.endswith("/dashboard"), "signing in did not open the queue")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")
        check(len(rows) == 5, f"the queue shows {len(rows)} rows, not 5")
        check("DSAR-2026-002" in rows[0].text and "overdue by" in rows[0].text,
              "the overdue case is not first, said in words: " + rows[0].text)
        self.page_checked("queue")
        # A script in a name is shown as text, never run.
        check("<script>" not in self.driver.page_source.replace("&lt;script&gt;", ""), "a raw script tag in the page")

        self.fill("q", "email:jane@example.com")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form.filters button"))
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")
        check(len(rows) == 1 and "DSAR-2026-001" in rows[0].text, "the identifier search did not find the case")
        self.page_checked("queue-search")

        self.click_and_wait(self.driver.find_element(By.LINK_TEXT, "DSAR-2026-001"))
        self.page_checked("case")
        self.submit_action("acknowledge")
        check("Done: Acknowledge" in self.text(), "no notice after acknowledging: " + self.text())
        check(self.case_state("DSAR-2026-001") == "acknowledged", "the case was not acknowledged")
        letters = self.driver.find_element(By.XPATH, "//h2[@id='letters-h']/following-sibling::table").text
        check("acknowledgement" in letters, "the acknowledgement letter is not listed: " + letters)
        self.submit_action("override-verification", reason="Passport seen at the front desk")
        self.submit_action("start")
        self.submit_action("note", text="Called back <b>Tuesday</b>")
        notes = self.driver.find_element(By.XPATH, "//h2[@id='notes-h']/following-sibling::ul").text
        check("Called back <b>Tuesday</b>" in notes, "the note is not shown as text: " + notes + " / stored: " +
              self.raw("/dashboard/cases/DSAR-2026-001"))
        self.submit_action("review")
        # Nothing was exported: the dashboard does not offer to approve, only the DPO's exception.
        check(not self.driver.find_elements(By.CSS_SELECTOR, "form[action$='/actions/fulfil']"),
              "approval is offered for a case with no package")
        check("no access package yet" in self.text(), "the work still owed is not shown: " + self.text()[:600])
        self.submit_action("close-by-exception", reason="Answered on paper at the front desk")
        check(self.case_state("DSAR-2026-001") == "fulfilled", "the case was not fulfilled")
        timeline = self.driver.find_element(By.XPATH, "//h2[@id='timeline-h']/following-sibling::table").text
        for action in ("acknowledge", "verify", "start", "note", "review", "fulfil"):  # the exception is a fulfil
            check(action in timeline, f"the timeline misses {action}")
        self.page_checked("case-fulfilled")

        # A form posted without the session's CSRF token changes nothing.
        cookie = self.driver.get_cookie("maestro_session")
        check(cookie and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict",
              f"the session cookie lacks HttpOnly/SameSite: {cookie}")
        request = urllib.request.Request(self.base + "/dashboard/cases/DSAR-2026-002/actions/acknowledge",
                                         data=b"reason=x", method="POST",
                                         headers={"Cookie": "maestro_session=" + cookie["value"]})
        try:
            urllib.request.urlopen(request, timeout=10)
            raise Failure("a form without its CSRF token was accepted")
        except urllib.error.HTTPError as e:
            check(e.code == 403, f"a missing CSRF token answered {e.code}, not 403")
        check(self.case_state("DSAR-2026-002") == "received", "the case changed without a CSRF token")

        self.sign_out()
        self.open("/dashboard")
        check(self.driver.current_url.endswith("/dashboard/login"), "signing out did not end the session")

        # An auditor reads and is offered no action.
        self.open("/dashboard/password?link=" + self.links["arthur@example.com"])
        self.fill("password", PASSWORD)
        self.fill("again", PASSWORD)
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "main form button"))
        self.sign_in("arthur@example.com")
        self.open("/dashboard/cases/DSAR-2026-002")
        check(not self.driver.find_elements(By.CSS_SELECTOR, "form.action"), "an auditor is offered actions")
        check("Nothing to do here with your role" in self.text(), "the auditor's case page does not say why")
        try:
            self.driver.switch_to.alert
            raise Failure("a script from a requester's name ran")
        except NoAlertPresentException:
            pass
        self.page_checked("case-auditor")
        self.sign_out()

        self.erasure()
        self.portal_erasure()
        self.access_download()
        self.rectification()

        # Wrong passwords lock the account out, saying until when.
        for _ in range(5):
            self.sign_in("olivia@example.com", "not the password at all")
            check("wrong" in self.text(), "a wrong password was not refused")
        self.sign_in("olivia@example.com")
        check("too many failed sign-ins" in self.text(), "the account was not locked: " + self.text())
        self.page_checked("locked-out")

        log = (self.work / "access.log").read_text()
        for secret in ("jane@example.com", PASSWORD, cookie["value"]):
            check(secret not in log, "the access log holds a secret or an identifier")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--maestro", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
        skip("chromium is not installed (scripts/bootstrap --test installs it)")
    if not AXE.exists():
        skip("axe-core is not installed (scripts/bootstrap --test runs npm ci in tests/servers/node)")
    artifacts = pathlib.Path(args.artifacts)
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in artifacts.glob("dashboard-*.png"):
        old.unlink()
    journey = Journey(args.maestro, artifacts)
    try:
        journey.start()
        journey.run()
    except Failure as failure:
        if journey.driver:
            journey.driver.save_screenshot(str(artifacts / "dashboard-failure.png"))
        print(f"FAILED: {failure}", flush=True)
        return 1
    finally:
        journey.stop()
    print(f"passed; {journey.shots} screenshots in {artifacts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
