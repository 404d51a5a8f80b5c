#!/usr/bin/python3
"""The privacy inbox in the dashboard, in a real headless Chromium, over a real IMAP server
(dovecot, the tests' fixture) and a real SMTP server (aiosmtpd):

- two messages reach the inbox (an English erasure request naming an order, a German message
  that is no request); `maestro mail fetch` makes drafts of them;
- an operator reads the drafts, corrects the guess of the first and logs it as a case with its
  acknowledgement, and sets the second aside with a reason;
- the requester answers the acknowledgement with an ID scan attached: the reply joins the case,
  the operator looks at the scan (an auditor may not), records the check, and the scan is gone.

Every page is saved as a screenshot and checked with axe-core.

    tests/web/inbox_test.py --maestro build/src/maestro --artifacts build/web-artifacts

Needs MAESTRO_TEST_SERVERS (the folder holding imap.state); exits 77 (skipped, with the reason)
when the fixture, Chromium or Selenium is missing.
"""
import argparse
import base64
import imaplib
import json
import mailbox
import os
import pathlib
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib

PASSWORD = "a long passphrase for tests"


from web_checks import AXE, HAVE_SELENIUM, Browser, Failure, check, free_port, skip  # noqa: E402

if not HAVE_SELENIUM:
    skip("python3-selenium is not installed (scripts/bootstrap --test installs it)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


def tiny_png():
    """A 2x2 PNG, made here: the 'scan of an ID'."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class InboxJourney(Browser):
    def __init__(self, maestro, artifacts, imap_port, imap_dir):
        super().__init__(artifacts, "inbox")
        self.maestro = maestro
        self.imap_port = imap_port
        self.imap_dir = imap_dir
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="maestro-inbox-"))
        self.env = dict(os.environ, MAESTRO_HOME=str(self.work / "home"), MAESTRO_ACTOR="test",
                        IMAP_PASSWORD="imap-test-password")
        self.env.pop("MAESTRO_NOW", None)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.folder = f"Web-{os.getpid()}"
        self.server = None
        self.smtp = None

    def run_maestro(self, *args, stdin=None, ok=True):
        done = subprocess.run([self.maestro, *args], env=self.env, capture_output=True, text=True, timeout=60,
                              input=stdin)
        if ok:
            check(done.returncode == 0, f"maestro {' '.join(args)} failed: {done.stderr}")
        return done

    def imap(self):
        context = ssl.create_default_context(cafile=str(self.imap_dir / "ca.pem"))
        client = imaplib.IMAP4_SSL("127.0.0.1", self.imap_port, ssl_context=context)
        client.login("privacy", "imap-test-password")
        return client

    def deliver(self, message):
        """Appends a message to the test's inbox folder, as a mail server would deliver it."""
        client = self.imap()
        typ, _ = client.append(self.folder, None, None, message.replace(b"\n", b"\r\n"))
        client.logout()
        check(typ == "OK", "the IMAP server did not take the message")

    def start(self):
        client = self.imap()
        client.create(self.folder)
        client.logout()
        self.smtp_port = free_port()
        self.maildir = self.work / "maildir"
        self.smtp = subprocess.Popen(
            ["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.smtp_port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        home = self.work / "home"
        home.mkdir(parents=True)
        (home / "maestro.yaml").write_text(
            "organisation: {name: Example Shop Ltd, dpo_email: dpo@shop.example}\n"
            "mail:\n"
            f"  from: dpo@shop.example\n  smtp: 'smtp://127.0.0.1:{self.smtp_port}'\n  tls: none\n"
            f"  imap: imaps://privacy@127.0.0.1:{self.imap_port}/{self.folder}\n"
            "  imap_password_env: IMAP_PASSWORD\n"
            f"  imap_ca_file: {self.imap_dir / 'ca.pem'}\n"
            f"  imap_processed_folder: {self.folder}-Processed\n"
            f"  imap_ignored_folder: {self.folder}-Ignored\n"
            f"server: {{public_url: '{self.base}'}}\n")
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        for email, role in (("olivia@example.com", "operator"), ("arthur@example.com", "auditor")):
            self.run_maestro("user", "add", "--email", email, "--role", role, "--password-stdin", stdin=PASSWORD)
        # serve fetches the inbox itself once a minute; the test fetches with the CLI instead, so
        # that nothing depends on timing.
        self.server = subprocess.Popen(
            [self.maestro, "serve", "--listen", f"127.0.0.1:{self.port}", "--workers", "1", "--no-daily-sweep"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        self.start_browser()

    def stop(self):
        self.quit_browser()
        for process in (self.server, self.smtp):
            if process:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        try:
            client = self.imap()
            for suffix in ("", "-Processed", "-Ignored"):
                client.delete(self.folder + suffix)
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
        shutil.rmtree(self.work, ignore_errors=True)

    def fetch(self):
        return json.loads(self.run_maestro("mail", "fetch", "--json").stdout)

    def acknowledgement_id(self, address):
        for _ in range(100):
            box = mailbox.Maildir(str(self.maildir), create=False) if self.maildir.exists() else []
            for message in box:
                if address in message["To"] and "DSAR Received" in message["Subject"]:
                    return message["Message-ID"], message["Subject"]
            time.sleep(0.1)
        raise Failure(f"no acknowledgement to {address} reached the SMTP server")

    def evidence_response(self, path):
        cookie = self.driver.get_cookie("maestro_session")
        request = urllib.request.Request(self.base + path, headers={"Cookie": "maestro_session=" + cookie["value"]})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def run(self):
        self.deliver(b"""From: Alice Martin <alice@example.com>
To: dpo@shop.example
Subject: Privacy Request - Delete My Data
Date: Fri, 04 Dec 2026 09:30:00 +0000
Message-ID: <alice-1@example.com>
Content-Type: text/plain; charset=UTF-8

Hello,

please delete all the data you hold about me. My last order was #HD12345.

Alice Martin
""")
        self.deliver(b"""From: Hans Berger <hans@example.de>
To: dpo@shop.example
Subject: Frage zu meiner Bestellung
Date: Fri, 04 Dec 2026 10:00:00 +0000
Message-ID: <hans-1@example.de>
Content-Type: text/plain; charset=UTF-8

Guten Tag, wann kommt meine Bestellung an? Danke, Hans Berger
""")
        fetched = self.fetch()
        check(fetched["read"] == 2 and fetched["drafts"] == 2, f"the inbox was not read as expected: {fetched}")

        self.sign_in("olivia@example.com", PASSWORD)
        self.open("/dashboard/mail")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "table.queue tbody tr")
        check(len(rows) == 2, f"the inbox shows {len(rows)} drafts, not 2")
        alice_row = [r for r in rows if "alice@example.com" in r.text]
        check(alice_row and "erasure" in alice_row[0].text, "Alice's draft does not show the right guessed")
        self.page_checked("drafts")
        alice_link = alice_row[0].find_element(By.CSS_SELECTOR, "a").get_attribute("href")
        hans_link = [r for r in rows if "hans@example.de" in r.text][0].find_element(By.CSS_SELECTOR, "a")
        hans_link = hans_link.get_attribute("href")

        # The operator corrects the guess: access as well, the law, and the identifiers.
        self.driver.get(alice_link)
        check("please delete all the data" in self.text(), "the draft does not show the message")
        check(self.driver.find_element(By.ID, "right-erasure").is_selected(), "the guessed right is not ticked")
        check("order_number:HD12345" in self.driver.find_element(By.ID, "subjects").get_attribute("value"),
              "the order number was not found in the text")
        self.page_checked("draft")
        self.driver.find_element(By.ID, "right-access").click()
        Select(self.driver.find_element(By.ID, "jurisdiction")).select_by_value("uk-gdpr")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/log'] button"))
        check("/dashboard/cases/DSAR-" in self.driver.current_url, "logging did not open the case")
        check("Done: Acknowledge" in self.text(), "the case was not acknowledged: " + self.text()[:400])
        number = self.driver.current_url.split("/cases/")[1].split("?")[0]
        case = json.loads(self.run_maestro("dsar", "show", number, "--json").stdout)
        check(case["channel"] == "email" and case["jurisdiction"] == "uk-gdpr" and
              sorted(case["rights"]) == ["access", "erasure"] and case["state"] == "acknowledged",
              f"the logged case is wrong: {case}")
        check(case["received_at"].startswith("2026-12-04T09:30"), f"not received when the message was: {case}")
        self.page_checked("case-logged")

        # A logged draft is not logged twice.
        self.driver.get(alice_link)
        check(not self.driver.find_elements(By.CSS_SELECTOR, "form[action$='/log']"),
              "a logged draft still offers to log it")

        # The German message is no request: set aside with the reason.
        self.driver.get(hans_link)
        self.fill("reason", "a question about a delivery")
        self.click_and_wait(self.driver.find_element(By.CSS_SELECTOR, "form[action$='/ignore'] button"))
        check("Set aside" in self.text() and "a question about a delivery" in self.text(),
              "the draft was not set aside: " + self.text()[:300])
        self.page_checked("set-aside")

        # Alice answers the acknowledgement with a scan of her ID.
        message_id, subject = self.acknowledgement_id("alice@example.com")
        scan = tiny_png()
        self.deliver(f"""From: Alice Martin <alice@example.com>
To: dpo@shop.example
Subject: Re: {subject}
In-Reply-To: {message_id}
References: {message_id}
Date: Sat, 05 Dec 2026 08:00:00 +0000
Message-ID: <alice-2@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=UTF-8

Here is my passport.

--b1
Content-Type: image/png
Content-Disposition: attachment; filename="passport.png"
Content-Transfer-Encoding: base64

{base64.b64encode(scan).decode()}
--b1--
""".encode())
        fetched = self.fetch()
        check(fetched["replies"] == 1, f"the reply did not join its case: {fetched}")
        self.open("/dashboard/cases/" + number)
        check("Evidence the requester sent by email" in self.text(), "the case page shows no evidence")
        link = self.driver.find_element(By.PARTIAL_LINK_TEXT, "Look at passport.png").get_attribute("href")
        path = link.replace(self.base, "")
        self.driver.execute_script("document.getElementById('evidence-h').scrollIntoView()")
        self.page_checked("case-evidence")
        status, headers, body = self.evidence_response(path)
        check(status == 200 and body == scan, f"the scan was not served as it came ({status})")
        check(headers.get("Content-Type") == "image/png" and "sandbox" in headers.get("Content-Security-Policy", ""),
              f"the scan is served without its guards: {headers}")
        self.driver.get(link)  # the operator looks at it in the browser
        self.open("/dashboard/cases/" + number)
        check("evidence-viewed" in self.text(), "looking at the evidence was not audited")

        # An auditor may not open a requester's ID.
        self.sign_out()
        self.sign_in("arthur@example.com", PASSWORD)
        status, _, body = self.evidence_response(path)
        check(status == 403 and scan not in body, f"an auditor opened the evidence ({status})")
        self.open("/dashboard/cases/" + number)
        check(not self.driver.find_elements(By.CSS_SELECTOR, "form[action$='/check']"),
              "an auditor is offered the evidence check")
        self.sign_out()

        # The check is recorded, and the scan destroyed.
        self.sign_in("olivia@example.com", PASSWORD)
        self.open("/dashboard/cases/" + number)
        form = self.driver.find_element(By.CSS_SELECTOR, "form[action$='/check']")
        Select(form.find_element(By.NAME, "document")).select_by_value("passport")
        form.find_element(By.NAME, "finding").send_keys("photo and name match the account")
        self.click_and_wait(form.find_element(By.CSS_SELECTOR, "button"))
        check("attachments are destroyed" in self.text(), "the check did not say the evidence is gone: " +
              self.text()[:400])
        check("Evidence the requester sent by email" not in self.text(), "the evidence is still offered")
        self.page_checked("evidence-checked")
        status, _, body = self.evidence_response(path)
        check(status == 412 or status == 409 or status == 400, f"the destroyed scan is still served ({status})")
        check(scan not in body, "the destroyed scan's bytes came back")
        case = json.loads(self.run_maestro("dsar", "show", number, "--json").stdout)
        check(any(c["method"] == "document" and c["outcome"] == "passed" for c in case["verifications"]),
              f"the check is not on the case: {case['verifications']}")
        gone = self.run_maestro("mail", "evidence", path.split("/")[3], "--out", str(self.work / "scan.png"),
                                ok=False)
        check(gone.returncode != 0 and not (self.work / "scan.png").exists(), "the CLI still gives the scan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--maestro", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    servers = os.environ.get("MAESTRO_TEST_SERVERS", "")
    state = pathlib.Path(servers) / "imap.state"
    if not servers or not state.exists():
        if os.environ.get("MAESTRO_REQUIRE_DATASETS") == "1":
            print("FAILED: the IMAP fixture is missing", flush=True)
            return 1
        skip("no IMAP fixture (MAESTRO_TEST_SERVERS/imap.state): run it through ctest")
    if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
        skip("chromium is not installed (scripts/bootstrap --test installs it)")
    if not AXE.exists():
        skip("axe-core is not installed (scripts/bootstrap --test runs npm ci in tests/servers/node)")
    port, folder = state.read_text().split()[:2]
    artifacts = pathlib.Path(args.artifacts)
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in artifacts.glob("inbox-*.png"):
        old.unlink()
    journey = InboxJourney(args.maestro, artifacts, int(port), pathlib.Path(folder))
    try:
        journey.start()
        journey.run()
    except Failure as failure:
        if journey.driver:
            journey.driver.save_screenshot(str(artifacts / "inbox-failure.png"))
        print(f"FAILED: {failure}", flush=True)
        return 1
    finally:
        journey.stop()
    print(f"passed; {journey.shots} screenshots in {artifacts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
