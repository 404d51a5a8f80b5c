#!/usr/bin/python3
"""The access report (report.html) as its reader gets it, for the demo shop and for Chinook with a
data map that states everything Article 15 asks for (tests/data/chinook-report.datamap.yaml):

- parsed: every place the person's data was found names its purpose, legal basis, categories,
  recipients, source, retention, automated decisions and transfers (Art. 15(1)(a)-(h), 15(2));
  the rights and the complaint authority are there; no raw ISO timestamp, no internal column name
  where the map gives a label, one h1, captions and header scopes on every table;
- validated by the W3C checker (vnu-jar, run by Java);
- opened in a real headless Chromium: axe-core reports no serious or critical violation, and a
  screenshot of each report is saved.

    tests/web/report_test.py --maestro build/src/maestro --artifacts build/web-artifacts

Exits 77 (skipped, with the reason) when Chromium, Selenium, Java or the npm checkers are missing.
The Chinook half needs ../shared/datasets (or $MAESTRO_DATASETS): skipped with a message when
absent, a failure when MAESTRO_REQUIRE_DATASETS=1.
"""
import argparse
import html.parser
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

from web_checks import AXE, serious_accessibility_violations

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "tests/servers/node/node_modules"
VNU = NODE / "vnu-jar/build/dist/vnu.jar"

# The report's labels for the Article 15 items of each place (data/templates/en/report.yaml).
FACTS = ["Why we hold it", "Our legal basis", "Kinds of data", "Who receives it", "Where it came from",
         "How long we keep it", "Automated decisions", "Transfers outside the UK and the European Economic Area"]
RIGHTS = ["Access (Article 15)", "Rectification (Article 16)", "Erasure (Article 17)", "Restriction (Article 18)",
          "Objection (Article 21)", "Automated decisions (Article 22)"]
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}|$)")


def skip(reason):
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(77)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Report(html.parser.HTMLParser):
    """The parts of the report the checks need: places with their facts and tables."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.h1 = 0
        self.places = {}     # id -> {"facts": {dt: dd}, "th": [...], "td": [...], "captions": n, "scoped": bool}
        self.rights = []     # dt texts in the rights list
        self.text = []       # every text node
        self.tables = 0
        self.captions = 0
        self.unscoped_th = 0
        self._place = None
        self._open = None    # "dt", "dd", "th", "td" being read
        self._buffer = ""
        self._dt = None
        self._in_rights = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "section" and (a.get("id") or "").startswith("place-"):
            self._place = a["id"]
            self.places[self._place] = {"facts": {}, "th": [], "td": []}
        elif tag == "dl":
            self._in_rights = a.get("class") == "rights"
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and a.get("scope") not in ("col", "row"):
            self.unscoped_th += 1
        if tag in ("dt", "dd", "th", "td"):
            self._open, self._buffer = tag, ""

    def handle_endtag(self, tag):
        if tag != self._open:
            if tag == "section" and self._place and self._open is None:
                pass
            return
        text = " ".join(self._buffer.split())
        if self._in_rights and tag == "dt":
            self.rights.append(text)
        elif self._place and tag == "dt":
            self._dt = text
        elif self._place and tag == "dd" and self._dt:
            self.places[self._place]["facts"][self._dt] = text
        elif self._place and tag in ("th", "td"):
            self.places[self._place][tag].append(text)
        self._open = None

    def handle_data(self, data):
        self.text.append(data)
        if self._open:
            self._buffer += data


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    check(result.returncode == 0, f"{' '.join(map(str, cmd))} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def open_package(package, password, into):
    run(["7z", "x", "-y", f"-p{password}", f"-o{into}", str(package)])
    return into / "report.html"


def check_report(name, report_file, internal_columns, expect_in_text):
    page = report_file.read_text(encoding="utf-8")
    r = Report()
    r.feed(page)
    check(r.lang == "en", f"{name}: <html lang> is {r.lang!r}")
    check(r.h1 == 1, f"{name}: {r.h1} h1 elements")
    check(r.places, f"{name}: no place with the person's data")
    check(r.tables == r.captions, f"{name}: {r.tables} tables but {r.captions} captions")
    check(r.unscoped_th == 0, f"{name}: {r.unscoped_th} header cells without a scope")
    for place, content in r.places.items():
        facts = content["facts"]
        for fact in FACTS:
            check(fact in facts, f"{name}, {place}: no '{fact}' ({sorted(facts)})")
            check(facts[fact] and "Not recorded" not in facts[fact], f"{name}, {place}: '{fact}' is {facts[fact]!r}")
        for header in content["th"]:
            check(header not in internal_columns, f"{name}, {place}: internal column name '{header}' shown")
        for cell in content["td"]:
            check(not ISO_TIME.search(cell), f"{name}, {place}: raw timestamp '{cell}'")
    for right in RIGHTS:
        check(right in r.rights, f"{name}: the right '{right}' is missing ({r.rights})")
    text = " ".join(" ".join(r.text).split())
    for expected in ["you can complain to", "We found"] + expect_in_text:
        check(expected in text, f"{name}: '{expected}' not in the report")
    check("user.contact" not in text, f"{name}: a fideslang key is shown instead of its name")
    return r


def validate_html(name, report_file):
    result = subprocess.run(["java", "-jar", str(VNU), "--format", "json", str(report_file)],
                            capture_output=True, text=True)
    messages = json.loads(result.stderr or "{}").get("messages", [])
    problems = [m for m in messages if m.get("type") == "error" or m.get("subType") == "warning"]
    check(not problems, f"{name}: the W3C checker reports: " +
          "; ".join(f"line {m.get('lastLine')}: {m.get('message')}" for m in problems[:10]))


class Browser:
    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
        options = Options()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1600"):
            options.add_argument(arg)
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                                       options=options)

    def check(self, name, report_file, artifacts):
        self.driver.get(report_file.as_uri())
        self.driver.save_screenshot(str(artifacts / f"report-{name}.png"))
        try:
            bad = serious_accessibility_violations(self.driver)
        except RuntimeError as e:
            raise Failure(f"{name}: {e}")
        check(not bad, f"{name}: accessibility violations: " + "; ".join(bad))

    def quit(self):
        self.driver.quit()


def demo_report(maestro, work):
    out = run([maestro, "demo", "--demo-home", str(work / "demo")])
    package = re.search(r"package (\S+\.zip)", out).group(1)
    password = re.search(r"password (\S+)", out).group(1)
    return open_package(package, password, work / "demo-package")


def datasets_dir():
    env = os.environ.get("MAESTRO_DATASETS")
    for d in ([pathlib.Path(env)] if env else []) + [ROOT.parent / "shared/datasets"]:
        if (d / "chinook/Chinook_Sqlite.sqlite").exists():
            return d
    return None


def chinook_report(maestro, work, datasets):
    home = work / "chinook"
    home.mkdir()
    shutil.copy(datasets / "chinook/Chinook_Sqlite.sqlite", home / "chinook.db")
    shutil.copy(ROOT / "tests/data/chinook-report.datamap.yaml", home / "datamap.yaml")
    (home / "maestro.yaml").write_text(
        "datamap: datamap.yaml\n"
        f"taxonomy: {datasets / 'fides/fideslang_data_categories.yml'}\n"
        "organisation: {name: Chinook Music Ltd, address: '1 Track Lane, Dublin', email: privacy@chinook.example, "
        "dpo_name: Dee Pio, dpo_email: dpo@chinook.example}\n")
    env = dict(os.environ, MAESTRO_HOME=str(home / "home"), MAESTRO_CONFIG=str(home / "maestro.yaml"),
               MAESTRO_ACTOR="test")
    result = subprocess.run([maestro, "dsar", "export", "--subject", "luisg@embraer.com.br", "--out", "exports/",
                             "--override-verification", "report test", "--json"],
                            capture_output=True, text=True, env=env, cwd=home)
    check(result.returncode == 0, f"chinook export failed: {result.stderr}")
    check("warning" not in result.stderr, f"a complete map gave warnings: {result.stderr}")
    outcome = json.loads(result.stdout)
    check(outcome["map_gaps"] == [], f"a complete map has gaps: {outcome['map_gaps']}")
    return open_package(outcome["package"], outcome["password"], work / "chinook-package")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--maestro", required=True)
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    args.maestro = str(pathlib.Path(args.maestro).resolve())
    try:
        import selenium  # noqa: F401
    except ImportError:
        skip("python3-selenium is not installed (scripts/bootstrap --test installs it)")
    if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
        skip("chromium is not installed (scripts/bootstrap --test installs it)")
    if not shutil.which("java"):
        skip("java is not installed (scripts/bootstrap --test installs default-jre-headless)")
    if not AXE.exists() or not VNU.exists():
        skip("axe-core or vnu-jar is missing (scripts/bootstrap --test runs npm ci in tests/servers/node)")
    artifacts = pathlib.Path(args.artifacts)
    artifacts.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="maestro-report-"))
    browser = None
    try:
        reports = [("demo", demo_report(args.maestro, work),
                    {"first_name", "last_name", "created_at", "placed_at", "ts", "event", "_file", "_line", "line"},
                    ["Fraud screening at checkout", "United States (to Mailing service)", "app-2026-02.jsonl, line 1",
                     "Demo Shop Ltd", "Dana Protector"])]
        datasets = datasets_dir()
        if datasets:
            reports.append(("chinook", chinook_report(args.maestro, work, datasets),
                            {"CustomerId", "FirstName", "InvoiceDate", "BillingAddress", "TrackId", "UnitPrice"},
                            ["Credit limit", "United States (to Payment processor)", "User Contact Email",
                             "Luís", "11 March 2022, 00:00", "Chinook Music Ltd", "Dee Pio, dpo@chinook.example"]))
        elif os.environ.get("MAESTRO_REQUIRE_DATASETS") == "1":
            raise Failure("MAESTRO_REQUIRE_DATASETS=1 but ../shared/datasets is missing")
        else:
            print("SKIPPED (part): ../shared/datasets not found: the Chinook report is not checked", flush=True)
        browser = Browser()
        for name, report_file, internal, expected in reports:
            check_report(name, report_file, internal, expected)
            validate_html(name, report_file)
            browser.check(name, report_file, artifacts)
            print(f"{name}: report checked, valid HTML, no serious accessibility violation", flush=True)
    except Failure as failure:
        print(f"FAILED: {failure}", flush=True)
        return 1
    finally:
        if browser:
            browser.quit()
        shutil.rmtree(work, ignore_errors=True)
    print(f"passed; screenshots in {artifacts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
