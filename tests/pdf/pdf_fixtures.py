"""Stores and helpers shared by the PDF report's test (report_pdf_test.py) and its benchmark
(bench/report_pdf): a shop whose customer has records in four scripts and as many page views
as asked, with a data map and maestro.yaml for it; reading a package back."""
import json
import os
import pathlib
import random
import sqlite3
import subprocess

# One person, four accounts, four scripts: what the PDF must show as written.
SCRIPT_NAMES = [("Анна", "Каренина", "Москва"), ("Γιώργος", "Σεφέρης", "Αθήνα"),
                ("王", "小明", "北京"), ("ليلى", "مراد", "القاهرة")]
EMAIL = "polyglot@example.com"

DATAMAP = """systems:
  - name: shop
    store: {type: sqlite, path: shop.db}
    transfers: none
    automated_decisions: none
    collections:
      - name: customers
        source: customers
        description: Your customer accounts
        purpose: Running your accounts
        legal_basis: contract (Art. 6(1)(b))
        retention: Until the account is closed
        recipients: []
        origin: Given by you at sign-up
        fields:
          - {name: id, label: Customer number, primary_key: true, categories: [user.unique_id], identity: customer_id}
          - {name: first_name, label: First name, categories: [user.name]}
          - {name: last_name, label: Last name, categories: [user.name]}
          - {name: city, label: City, categories: [user.contact.address.city]}
          - {name: email, label: Email address, categories: [user.contact.email], identity: email}
      - name: page_views
        source: page_views
        description: Pages you viewed
        purpose: Security and fraud prevention
        legal_basis: legitimate interests (Art. 6(1)(f))
        retention: 13 months
        recipients: [Hosting provider]
        origin: Recorded by our web servers
        fields:
          - {name: id, label: View number, primary_key: true, categories: [system.operations]}
          - name: customer_id
            label: Customer number
            categories: [user.unique_id]
            references: [{field: customers.id, direction: from}]
          - {name: viewed_at, label: Viewed at, categories: [user.behavior.browsing_history]}
          - {name: page, label: Page, categories: [user.behavior.browsing_history]}
          - {name: ip, label: IP address, categories: [user.device.ip_address]}
      - name: profile_changes
        source: profile_changes
        description: Changes to your profile
        purpose: Keeping your account accurate
        legal_basis: contract (Art. 6(1)(b))
        retention: 2 years
        recipients: []
        origin: Made by you in your account settings
        fields:
          - {name: id, label: Change number, primary_key: true, categories: [system.operations]}
          - name: customer_id
            label: Customer number
            categories: [user.unique_id]
            references: [{field: customers.id, direction: from}]
          - {name: changed_at, label: Changed at, categories: [system.operations]}
          - {name: field, label: Field, categories: [system.operations]}
          - {name: old_value, label: Old value, categories: [user.content]}
          - {name: new_value, label: New value, categories: [user.content]}
          - {name: device, label: Device, categories: [user.device]}
          - {name: channel, label: Channel, categories: [system.operations]}
          - {name: note, label: Note, categories: [user.content]}
"""


def make_shop(home: pathlib.Path, page_views: int, changes: int = 40, seed: int = 7):
    """shop.db, datamap.yaml and maestro.yaml in `home`; the person's email is EMAIL."""
    home.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    db = sqlite3.connect(home / "shop.db")
    db.executescript("""
      CREATE TABLE customers(id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, city TEXT, email TEXT);
      CREATE TABLE page_views(id INTEGER PRIMARY KEY, customer_id INTEGER, viewed_at TEXT, page TEXT, ip TEXT);
      CREATE INDEX page_views_customer ON page_views(customer_id);
      CREATE TABLE profile_changes(id INTEGER PRIMARY KEY, customer_id INTEGER, changed_at TEXT, field TEXT,
        old_value TEXT, new_value TEXT, device TEXT, channel TEXT, note TEXT);
    """)
    for i, (first, last, city) in enumerate(SCRIPT_NAMES, start=1):
        db.execute("INSERT INTO customers VALUES (?,?,?,?,?)", (i, first, last, city, EMAIL))
    db.execute("INSERT INTO customers VALUES (5, 'Other', 'Person', 'Leeds', 'other@example.com')")
    rows = ((n, 1 + n % 4, f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
             f"/products/{rng.randrange(10**6)}?ref=mail-{n}", f"10.{n % 256}.{(n // 256) % 256}.{n % 199 + 1}")
            for n in range(1, page_views + 1))
    db.executemany("INSERT INTO page_views VALUES (?,?,?,?,?)", rows)
    db.execute("INSERT INTO page_views VALUES (?,?,?,?,?)",
               (page_views + 1, 5, "2026-01-01T00:00:00Z", "/not-theirs", "192.0.2.99"))
    long_note = " ".join(f"word{n}" for n in range(4000))  # longer than a page
    for n in range(1, changes + 1):
        db.execute("INSERT INTO profile_changes VALUES (?,?,?,?,?,?,?,?,?)",
                   (n, 1 + n % 4, f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}T10:{n % 60:02d}:00Z", "city",
                    f"Old town {n}", f"New town {n}", "phone", "app", long_note if n == 1 else f"note {n}"))
    db.commit()
    db.close()
    (home / "datamap.yaml").write_text(DATAMAP)
    (home / "maestro.yaml").write_text(
        "datamap: datamap.yaml\n"
        "organisation: {name: Polyglot Shop Ltd, address: '1 Script Street, London', email: privacy@polyglot.example,"
        " dpo_name: Dee Pio, dpo_email: dpo@polyglot.example}\n")


def export(maestro, home: pathlib.Path, subject: str, formats: str, extra=()):
    """Runs `maestro dsar export` in `home`; returns its JSON outcome."""
    # The caller's environment (sanitizer options in the sanitizer run), with this installation.
    env = dict(os.environ, MAESTRO_HOME=str(home / "home"), MAESTRO_CONFIG=str(home / "maestro.yaml"),
               MAESTRO_ACTOR="test")
    result = subprocess.run([maestro, "dsar", "export", "--subject", subject, "--out", "exports/", "--format", formats,
                             "--override-verification", "PDF report test", "--json", *extra],
                            capture_output=True, text=True, env=env, cwd=home)
    if result.returncode != 0:
        raise RuntimeError(f"export failed: {result.stderr}")
    return json.loads(result.stdout)


def open_package(outcome, into: pathlib.Path):
    subprocess.run(["7z", "x", "-y", f"-p{outcome['password']}", f"-o{into}", outcome["package"]],
                   check=True, capture_output=True)
    return into
