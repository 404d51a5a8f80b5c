#include "discover/discovery.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace maestro {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string snake_case(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (!std::isalnum(c)) {
      if (!out.empty() && out.back() != '_') out.push_back('_');
      continue;
    }
    if (std::isupper(c) && i > 0 && (std::islower(static_cast<unsigned char>(name[i - 1])) ||
                                      (i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1])) &&
                                       std::isupper(static_cast<unsigned char>(name[i - 1])))))
      if (!out.empty() && out.back() != '_') out.push_back('_');
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "table" : out;
}

std::string quoted_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct Db {
  sqlite3* handle = nullptr;
  ~Db() { sqlite3_close(handle); }
};

struct Query {
  sqlite3_stmt* stmt = nullptr;
  Query(sqlite3* db, const std::string& sql) { sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr); }
  ~Query() { sqlite3_finalize(stmt); }
  bool ok() const { return stmt != nullptr; }
  bool row() { return stmt && sqlite3_step(stmt) == SQLITE_ROW; }
  std::string text(int col) const {
    auto* t = sqlite3_column_text(stmt, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  bool null(int col) const { return sqlite3_column_type(stmt, col) == SQLITE_NULL; }
};

struct ForeignKey {
  std::string column, table, to;
};

// Every sampled value of one table's columns, and its declared foreign keys.
struct TableScan {
  DiscoveredTable table;
  std::vector<ColumnSample> samples;
  std::vector<ForeignKey> keys;
};

Result<std::vector<TableScan>> read_sqlite(const fs::path& path, const DiscoverOptions& options) {
  Db db;
  if (sqlite3_open_v2(path.c_str(), &db.handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    return fail(ErrorCode::not_found, "cannot open SQLite store " + path.string() + " for reading");
  sqlite3_exec(db.handle, "BEGIN", nullptr, nullptr, nullptr);  // one consistent read
  std::vector<TableScan> scans;
  {
    Query tables(db.handle, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    if (!tables.ok()) return fail(ErrorCode::data_loss, path.string() + " is not a SQLite database");
    while (tables.row()) {
      TableScan scan;
      scan.table.name = tables.text(0);
      scan.table.collection = snake_case(scan.table.name);
      scans.push_back(std::move(scan));
    }
  }
  auto deadline = Clock::now() + options.budget;
  for (auto& scan : scans) {
    const std::string table = quoted_identifier(scan.table.name);
    Query columns(db.handle, "SELECT name, type, pk FROM pragma_table_info(?1)");
    sqlite3_bind_text(columns.stmt, 1, scan.table.name.c_str(), -1, SQLITE_TRANSIENT);
    while (columns.row()) {
      DiscoveredColumn c;
      c.name = columns.text(0);
      c.type = columns.text(1);
      c.primary_key = sqlite3_column_int(columns.stmt, 2) > 0;
      scan.table.columns.push_back(c);
      scan.samples.push_back(ColumnSample{c.name, c.type, {}, 0});
    }
    Query keys(db.handle, "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1)");
    sqlite3_bind_text(keys.stmt, 1, scan.table.name.c_str(), -1, SQLITE_TRANSIENT);
    while (keys.row()) scan.keys.push_back({keys.text(0), keys.text(1), keys.text(2)});
    Query count(db.handle, "SELECT count(*) FROM " + table);
    if (count.row()) scan.table.rows = sqlite3_column_int64(count.stmt, 0);
    if (Clock::now() > deadline) continue;  // listed, not sampled: the draft says so
    scan.table.sampled = true;
    Query rows(db.handle, "SELECT * FROM " + table + " LIMIT " + std::to_string(options.sample));
    while (rows.row()) {
      for (std::size_t i = 0; i < scan.samples.size(); ++i)
        if (!rows.null(static_cast<int>(i))) scan.samples[i].values.push_back(rows.text(static_cast<int>(i)));
    }
    for (auto& s : scan.samples) s.distinct = std::set<std::string>(s.values.begin(), s.values.end()).size();
  }
  sqlite3_exec(db.handle, "COMMIT", nullptr, nullptr, nullptr);
  return scans;
}

const DiscoveredColumn* primary_key_of(const DiscoveredTable& t) {
  const DiscoveredColumn* key = nullptr;
  for (const auto& c : t.columns) {
    if (!c.primary_key) continue;
    if (key) return nullptr;  // a composite key: no single column to point at
    key = &c;
  }
  return key;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A column named after another table's key ("CustomerId", "customer_id") whose sampled values
// are that table's keys: a reference nobody declared.
void propose_undeclared_references(std::vector<TableScan>& scans) {
  std::map<std::string, std::pair<const TableScan*, std::set<std::string>>> keyed;  // lower-case stem -> table
  for (const auto& scan : scans) {
    const DiscoveredColumn* key = primary_key_of(scan.table);
    if (!key) continue;
    std::size_t k = 0;
    while (scan.table.columns[k].name != key->name) ++k;
    std::set<std::string> values(scan.samples[k].values.begin(), scan.samples[k].values.end());
    std::string stem = lower(scan.table.collection);
    std::erase(stem, '_');
    keyed[stem] = {&scan, values};
    if (stem.size() > 1 && stem.back() == 's') keyed[stem.substr(0, stem.size() - 1)] = {&scan, values};
  }
  for (auto& scan : scans) {
    for (std::size_t i = 0; i < scan.table.columns.size(); ++i) {
      DiscoveredColumn& c = scan.table.columns[i];
      if (c.primary_key || !c.references.empty()) continue;
      std::string name = lower(c.name);
      std::erase(name, '_');
      if (!name.ends_with("id") || name.size() <= 2) continue;
      auto target = keyed.find(name.substr(0, name.size() - 2));
      if (target == keyed.end() || target->second.first == &scan) continue;
      const auto& values = scan.samples[i].values;
      if (values.empty()) continue;
      std::size_t hits = 0;
      for (const auto& v : values) hits += target->second.second.contains(v) ? 1 : 0;
      // The target's sample may not hold every key: most values found is enough to propose it.
      if (hits * 10 < values.size() * 8) continue;
      const DiscoveredTable& to = target->second.first->table;
      c.references = to.collection + "." + primary_key_of(to)->name;
      c.reference_evidence = "undeclared: its name and " + std::to_string(hits) + "/" + std::to_string(values.size()) +
                             " sampled values match " + to.name + "." + primary_key_of(to)->name;
    }
  }
}

void classify(std::vector<TableScan>& scans) {
  const auto& names = given_names();
  std::map<std::string, std::string> collection_of;
  for (const auto& scan : scans) collection_of[scan.table.name] = scan.table.collection;
  for (auto& scan : scans) {
    for (std::size_t i = 0; i < scan.table.columns.size(); ++i) {
      DiscoveredColumn& c = scan.table.columns[i];
      const ColumnSample& s = scan.samples[i];
      c.personal = classify_column(s, names);
      if (c.personal && c.personal->category == "user.contact.email" && !s.values.empty() &&
          s.distinct == s.values.size())
        c.identity = "email";
    }
    for (const auto& fk : scan.keys) {
      auto to = collection_of.find(fk.table);
      if (to == collection_of.end() || fk.table == scan.table.name) continue;  // a self-reference is left out
      for (auto& c : scan.table.columns) {
        if (c.name != fk.column) continue;
        std::string target = fk.to;
        if (target.empty()) {
          for (const auto& other : scans)
            if (other.table.name == fk.table)
              if (const auto* key = primary_key_of(other.table)) target = key->name;
        }
        c.references = to->second + "." + target;
        c.reference_evidence = "declared foreign key";
      }
    }
  }
  // A person table's own key identifies the person too (a customer id).
  std::set<std::string> person_tables;
  for (auto& scan : scans) {
    bool has_email_identity = std::any_of(scan.table.columns.begin(), scan.table.columns.end(),
                                          [](const DiscoveredColumn& c) { return c.identity == "email"; });
    if (!has_email_identity) continue;
    person_tables.insert(scan.table.collection);
    for (auto& c : scan.table.columns)
      if (c.primary_key && primary_key_of(scan.table) == &c) c.identity = scan.table.collection + "_id";
  }
  // One person table pointing at another (a customer's support representative) names another
  // person: following it would put that person's record in this one's answer.
  for (auto& scan : scans) {
    if (!person_tables.contains(scan.table.collection)) continue;
    for (auto& c : scan.table.columns) {
      if (c.references.empty() || !person_tables.contains(c.references.substr(0, c.references.find('.')))) continue;
      c.other_person = true;
      c.reference_evidence += "; another person's record, not followed";
      c.references_other = c.references;
      c.references.clear();
    }
  }
}

std::string yaml_quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\\\"") : c == '\\' ? std::string("\\\\") : std::string(1, c);
  return out + "\"";
}

}  // namespace

bool DiscoveredTable::personal() const {
  return std::any_of(columns.begin(), columns.end(), [](const DiscoveredColumn& c) { return c.personal.has_value(); });
}

Result<Discovery> discover_store(const std::string& store, const DiscoverOptions& options) {
  if (options.sample == 0 || options.sample > 1000000) return invalid("--sample is 1 to 1,000,000 rows per table");
  std::string path = store;
  if (store.starts_with("postgresql://") || store.starts_with("postgres://") || store.starts_with("mysql://") ||
      store.starts_with("mariadb://"))
    return precondition("discovery reads SQLite stores in this version; PostgreSQL and MariaDB catalogues are not read yet");
  if (store.starts_with("sqlite:")) path = store.substr(7);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return not_found("no SQLite database at " + path);
  auto scans = read_sqlite(path, options);
  if (!scans) return propagate(scans.error());
  classify(*scans);
  propose_undeclared_references(*scans);
  Discovery out;
  out.system = options.system.empty() ? snake_case(fs::path(path).stem().string()) : options.system;
  out.store_type = "sqlite";
  out.location = path;
  for (auto& scan : *scans) out.tables.push_back(std::move(scan.table));
  return out;
}

namespace {

// The collections a request can reach: those with an identity, then those whose references
// lead from a reachable one (a child found through its parent's key). The loader refuses others.
std::set<std::string> reachable_collections(const Discovery& found) {
  std::set<std::string> reached;
  for (const auto& t : found.tables)
    for (const auto& c : t.columns)
      if (!c.identity.empty()) reached.insert(t.collection);
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& t : found.tables) {
      if (reached.contains(t.collection)) continue;
      for (const auto& c : t.columns) {
        if (c.references.empty() || !reached.contains(c.references.substr(0, c.references.find('.')))) continue;
        reached.insert(t.collection);
        grew = true;
        break;
      }
    }
  }
  return reached;
}

}  // namespace

std::string draft_datamap(const Discovery& found) {
  const std::set<std::string> reached = reachable_collections(found);
  std::ostringstream y;
  y << "# A draft data map written by `maestro datamap discover` from the catalogue and a sample of\n"
    << "# each table. Every proposal is marked `# discovered:` with its confidence and evidence (counts,\n"
    << "# never values): review each one, add purposes, legal bases and retention, then use it.\n"
    << "systems:\n"
    << "  - name: " << found.system << "\n"
    << "    owner: privacy-team@example.com   # discovered: replace with the system owner's address\n"
    << "    store: {type: " << found.store_type << ", path: " << yaml_quoted(found.location) << "}\n"
    << "    collections:\n";
  for (const auto& t : found.tables) {
    if (!reached.contains(t.collection)) continue;
    y << "      - name: " << t.collection << "\n"
      << "        source: " << yaml_quoted(t.name) << "\n"
      << "        # discovered: " << t.rows << " rows" << (t.sampled ? "" : ", not sampled (time budget)")
      << (t.personal() ? "" : "; nothing personal seen") << "\n"
      << "        fields:\n";
    for (const auto& c : t.columns) {
      std::vector<std::string> notes;
      y << "          - name: " << yaml_quoted(c.name) << "\n";
      if (c.primary_key) y << "            primary_key: true\n";
      if (c.personal) {
        y << "            categories: [" << c.personal->category << "]\n";
        char confidence[16];
        std::snprintf(confidence, sizeof confidence, "%.2f", c.personal->confidence);
        notes.push_back(std::string(confidence) + ", " + c.personal->evidence);
      } else {
        y << "            categories: [system.operations]\n";
      }
      if (c.other_person) {
        y << "            other_person: true\n";
        notes.push_back("points at " + c.references_other + " (" + c.reference_evidence + ")");
      }
      if (!c.identity.empty()) {
        y << "            identity: " << c.identity << "\n";
        notes.push_back(c.identity == "email" ? "identity: unique in the sample" : "identity: the person table's key");
      }
      if (!c.references.empty() && reached.contains(c.references.substr(0, c.references.find('.')))) {
        y << "            references: [{field: " << c.references << ", direction: from}]\n";
        notes.push_back("reference: " + c.reference_evidence);
      } else if (!c.references.empty()) {
        notes.push_back("points at " + c.references + ", which no identity reaches (" + c.reference_evidence + ")");
      }
      for (const auto& n : notes) y << "            # discovered: " << n << "\n";
    }
  }
  // What no request can reach is listed, so that the review sees it: personal data there is
  // invisible to every request until an identity or a reference leads to it.
  for (const auto& t : found.tables) {
    if (reached.contains(t.collection)) continue;
    y << "# not reached from any identity: " << t.name << " (" << t.rows << " rows)";
    std::string personal;
    for (const auto& c : t.columns)
      if (c.personal) personal += (personal.empty() ? "" : ", ") + c.name + " (" + c.personal->category + ")";
    y << (personal.empty() ? "; nothing personal seen\n" : "; PERSONAL DATA: " + personal + "\n");
  }
  return y.str();
}

}  // namespace maestro
