#!/usr/bin/python3
"""report.pdf as the requester's tools read it, for a generated person with many records (one
account in each of Cyrillic, Greek, Chinese and Arabic script, --records page views, profile
changes with a note longer than a page) and for Chinook customers:

- pdftotext finds every value of the package's JSON in the PDF, dates in words as the report
  writes them, and the names in all four scripts as written;
- pdffonts shows every font embedded; qpdf --check finds no structural error; pdfinfo says the
  PDF is tagged and has a link target for every place;
- pdftoppm renders every page; the first pages are kept as PNG in --artifacts.

    tests/pdf/report_pdf_test.py --maestro build/src/maestro --artifacts build/pdf-artifacts [--records 10000]

Exits 77 (skipped, with the reason) when poppler-utils, qpdf or 7z are missing. The Chinook half
needs ../shared/datasets (or $MAESTRO_DATASETS): skipped with a message when absent, a failure
when MAESTRO_REQUIRE_DATASETS=1.
"""
import argparse
import datetime
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import pdf_fixtures  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROVENANCE = {"_file", "_line", "_tenant"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
# Whitespace, and the bidirectional marks pdftotext puts around right-to-left text.
IGNORED = re.compile(r"[\s\u200e\u200f\u202a-\u202e\u2066-\u2069]+")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def skip(reason):
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(77)


def normal(text):
    return IGNORED.sub("", text)


def as_written(value):
    """A value as the English report writes it (ReportTexts::human_value)."""
    if isinstance(value, str):
        m = ISO.match(value)
        if not m:
            return value
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        if m[4] is None:
            return f"{day} {MONTHS[month - 1]} {year}"
        hour, minute, second = int(m[4]), int(m[5]), int(m[6] or 0)
        if m[7] is None:  # naive: as stored
            time = f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second else "")
            return f"{day} {MONTHS[month - 1]} {year}, {time}"
        at = datetime.datetime(year, month, day, hour, minute, second)
        if m[7] != "Z":
            sign = 1 if m[7][0] == "+" else -1
            digits = m[7][1:].replace(":", "")
            at -= sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        return f"{at.day} {MONTHS[at.month - 1]} {at.year}, {at.hour:02d}:{at.minute:02d} UTC"
    return json.dumps(value)


def exported_values(package_json):
    """Every value of every record in the package, in order."""
    for system in package_json["data"].values():
        for records in system.values():
            for record in records:
                for name, value in record.items():
                    if name in PROVENANCE or value is None or value == "":
                        continue
                    if isinstance(value, (dict, list)):
                        continue  # nested JSON: its leaves are columns of their own in the report
                    yield as_written(value)


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    check(result.returncode == 0, f"{' '.join(map(str, cmd))} failed: {result.stderr[-2000:]}")
    return result.stdout


def check_pdf(name, package_dir, artifacts, must_show=()):
    pdf = package_dir / "report.pdf"
    check(pdf.exists(), f"{name}: the package has no report.pdf")
    info = run(["pdfinfo", pdf])
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])
    check(re.search(r"^Tagged:\s+yes", info, re.M), f"{name}: the PDF is not tagged")
    package_json = json.loads(next(package_dir.glob("*_DSAR_PACKAGE.json")).read_text())
    places = sum(len(s) for s in package_json["data"].values())
    dests = run(["pdfinfo", "-dests", pdf])
    for n in range(1, places + 1):
        check(f'"place-{n}"' in dests, f"{name}: no link target for place {n}")

    fonts = run(["pdffonts", pdf]).splitlines()[2:]
    check(fonts, f"{name}: pdffonts lists no font")
    for line in fonts:
        # name type [type] encoding emb sub uni object ID: 'emb' is the 5th field from the end.
        check(line.split()[-5] == "yes", f"{name}: a font is not embedded: {line}")

    run(["qpdf", "--check", pdf])

    # -raw: in the order the text was drawn (cell by cell), so a cell wrapped over lines reads whole.
    text = normal(run(["pdftotext", "-raw", pdf, "-"]))
    cursor, missing, checked = 0, [], 0
    for value in exported_values(package_json):
        # A value longer than a page is split by page footers: its words must all be there, in order.
        parts = [normal(value)] if len(value) < 300 else [normal(word) for word in value.split()]
        for wanted in parts:
            at = text.find(wanted, cursor)
            if at < 0:
                at = text.find(wanted)  # not in reading order: anywhere will do
            if at < 0:
                missing.append(value[:80])
                break
            cursor = at
        checked += 1
    check(not missing, f"{name}: {len(missing)} of {checked} values are not in the PDF's text, e.g. {missing[:5]}")
    for shown in must_show:
        check(normal(shown) in text, f"{name}: the PDF does not show {shown!r}")
    manifest_hash = None
    for line in json.loads((package_dir / "manifest.json").read_text())["files"]:
        if line["file"].endswith(".json"):
            manifest_hash = line["sha256"]
    check(manifest_hash and manifest_hash in text, f"{name}: the PDF does not give the package JSON's SHA-256")

    with tempfile.TemporaryDirectory() as rendered:
        run(["pdftoppm", "-r", "10", "-png", pdf, f"{rendered}/page"])
        check(len(os.listdir(rendered)) == pages, f"{name}: pdftoppm rendered {len(os.listdir(rendered))} of {pages}")
    run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "3", pdf, str(artifacts / f"report-pdf-{name}")])
    print(f"ok: {name}: {pages} pages, {checked} values found, {len(fonts)} fonts embedded", flush=True)


def polyglot(maestro, work, artifacts, records):
    home = work / "polyglot"
    pdf_fixtures.make_shop(home, records)
    outcome = pdf_fixtures.export(maestro, home, pdf_fixtures.EMAIL, "json,pdf")
    check(outcome["records"]["shop.page_views"] == records, f"expected {records} page views: {outcome['records']}")
    package = pdf_fixtures.open_package(outcome, work / "polyglot-package")
    names = [part for person in pdf_fixtures.SCRIPT_NAMES for part in person]
    check_pdf("polyglot", package, artifacts, must_show=names)
    text = run(["pdftotext", package / "report.pdf", "-"])
    check("/not-theirs" not in text and "192.0.2.99" not in text, "polyglot: another customer's page view is shown")


def datasets_dir():
    env = os.environ.get("MAESTRO_DATASETS")
    for d in ([pathlib.Path(env)] if env else []) + [ROOT.parent / "shared/datasets"]:
        if (d / "chinook/Chinook_Sqlite.sqlite").exists():
            return d
    return None


def chinook(maestro, work, artifacts, datasets):
    home = work / "chinook"
    home.mkdir()
    shutil.copy(datasets / "chinook/Chinook_Sqlite.sqlite", home / "chinook.db")
    shutil.copy(ROOT / "tests/data/chinook-report.datamap.yaml", home / "datamap.yaml")
    (home / "maestro.yaml").write_text(
        "datamap: datamap.yaml\n"
        f"taxonomy: {datasets / 'fides/fideslang_data_categories.yml'}\n"
        "organisation: {name: Chinook Music Ltd, address: '1 Track Lane, Dublin', email: privacy@chinook.example, "
        "dpo_name: Dee Pio, dpo_email: dpo@chinook.example}\n")
    for customer in ["luisg@embraer.com.br", "frantisekw@jetbrains.com", "hughoreilly@apple.ie"]:
        outcome = pdf_fixtures.export(maestro, home, customer, "json,csv,pdf")
        package = pdf_fixtures.open_package(outcome, work / f"chinook-{customer}")
        check_pdf(f"chinook-{customer.split('@')[0]}", package, artifacts, must_show=["Credit limit", "Chinook Music Ltd"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--maestro", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--records", type=int, default=10000, help="page views of the generated person (bench/report_pdf measures 100,000)")
    args = parser.parse_args()
    maestro = str(pathlib.Path(args.maestro).resolve())
    for tool, package in [("pdftotext", "poppler-utils"), ("pdffonts", "poppler-utils"), ("qpdf", "qpdf"),
                          ("7z", "p7zip-full")]:
        if not shutil.which(tool):
            skip(f"{tool} is not installed (scripts/bootstrap --test installs {package})")
    artifacts = pathlib.Path(args.artifacts)
    artifacts.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="maestro-pdf-"))
    try:
        polyglot(maestro, work, artifacts, args.records)
        datasets = datasets_dir()
        if datasets:
            chinook(maestro, work, artifacts, datasets)
        elif os.environ.get("MAESTRO_REQUIRE_DATASETS") == "1":
            raise Failure("../shared/datasets is missing and MAESTRO_REQUIRE_DATASETS=1")
        else:
            print("SKIPPED (part): the Chinook reports need ../shared/datasets", flush=True)
    except Failure as failure:
        print(f"FAILED: {failure}", flush=True)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
