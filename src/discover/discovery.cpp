#include "discover/discovery.hpp"

#include <regex>

#include "common/text.hpp"
#include "discover/catalogue.hpp"
#include "discover/file_catalogue.hpp"

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

// Every sampled value of one table's columns, and its declared foreign keys.
struct TableScan {
  DiscoveredTable table;
  std::vector<ColumnSample> samples;
  std::vector<CatalogueForeignKey> keys;
};

bool is_file_type(const std::string& type) { return type == "jsonl" || type == "csv" || type == "textlog"; }

// A file family's collection name: the glob's file name up to its first '*' or '.'
// ("orders-*.jsonl" -> orders, "auth.log*" -> auth), else the whole glob's.
std::string collection_name(const std::string& table, const std::string& type) {
  if (!is_file_type(type)) return snake_case(table);
  std::string file = fs::path(table).filename().string();
  std::string stem = snake_case(file.substr(0, file.find_first_of("*.")));
  return stem == "table" ? snake_case(table) : stem;
}

Result<std::vector<TableScan>> read_catalogue(CatalogueSource& source, const DiscoverOptions& options) {
  auto names = source.tables();
  if (!names) return propagate(names.error());
  std::vector<TableScan> scans;
  std::set<std::string> collections;
  auto deadline = Clock::now() + options.budget;
  for (const auto& name : *names) {
    TableScan scan;
    scan.table.name = name;
    scan.table.collection = collection_name(name, source.type());
    for (int n = 2; !collections.insert(scan.table.collection).second; ++n)
      scan.table.collection = collection_name(name, source.type()) + "_" + std::to_string(n);
    auto columns = source.columns(name);
    if (!columns) return propagate(columns.error());
    for (const auto& c : *columns) {
      DiscoveredColumn d;
      d.name = c.name;
      d.type = c.type;
      d.primary_key = c.primary_key;
      scan.table.columns.push_back(d);
      scan.samples.push_back(ColumnSample{c.name, name, c.type, {}, 0});
    }
    auto keys = source.foreign_keys(name);
    if (!keys) return propagate(keys.error());
    scan.keys = std::move(*keys);
    auto rows = source.rows(name);
    if (!rows) return propagate(rows.error());
    scan.table.rows = *rows;
    if (Clock::now() < deadline && !columns->empty()) {
      scan.table.sampled = true;
      auto sampled = source.sample(name, *columns, options.sample, [&](const SampledRow& row) {
        for (std::size_t i = 0; i < row.size() && i < scan.samples.size(); ++i)
          if (row[i]) scan.samples[i].values.push_back(*row[i]);
      });
      if (!sampled) return propagate(sampled.error());
      for (auto& s : scan.samples) s.distinct = std::set<std::string>(s.values.begin(), s.values.end()).size();
    }
    scans.push_back(std::move(scan));
  }
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
    std::string stem = ascii_lower(scan.table.collection);
    std::erase(stem, '_');
    keyed[stem] = {&scan, values};
    if (stem.size() > 1 && stem.back() == 's') keyed[stem.substr(0, stem.size() - 1)] = {&scan, values};
  }
  for (auto& scan : scans) {
    for (std::size_t i = 0; i < scan.table.columns.size(); ++i) {
      DiscoveredColumn& c = scan.table.columns[i];
      if (c.primary_key || !c.references.empty()) continue;
      std::string name = ascii_lower(c.name);
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

// The identity kind a file's column is searched by ("" for none).
std::string file_identity(const std::optional<ColumnClass>& personal) {
  if (!personal) return "";
  if (personal->category == "user.contact.email") return "email";
  if (personal->category == "user.contact.phone_number") return "phone";
  if (personal->category == "user.device.ip_address") return "ip";
  return "";
}

void classify(std::vector<TableScan>& scans, const std::string& store_type) {
  const auto& names = given_names();
  std::map<std::string, std::string> collection_of;
  for (const auto& scan : scans) collection_of[scan.table.name] = scan.table.collection;
  for (auto& scan : scans) {
    for (std::size_t i = 0; i < scan.table.columns.size(); ++i) {
      DiscoveredColumn& c = scan.table.columns[i];
      const ColumnSample& s = scan.samples[i];
      c.personal = store_type == "textlog" ? classify_log_lines(s.values) : classify_column(s, names);
      if (is_file_type(store_type))
        c.identity = file_identity(c.personal);
      else if (c.personal && c.personal->category == "user.contact.email" && !s.values.empty() &&
               s.distinct == s.values.size())
        c.identity = "email";
    }
    // An empty table's "name" beside an email address is a person's name: no value can say so.
    bool holds_emails = std::any_of(scan.table.columns.begin(), scan.table.columns.end(), [](const DiscoveredColumn& c) {
      return c.personal && c.personal->category == "user.contact.email";
    });
    for (std::size_t i = 0; i < scan.table.columns.size() && holds_emails; ++i) {
      DiscoveredColumn& c = scan.table.columns[i];
      std::string name = ascii_lower(c.name);
      if (c.personal || !scan.samples[i].values.empty() || (name != "name" && name != "full_name" && name != "fullname"))
        continue;
      c.personal = ColumnClass{"user.name", 0.5, 0, 0, "its name, in a table of email addresses (no values to check)"};
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

// The store as the draft's map writes it: a SQLite path, or a server's address without its password.
std::vector<std::pair<std::string, std::string>> store_settings_of(const std::string& store, const std::string& type) {
  if (type == "sqlite") return {{"path", store.starts_with("sqlite:") ? store.substr(7) : store}};
  if (is_file_type(type)) return {{"path", store.substr(store.find(':') + 1)}};
  static const std::regex url(R"(^[a-z]+://(?:([^:@/]*)(?::[^@/]*)?@)?([^:/]+)(?::([0-9]+))?/([^/?]+)$)");
  std::smatch m;
  if (!std::regex_match(store, m, url)) return {};
  std::vector<std::pair<std::string, std::string>> out{{"host", m[2]}};
  if (m[3].matched) out.push_back({"port", m[3]});
  out.push_back({"database", m[4]});
  if (m[1].matched && m[1].length() > 0) out.push_back({"user", m[1]});
  return out;
}

std::string default_system_name(const std::string& store, const std::string& type) {
  if (type == "sqlite") return snake_case(fs::path(store.starts_with("sqlite:") ? store.substr(7) : store).stem().string());
  if (is_file_type(type)) {
    fs::path folder = fs::path(store.substr(store.find(':') + 1)).lexically_normal();
    if (!folder.has_filename()) folder = folder.parent_path();
    return snake_case(folder.filename().string() + "_" + type);
  }
  auto slash = store.rfind('/');
  return snake_case(store.substr(slash + 1));
}

}  // namespace

bool DiscoveredTable::personal() const {
  return std::any_of(columns.begin(), columns.end(), [](const DiscoveredColumn& c) { return c.personal.has_value(); });
}

Result<Discovery> discover_store(const std::string& store, const DiscoverOptions& options) {
  if (options.sample == 0 || options.sample > 1000000) return invalid("--sample is 1 to 1,000,000 rows per table");
  auto source = is_file_store(store) ? open_file_catalogue(store, options.known_sources)
                                     : open_catalogue(store, static_cast<int>(options.budget.count()), options.password);
  if (!source) return propagate(source.error());
  auto scans = read_catalogue(**source, options);
  if (!scans) return propagate(scans.error());
  classify(*scans, (*source)->type());
  propose_undeclared_references(*scans);
  Discovery out;
  out.store_type = (*source)->type();
  out.store_settings = store_settings_of(store, out.store_type);
  out.system = options.system.empty() ? default_system_name(store, out.store_type) : options.system;
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

namespace {

void draft_system(const Discovery& found, std::ostringstream& y) {
  const std::set<std::string> reached = reachable_collections(found);
  y << "  - name: " << found.system << "\n"
    << "    owner: privacy-team@example.com   # discovered: replace with the system owner's address\n"
    << "    store: {type: " << found.store_type;
  for (const auto& [key, value] : found.store_settings) y << ", " << key << ": " << yaml_quoted(value);
  bool server = found.store_type == "postgres" || found.store_type == "mysql";
  y << "}" << (server ? "   # discovered: add password_env: VARIABLE if the server needs one" : "") << "\n"
    << "    collections:\n";
  for (const auto& t : found.tables) {
    if (!reached.contains(t.collection)) continue;
    y << "      - name: " << t.collection << "\n"
      << "        source: " << yaml_quoted(t.name) << "\n"
      << "        # discovered: " << t.rows << (is_file_type(found.store_type) ? " lines" : " rows") << (t.sampled ? "" : ", not sampled (time budget)")
      << (t.personal() ? "" : "; nothing personal seen") << "\n"
      << "        fields:\n";
    for (const auto& c : t.columns) {
      std::vector<std::string> notes;
      y << "          - name: " << yaml_quoted(c.name) << "\n";
      if (c.primary_key) y << "            primary_key: true\n";
      if (c.personal) {
        y << "            categories: [" << c.personal->category;
        for (const auto& more : c.personal->also) y << ", " << more;
        y << "]\n";
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
        notes.push_back(is_file_type(found.store_type) ? "identity: searched by value in every line"
                        : c.identity == "email"        ? "identity: unique in the sample"
                                                       : "identity: the person table's key");
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
}

}  // namespace

std::string draft_datamap(const Discovery& found) { return draft_datamap(std::vector<Discovery>{found}); }

std::string draft_datamap(const std::vector<Discovery>& stores) {
  std::ostringstream y;
  y << "# A draft data map written by `maestro datamap discover` from the catalogue and a sample of\n"
    << "# each table. Every proposal is marked `# discovered:` with its confidence and evidence (counts,\n"
    << "# never values): review each one, add purposes, legal bases and retention, then use it.\n"
    << "systems:\n";
  for (const auto& found : stores) draft_system(found, y);
  return y.str();
}

}  // namespace maestro
