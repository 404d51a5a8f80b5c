// End to end: `maestro datamap discover` drafts a data map from a store nobody described: Chinook
// (a real data set), and a generated store with undeclared foreign keys, personal data in free
// text and look-alikes (order numbers shaped like phone numbers, version strings shaped like IP
// addresses). The draft is compared with labelled answers written here; the figures are printed.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "maestro_runner.hpp"
#include "support/postgres_scratch.hpp"

namespace maestro::e2e {
namespace {

namespace fs = std::filesystem;

void exec_sql(const fs::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(handle);
}

struct Draft {
  std::set<std::string> personal;    // "Table.Column" with a user.* category
  std::set<std::string> references;  // "Table.Column->collection.Field"
  std::set<std::string> identities;  // "Table.Column=kind"
  std::string text;
};

Draft read_draft(const fs::path& file) {
  Draft d;
  d.text = testing::read_file(file);
  YAML::Node doc = YAML::LoadFile(file.string());
  for (const auto& c : doc["systems"][0]["collections"]) {
    std::string table = c["source"].as<std::string>();
    for (const auto& f : c["fields"]) {
      std::string field = table + "." + f["name"].as<std::string>();
      for (const auto& category : f["categories"])
        if (category.as<std::string>().starts_with("user.")) d.personal.insert(field);
      if (f["identity"]) d.identities.insert(field + "=" + f["identity"].as<std::string>());
      if (f["references"]) d.references.insert(field + "->" + f["references"][0]["field"].as<std::string>());
    }
  }
  // Tables no identity reaches are listed as comments with their personal columns.
  std::istringstream lines(d.text);
  for (std::string line; std::getline(lines, line);) {
    auto at = line.find("PERSONAL DATA: ");
    if (!line.starts_with("# not reached") || at == std::string::npos) continue;
    std::string table = line.substr(33, line.find(' ', 33) - 33);
    std::istringstream columns(line.substr(at + 15));
    for (std::string column; std::getline(columns, column, ',');) {
      column = column.substr(column.find_first_not_of(' '));
      d.personal.insert(table + "." + column.substr(0, column.find(' ')));
    }
  }
  return d;
}

struct Score {
  double recall = 0, precision = 0;
  std::vector<std::string> missed, wrong;
};

Score score(const std::set<std::string>& found, const std::set<std::string>& truth) {
  Score s;
  std::size_t hits = 0;
  for (const auto& t : truth) (found.contains(t) ? ++hits : (s.missed.push_back(t), hits));
  for (const auto& f : found)
    if (!truth.contains(f)) s.wrong.push_back(f);
  s.recall = truth.empty() ? 1 : static_cast<double>(hits) / static_cast<double>(truth.size());
  s.precision = found.empty() ? 1 : static_cast<double>(hits) / static_cast<double>(found.size());
  return s;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += " " + s;
  return out;
}

void report(const std::string& store, const Score& s) {
  ::testing::Test::RecordProperty(store + "_recall", std::to_string(s.recall));
  ::testing::Test::RecordProperty(store + "_precision", std::to_string(s.precision));
  std::cout << "[discovery] " << store << ": recall " << s.recall << ", precision " << s.precision
            << (s.missed.empty() ? "" : "; missed:" + joined(s.missed))
            << (s.wrong.empty() ? "" : "; wrongly personal:" + joined(s.wrong)) << "\n";
}

// Chinook's labelled answer: the columns that hold personal data by themselves. PostgreSQL's copy
// names its tables and columns in snake case.
std::set<std::string> chinook_truth(bool snake) {
  const std::set<std::string> pascal{
      "Customer.FirstName",     "Customer.LastName",   "Customer.Company",        "Customer.Address",
      "Customer.City",          "Customer.State",      "Customer.Country",        "Customer.PostalCode",
      "Customer.Phone",         "Customer.Fax",        "Customer.Email",          "Employee.FirstName",
      "Employee.LastName",      "Employee.BirthDate",  "Employee.Address",        "Employee.City",
      "Employee.State",         "Employee.Country",    "Employee.PostalCode",     "Employee.Phone",
      "Employee.Fax",           "Employee.Email",      "Invoice.BillingAddress",  "Invoice.BillingCity",
      "Invoice.BillingState",   "Invoice.BillingCountry", "Invoice.BillingPostalCode"};
  if (!snake) return pascal;
  auto to_snake = [](const std::string& name) {
    std::string out;
    for (char c : name) {
      if (std::isupper(static_cast<unsigned char>(c)) && !out.empty() && out.back() != '.') out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
  };
  std::set<std::string> out;
  for (const auto& p : pascal) out.insert(to_snake(p));
  return out;
}

TEST(Discovery, ChinooksDraftFindsEveryPersonalColumnAndRunsARealExportUnchanged) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  Maestro maestro;
  fs::copy_file(*datasets_found / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
  RunResult r = maestro.run({"datamap", "discover", "--store", "sqlite:chinook.db", "--out", "draft.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Draft d = read_draft(maestro.dir() / "draft.yaml");
  const std::set<std::string> truth = chinook_truth(false);
  Score s = score(d.personal, truth);
  report("chinook_sqlite", s);
  EXPECT_GE(s.recall, 0.95);
  EXPECT_GE(s.precision, 0.90);
  EXPECT_TRUE(d.identities.contains("Customer.Email=email")) << d.text;
  EXPECT_TRUE(d.identities.contains("Customer.CustomerId=customer_id")) << d.text;
  EXPECT_TRUE(d.references.contains("Invoice.CustomerId->customer.CustomerId")) << d.text;
  EXPECT_TRUE(d.references.contains("InvoiceLine.InvoiceId->invoice.InvoiceId")) << d.text;
  // A customer's support representative is another person: marked, not followed.
  EXPECT_FALSE(d.references.contains("Customer.SupportRepId->employee.EmployeeId")) << d.text;
  // Nothing sampled is in the draft or the output.
  for (const char* value : {"luisg@embraer.com.br", "Gonçalves", "+55 (12) 3923-5555", "12227-000"}) {
    EXPECT_EQ(d.text.find(value), std::string::npos) << value;
    EXPECT_EQ(r.out.find(value), std::string::npos) << value;
  }
  // The draft loads and runs a real export, unchanged.
  RunResult check = maestro.run({"datamap", "check", "--map", "draft.yaml"});
  EXPECT_EQ(check.exit_code, 0) << check.err << check.out;
  RunResult exported = maestro.run({"dsar", "export", "--subject", "luisg@embraer.com.br", "--map", "draft.yaml",
                                    "--out", "exports/discovered/", "--override-verification",
                                    "discovery acceptance test: identity checked by the test", "--json"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err << exported.out;
  EXPECT_NE(exported.out.find("invoice_line"), std::string::npos) << exported.out;
}

// The same Chinook on the test servers, and Fides' sample shop: a server's catalogue and sample.
class ServerDiscovery : public ::testing::Test {
 protected:
  Draft discover(const std::string& server, const std::string& url_database, const std::string& user) {
    auto port = testing::fixture_port(server);
    auto datasets = testing::datasets_dir();
    if (!port || !datasets) {
      if (testing::datasets_required()) ADD_FAILURE() << server << " fixture or ../shared/datasets missing";
      skipped = true;
      return {};
    }
    std::string scheme = server == "postgres" ? "postgresql" : "mysql";
    RunResult r = maestro.run({"datamap", "discover", "--store",
                               scheme + "://" + user + "@127.0.0.1:" + *port + "/" + url_database, "--out", "draft.yaml"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Draft d = read_draft(maestro.dir() / "draft.yaml");
    RunResult check = maestro.run({"datamap", "check", "--map", "draft.yaml"});
    EXPECT_EQ(check.exit_code, 0) << check.err << check.out;
    return d;
  }
  Maestro maestro;
  bool skipped = false;
};

TEST_F(ServerDiscovery, ChinookOnPostgresql) {
  Draft d = discover("postgres", "chinook", "postgres");
  if (skipped) GTEST_SKIP() << "the PostgreSQL fixture or ../shared/datasets is missing";
  Score s = score(d.personal, chinook_truth(true));
  report("chinook_postgresql", s);
  EXPECT_GE(s.recall, 0.95);
  EXPECT_GE(s.precision, 0.90);
  EXPECT_TRUE(d.identities.contains("customer.email=email")) << d.text;
  EXPECT_TRUE(d.references.contains("invoice.customer_id->customer.customer_id")) << d.text;
  EXPECT_TRUE(d.references.contains("invoice_line.invoice_id->invoice.invoice_id")) << d.text;
  EXPECT_NE(d.text.find("type: postgres"), std::string::npos);
}

TEST_F(ServerDiscovery, ChinookOnMariadb) {
  Draft d = discover("mariadb", "Chinook", "root");
  if (skipped) GTEST_SKIP() << "the MariaDB fixture or ../shared/datasets is missing";
  Score s = score(d.personal, chinook_truth(false));
  report("chinook_mariadb", s);
  EXPECT_GE(s.recall, 0.95);
  EXPECT_GE(s.precision, 0.90);
  EXPECT_TRUE(d.identities.contains("Customer.Email=email")) << d.text;
  EXPECT_TRUE(d.references.contains("Invoice.CustomerId->customer.CustomerId")) << d.text;
  EXPECT_NE(d.text.find("type: mysql"), std::string::npos);
}

TEST_F(ServerDiscovery, FidesSampleShopOnPostgresql) {
  Draft d = discover("postgres", "fides_shop", "postgres");
  if (skipped) GTEST_SKIP() << "the PostgreSQL fixture or ../shared/datasets is missing";
  // Labelled here from the rows themselves: people's contact details (a vendor contact's address
  // too), names, cards and addresses, in the public schema and in its empty backup copy (the same
  // columns, judged by their names only).
  std::set<std::string> truth{"address.street",        "address.city",       "address.state",
                              "address.zip",           "address.house",      "customer.email",
                              "customer.name",         "employee.email",     "employee.name",
                              "payment_card.ccn",      "payment_card.code",  "visit.email",
                              "service_request.email", "service_request.alt_email", "loyalty.name",
                              "report.email",          "dynamic_email_address_config.email_address"};
  for (const char* copy : {"address.street", "address.city", "address.state", "address.zip", "address.house",
                           "customer.email", "customer.name", "employee.email", "employee.name",
                           "payment_card.ccn", "payment_card.code", "visit.email", "service_request.email",
                           "service_request.alt_email", "report.email"})
    truth.insert(std::string("backup_schema.") + copy);
  Score s = score(d.personal, truth);
  report("fides_shop_postgresql", s);
  EXPECT_GE(s.recall, 0.95);
  EXPECT_GE(s.precision, 0.90);
  EXPECT_TRUE(d.identities.contains("customer.email=email")) << d.text;
}

// A large table's sample comes from all over it: here its first 30,000 rows have no contact
// column filled, the last 10,000 do; a sample of its first rows would see only NULLs.
TEST(Discovery, ALargePostgresqlTablesSampleIsSpreadOverIt) {
  auto port = testing::fixture_port("postgres");
  if (!port) {
    if (testing::datasets_required()) FAIL() << "the PostgreSQL fixture is missing";
    GTEST_SKIP() << "the PostgreSQL fixture is missing";
  }
  testing::ScratchDatabase db(*port);
  db.sql("CREATE TABLE signups (id bigint PRIMARY KEY, contact text, note text);"
         "INSERT INTO signups SELECT g, CASE WHEN g > 30000 THEN 'member' || g || '@example.com' END, 'ok'"
         " FROM generate_series(1, 40000) g; ANALYZE signups");
  Maestro maestro;
  RunResult r = maestro.run({"datamap", "discover", "--store", db.url(), "--out", "draft.yaml", "--sample", "200"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Draft d = read_draft(maestro.dir() / "draft.yaml");
  EXPECT_TRUE(d.personal.contains("signups.contact")) << d.text;
  EXPECT_NE(d.text.find("values look like email addresses"), std::string::npos) << d.text;
}

TEST(Discovery, AGeneratedStoresUndeclaredKeysFreeTextAndLookAlikesAreJudgedRight) {
  Maestro maestro;
  fs::path db = maestro.dir() / "shop.db";
  std::string sql =
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, phone TEXT, first_name TEXT, surname TEXT,"
      " signup_ip TEXT, iban TEXT, card TEXT, postcode TEXT, created_at TEXT);"
      "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, order_number TEXT, total REAL, status TEXT);"
      "CREATE TABLE tickets (id INTEGER PRIMARY KEY, user_id INTEGER, body TEXT);"
      "CREATE TABLE releases (id INTEGER PRIMARY KEY, version TEXT, notes TEXT);"
      "CREATE TABLE metrics (id INTEGER PRIMARY KEY, value REAL, label TEXT);";
  const char* first[] = {"Anna", "Marco", "Sofia", "Liam", "Yuki", "Omar", "Elena", "Jonas"};
  const char* ibans[] = {"DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606",
                         "NL91ABNA0417164300"};
  const char* cards[] = {"4111 1111 1111 1111", "5500 0000 0000 0004", "3400 0000 0000 009", "6011 0000 0000 0004"};
  const char* postcodes[] = {"SW1A 1AA", "EC1A 1BB", "T6G 2C7", "1016 AB"};
  for (int i = 1; i <= 40; ++i) {
    std::string n = std::to_string(i);
    sql += "INSERT INTO users VALUES (" + n + ", 'person" + n + "@example.com', '+44 20 7946 " +
           std::to_string(1000 + i) + "', '" + first[i % 8] + "', 'Surname" + n + "', '203.0.113." +
           std::to_string(100 + i) + "', '" + ibans[i % 4] + "', '" + cards[i % 4] + "', '" + postcodes[i % 4] +
           "', '2026-01-0" + std::to_string(1 + i % 9) + "');";
    sql += "INSERT INTO orders VALUES (" + n + ", " + std::to_string(1 + i % 40) + ", '2024-" +
           std::to_string(100000 + i) + "-0" + std::to_string(i % 9) + "', " + std::to_string(i * 3) + ".5, 'shipped');";
    std::string body = i % 5 == 0 ? "Please call me back on +44 20 7946 " + std::to_string(2000 + i) + " about it"
                       : i % 7 == 0 ? "You can also write to me at someone" + n + "@example.org please"
                                    : "The parcel with order 2024-" + std::to_string(100000 + i) + " arrived late";
    sql += "INSERT INTO tickets VALUES (" + n + ", " + std::to_string(1 + (i * 7) % 40) + ", '" + body + "');";
    sql += "INSERT INTO releases VALUES (" + n + ", '" + std::to_string(i % 3) + "." + std::to_string(i % 5) + "." +
           std::to_string(i % 7) + "." + std::to_string(i % 4) + "', 'Fixed a crash in the importer');";
    sql += "INSERT INTO metrics VALUES (" + n + ", " + std::to_string(i * 1.5) + ", 'latency');";
  }
  exec_sql(db, sql);
  RunResult r = maestro.run({"datamap", "discover", "--store", db.string(), "--out", "draft.yaml", "--sample", "100"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Draft d = read_draft(maestro.dir() / "draft.yaml");
  const std::set<std::string> truth{"users.email",   "users.phone", "users.first_name", "users.surname",
                                    "users.signup_ip", "users.iban", "users.card",     "users.postcode",
                                    "tickets.body"};
  Score s = score(d.personal, truth);
  report("generated_sqlite", s);
  EXPECT_GE(s.recall, 0.95);
  EXPECT_GE(s.precision, 0.90);
  EXPECT_FALSE(d.personal.contains("orders.order_number"));
  EXPECT_FALSE(d.personal.contains("releases.version"));
  // Undeclared foreign keys, found by name and values.
  EXPECT_TRUE(d.references.contains("orders.user_id->users.id")) << d.text;
  EXPECT_TRUE(d.references.contains("tickets.user_id->users.id")) << d.text;
  EXPECT_NE(d.text.find("undeclared: its name and"), std::string::npos);
  for (const char* value : {"person1@example.com", "DE89370400440532013000", "4111 1111 1111 1111", "203.0.113.101"})
    EXPECT_EQ(d.text.find(value), std::string::npos) << value;
  RunResult check = maestro.run({"datamap", "check", "--map", "draft.yaml"});
  EXPECT_EQ(check.exit_code, 0) << check.err << check.out;
}

TEST(Discovery, DriftNamesANewColumnOfEmailsAndExitsThree) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  Maestro maestro;
  fs::copy_file(*datasets_found / "chinook/Chinook_Sqlite.sqlite", maestro.dir() / "chinook.db");
  ASSERT_EQ(maestro.run({"datamap", "discover", "--store", "chinook.db", "--out", "map.yaml"}).exit_code, 0);
  RunResult clean = maestro.run({"datamap", "drift", "--map", "map.yaml", "--json"});
  ASSERT_EQ(clean.exit_code, 0) << clean.err << clean.out;
  auto summary = YAML::Load(clean.out);
  EXPECT_EQ(summary["personal_unmapped"].as<int>(), 0);
  // The tables no identity reaches are new to the map, and nothing in them is personal.
  EXPECT_NE(clean.out.find("\"new-table\""), std::string::npos);

  exec_sql(maestro.dir() / "chinook.db",
           "ALTER TABLE Invoice ADD COLUMN ContactEmail TEXT;"
           "UPDATE Invoice SET ContactEmail = 'billing' || InvoiceId || '@example.net';"
           "ALTER TABLE Invoice DROP COLUMN BillingState;");
  // Exit 3 is a finding here, not a refusal: the result is recorded (run_unchecked).
  RunResult drifted = maestro.run_unchecked({"datamap", "drift", "--map", "map.yaml"});
  EXPECT_EQ(drifted.exit_code, 3) << drifted.err << drifted.out;
  EXPECT_NE(drifted.out.find("PERSONAL  new-column  chinook: Invoice.ContactEmail  user.contact.email"), std::string::npos)
      << drifted.out;
  EXPECT_NE(drifted.out.find("gone-column  chinook: Invoice.BillingState"), std::string::npos) << drifted.out;
  EXPECT_NE(drifted.err.find("1 unmapped column(s) hold personal data"), std::string::npos) << drifted.err;
  EXPECT_EQ(drifted.out.find("billing1@example.net"), std::string::npos);
  // Kept and audited, names and counts only.
  std::string trail = maestro.run({"audit", "export"}).out;
  EXPECT_NE(trail.find("datamap-drift"), std::string::npos);
  EXPECT_NE(trail.find("personal-unmapped"), std::string::npos);
  EXPECT_EQ(trail.find("example.net"), std::string::npos);
}

// A folder of each kind, written here, beside loghub's real logs (with a rotated and a
// compressed copy): families of files, JSON-lines keys, CSV headers and log lines.
struct FileStores {
  fs::path logs, events, exports;
};

FileStores write_file_stores(const fs::path& dir, const fs::path& loghub) {
  FileStores f{dir / "logs", dir / "events", dir / "exports"};
  for (const auto& d : {f.logs, f.events, f.exports}) fs::create_directories(d);
  for (const char* name : {"Apache_2k.log", "Linux_2k.log", "OpenSSH_2k.log"}) fs::copy_file(loghub / name, f.logs / name);
  fs::copy_file(loghub / "OpenSSH_2k.log", f.logs / "auth.log");
  fs::copy_file(loghub / "OpenSSH_2k.log", f.logs / "auth.log.1");
  fs::copy_file(loghub / "OpenSSH_2k.log", f.logs / "auth.log.2");
  EXPECT_EQ(std::system(("gzip -f " + (f.logs / "auth.log.2").string()).c_str()), 0);
  {
    // A build log: version strings shaped like IPv4 addresses and counters, nobody's data.
    std::ofstream build(f.logs / "build.log");
    for (int i = 0; i < 300; ++i)
      build << "[build " << i << "] compiled module " << i % 12 << " of 12 with toolchain 1." << i % 9 << ".0." << i % 4
            << " in " << i * 3 << " ms\n";
  }
  for (const char* day : {"2026-01-01", "2026-01-02"}) {
    std::ofstream out(f.events / (std::string("app-") + day + ".jsonl"));
    for (int i = 0; i < 200; ++i) {
      std::string n = std::to_string(i % 50);
      out << R"({"ts":")" << day << R"(T10:00:00Z","user":{"email":"shopper)" << n << R"(@example.com","phone":"+44 20 7946 )"
          << 1000 + i % 50 << R"("},"client":{"ip":"198.51.100.)" << 100 + i % 50 << R"("},"order":"2024-)" << 100000 + i
          << R"(-07","build":"2.)" << i % 5 << R"(.1.0","note":")"
          << (i % 3 == 0 ? "Customer asked us to write to helpdesk" + n + "@example.org instead" : "Delivered to the front desk as requested")
          << R"(","amount":)" << i * 2 << "}\n";
    }
  }
  {
    std::ofstream news(f.exports / "newsletter.csv");
    news << "id,email,first_name,postcode,opted_in\n";
    const char* names[] = {"Anna", "Marco", "Sofia", "Liam", "Yuki", "Omar", "Elena", "Jonas", "Maria", "Peter"};
    const char* codes[] = {"SW1A 1AA", "EC1A 1BB", "T6G 2C7", "1016 AB"};
    for (int i = 0; i < 120; ++i)
      news << i << ",reader" << i << "@mail.example," << names[i % 10] << "," << codes[i % 4] << "," << (i % 2 ? "yes" : "no") << "\n";
    std::ofstream metrics(f.exports / "metrics.csv");
    metrics << "day,requests,errors,p95_ms\n";
    for (int i = 1; i <= 28; ++i) metrics << "2026-02-" << (i < 10 ? "0" : "") << i << "," << i * 1000 << "," << i % 7 << "," << 80 + i << "\n";
  }
  return f;
}

TEST(Discovery, FoldersOfFilesAndLoghubsLogsAreDraftedByFamilyKeyAndLine) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  Maestro maestro;
  FileStores f = write_file_stores(maestro.dir().path(), *datasets_found / "loghub");
  struct Case {
    std::string store, draft;
    std::set<std::string> truth, identities;
  };
  const std::vector<Case> cases{
      {"textlog:" + f.logs.string(), "logs.yaml",
       {"Apache_2k.log.line", "Linux_2k.log.line", "OpenSSH_2k.log.line", "auth.log*.line"},
       {"auth.log*.line=ip", "OpenSSH_2k.log.line=ip"}},
      {"jsonl:" + f.events.string(), "events.yaml",
       {"app-*.jsonl.user.email", "app-*.jsonl.user.phone", "app-*.jsonl.client.ip", "app-*.jsonl.note"},
       {"app-*.jsonl.user.email=email", "app-*.jsonl.user.phone=phone", "app-*.jsonl.client.ip=ip"}},
      {"csv:" + f.exports.string(), "exports.yaml",
       {"newsletter.csv.email", "newsletter.csv.first_name", "newsletter.csv.postcode"},
       {"newsletter.csv.email=email"}},
  };
  for (const auto& c : cases) {
    RunResult r = maestro.run({"datamap", "discover", "--store", c.store, "--out", c.draft});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Draft d = read_draft(maestro.dir() / c.draft);
    Score s = score(d.personal, c.truth);
    report(c.store.substr(0, c.store.find(':')) + "_files", s);
    EXPECT_GE(s.recall, 0.95) << d.text;
    EXPECT_GE(s.precision, 0.90) << d.text;
    for (const auto& identity : c.identities) EXPECT_TRUE(d.identities.contains(identity)) << identity << "\n" << d.text;
    RunResult check = maestro.run({"datamap", "check", "--map", c.draft});
    EXPECT_EQ(check.exit_code, 0) << check.err << check.out;
    for (const char* value : {"173.234.31.186", "shopper1@example.com", "reader1@mail.example", "198.51.100.101"})
      EXPECT_EQ(d.text.find(value), std::string::npos) << value;
  }
  // The rotated and compressed copies are one family, the lone files keep their names, and the
  // build log's version strings are nobody's.
  std::string logs = testing::read_file(maestro.dir() / "logs.yaml");
  EXPECT_NE(logs.find("source: \"auth.log*\""), std::string::npos) << logs;
  EXPECT_NE(logs.find("# not reached from any identity: build.log"), std::string::npos) << logs;
  EXPECT_NE(testing::read_file(maestro.dir() / "events.yaml").find("source: \"app-*.jsonl\""), std::string::npos);
  // The draft of the logs finds an attacker's address in all three copies of auth.log and in OpenSSH_2k.log.
  RunResult located = maestro.run({"dsar", "locate", "--subject", "ip:173.234.31.186", "--map", "logs.yaml", "--json"});
  ASSERT_EQ(located.exit_code, 0) << located.err;
  EXPECT_NE(located.out.find("\"logs_textlog.auth\": 30"), std::string::npos) << located.out;
  EXPECT_NE(located.out.find("\"total\": 40"), std::string::npos) << located.out;
}

TEST(Discovery, DriftOfFileStoresNamesNewFilesAndKeysAndExitsThree) {
  MAESTRO_REQUIRE_DATASETS_OR_SKIP(datasets);
  Maestro maestro;
  FileStores f = write_file_stores(maestro.dir().path(), *datasets_found / "loghub");
  std::ofstream(maestro.dir() / "stores.yaml") << "systems:\n"
      "  - {name: events, store: {type: jsonl, path: events}, collections: [{name: app, source: \"app-*.jsonl\", fields: [{name: user.email, categories: [user.contact.email], identity: email}]}]}\n"
      "  - {name: logs, store: {type: textlog, path: logs}, collections: [{name: auth, source: \"auth.log*\", fields: [{name: line, categories: [user.device.ip_address], identity: ip}]}]}\n"
      "  - {name: exports, store: {type: csv, path: exports}, collections: [{name: newsletter, source: newsletter.csv, fields: [{name: email, categories: [user.contact.email], identity: email}]}]}\n";
  // The map's stores drafted in full: it becomes the map drift compares with.
  ASSERT_EQ(maestro.run({"datamap", "discover", "--map", "stores.yaml", "--out", "map.yaml"}).exit_code, 0);
  std::string map = testing::read_file(maestro.dir() / "map.yaml");
  EXPECT_NE(map.find("  - name: events"), std::string::npos) << map;
  EXPECT_NE(map.find("  - name: exports"), std::string::npos) << map;
  RunResult clean = maestro.run({"datamap", "drift", "--map", "map.yaml", "--json"});
  ASSERT_EQ(clean.exit_code, 0) << clean.err << clean.out;

  // A new key of addresses in tomorrow's events, a new export of emails, a log family gone.
  {
    std::ofstream out(f.events / "app-2026-01-03.jsonl");
    for (int i = 0; i < 20; ++i)
      out << R"({"user":{"email":"late)" << i << R"(@example.com","postal_address":"12 High Street, London"},"referrer_email":"friend)" << i << "@example.net\"}\n";
  }
  {
    std::ofstream out(f.exports / "winners-2026-03.csv");
    out << "name,email\n";
    for (int i = 0; i < 20; ++i) out << "Winner " << i << ",winner" << i << "@example.org\n";
  }
  fs::remove(f.logs / "Linux_2k.log");
  RunResult drifted = maestro.run_unchecked({"datamap", "drift", "--map", "map.yaml"});
  EXPECT_EQ(drifted.exit_code, 3) << drifted.err << drifted.out;
  EXPECT_NE(drifted.out.find("PERSONAL  new-key  events: app-*.jsonl: referrer_email  user.contact.email"),
            std::string::npos) << drifted.out;
  EXPECT_NE(drifted.out.find("PERSONAL  new-file  exports: winners-*.csv: email  user.contact.email"),
            std::string::npos) << drifted.out;
  EXPECT_NE(drifted.out.find("gone-file  logs: Linux_2k.log"), std::string::npos) << drifted.out;
  for (const char* value : {"late1@example.com", "winner1@example.org", "friend1@example.net"})
    EXPECT_EQ(drifted.out.find(value), std::string::npos) << value;
}

// A declared foreign key the map does not follow: a request from one table misses the other.
TEST(Discovery, DriftNamesAForeignKeyTheMapDoesNotFollow) {
  Maestro maestro;
  exec_sql(maestro.dir() / "shop.db",
           "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE);"
           "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), contact TEXT);"
           "INSERT INTO users VALUES (1, 'ann@example.com'), (2, 'bo@example.com');"
           "INSERT INTO orders VALUES (1, 1, 'ann@example.com'), (2, 2, 'bo@example.com'), (3, 1, 'ann@example.com');");
  std::ofstream(maestro.dir() / "map.yaml") << R"(systems:
  - name: shop
    store: {type: sqlite, path: shop.db}
    collections:
      - name: users
        source: users
        fields:
          - {name: id, primary_key: true, categories: [user.unique_id]}
          - {name: email, categories: [user.contact.email], identity: email}
      - name: orders
        source: orders
        fields:
          - {name: id, primary_key: true, categories: [system.operations]}
          - {name: user_id, categories: [user.unique_id]}
          - {name: contact, categories: [user.contact.email], identity: email}
)";
  RunResult drifted = maestro.run({"datamap", "drift", "--map", "map.yaml"});
  EXPECT_EQ(drifted.exit_code, 0) << drifted.err << drifted.out;  // nothing personal unmapped
  EXPECT_NE(drifted.out.find("new-reference  shop: orders.user_id -> users.id"), std::string::npos) << drifted.out;
  // Once the map follows it, drift is quiet.
  std::string followed = testing::read_file(maestro.dir() / "map.yaml");
  followed.replace(followed.find("{name: user_id, categories: [user.unique_id]}"),
                   std::string("{name: user_id, categories: [user.unique_id]}").size(),
                   "{name: user_id, categories: [user.unique_id], references: [{field: users.id, direction: to}]}");
  std::ofstream(maestro.dir() / "map.yaml", std::ios::trunc) << followed;
  RunResult quiet = maestro.run({"datamap", "drift", "--map", "map.yaml"});
  EXPECT_EQ(quiet.out.find("new-reference"), std::string::npos) << quiet.out << quiet.err;
}

TEST(Discovery, BadInputIsRefusedAndAnExistingDraftIsKept) {
  Maestro maestro;
  EXPECT_EQ(maestro.run({"datamap", "discover", "--store", "sqlite:missing.db", "--out", "d.yaml"}).exit_code, 3);
  RunResult down = maestro.run({"datamap", "discover", "--store", "postgresql://maestro@127.0.0.1:1/x", "--out", "d.yaml"});
  EXPECT_EQ(down.exit_code, 5);
  EXPECT_NE(down.err.find("cannot connect to PostgreSQL 127.0.0.1:1/x"), std::string::npos) << down.err;
  EXPECT_EQ(maestro.run({"datamap", "discover", "--store", "postgresql://nohost", "--out", "d.yaml"}).exit_code, 2);
  EXPECT_FALSE(fs::exists(maestro.dir() / "d.yaml"));
  exec_sql(maestro.dir() / "tiny.db", "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT);");
  std::ofstream(maestro.dir() / "d.yaml") << "keep me";
  RunResult refused = maestro.run({"datamap", "discover", "--store", "tiny.db", "--out", "d.yaml"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_EQ(testing::read_file(maestro.dir() / "d.yaml"), "keep me");
  EXPECT_EQ(maestro.run({"datamap", "discover", "--store", "tiny.db", "--out", "d.yaml", "--sample", "0"}).exit_code, 2);
}

}  // namespace
}  // namespace maestro::e2e
