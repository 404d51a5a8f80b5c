// maestro datamap check: load the data map as every command would, and with --connect try each
// store (a database connection, an API's test request), so a privacy team finds a wrong
// password or an expired API key before a request is due.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/session.hpp"
#include "connectors/connector.hpp"
#include "desk/discovery_service.hpp"

namespace maestro::cli {

namespace {

struct Reach {
  std::string system, tenant, type;
  bool ok = true;
  std::string message;
};

std::vector<Reach> try_every_store(const DataMap& map) {
  std::vector<Reach> out;
  for (const auto& system : map.systems) {
    if (system.store.type == "manual") continue;
    std::vector<std::string> tenants =
        system.store.tenants.empty() ? std::vector<std::string>{""} : system.store.tenants;
    for (const auto& tenant : tenants) {
      Reach r{system.name, tenant, system.store.type, true, "reachable"};
      auto connector = open_connector(system.store, tenant);
      Status tested = connector ? (*connector)->test_connection() : Status(propagate(connector.error()));
      if (!tested) {
        r.ok = false;
        r.message = tested.error().message;
      }
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

void add_datamap_commands(CLI::App& app, Session& s) {
  auto* datamap = app.add_subcommand("datamap", "The data map: check it, and whether its stores answer");
  datamap->require_subcommand(1);
  struct Options {
    std::string map;
    bool connect = false, json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = datamap->add_subcommand("check",
                                      "Load the data map and report what it describes (and, with --connect, "
                                      "whether each store answers)");
  cmd->add_option("--map", o->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_flag("--connect", o->connect,
                "Connect to every database and send every API's test request (test_request in Fides configs)");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->footer(
      "A map that does not load prints the file and line of the first problem (exit 2). With --connect, a store "
      "that does not answer is listed with the reason (a wrong password, an expired API key, a host that is down) and "
      "the exit status is 5. Collections whose purpose, legal basis, retention, recipients or origin the map does not "
      "give are listed as Article 15 gaps: an access report would say \"not recorded\" there.\n\nExample:\n"
      "  maestro datamap check --connect");
  cmd->callback([&s, o] {
    const DataMap& map = s.data_map(o->map);
    std::vector<Reach> reach;
    if (o->connect) reach = try_every_store(map);
    std::size_t unreachable = std::count_if(reach.begin(), reach.end(), [](const Reach& r) { return !r.ok; });
    if (o->json) {
      nlohmann::json systems = nlohmann::json::array();
      for (const auto& system : map.systems)
        systems.push_back(
            {{"name", system.name}, {"type", system.store.type}, {"collections", system.collections.size()}});
      nlohmann::json stores = nlohmann::json::array();
      for (const auto& r : reach)
        stores.push_back({{"system", r.system}, {"tenant", r.tenant}, {"reachable", r.ok}, {"message", r.message}});
      nlohmann::json gaps = nlohmann::json::object();
      for (const auto& [key, c] : map.collections) {
        if (auto missing = c.article15_gaps(); !missing.empty()) gaps[key] = missing;
      }
      nlohmann::json out{{"systems", systems},
                         {"collections", map.collections.size()},
                         {"references", map.references.size()},
                         {"identity_kinds", map.identity_kinds()},
                         {"article15_gaps", gaps}};
      if (o->connect) out["stores"] = stores;
      s.out << out.dump(2) << "\n";
    } else {
      s.out << "The data map loads: " << map.systems.size() << " system(s), " << map.collections.size()
            << " collection(s), " << map.references.size() << " reference(s).\nA request can start from:";
      for (const auto& kind : map.identity_kinds()) s.out << " " << kind;
      s.out << "\n";
      // What an access report would say "not recorded" for: seen here before a requester sees it.
      for (const auto& [key, c] : map.collections) {
        auto missing = c.article15_gaps();
        if (missing.empty()) continue;
        std::string list;
        for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
        s.out << "  Article 15 gap  " << key << ": no " << list << "\n";
      }
      for (const auto& r : reach) {
        s.out << (r.ok ? "  OK           " : "  UNREACHABLE  ") << r.system
              << (r.tenant.empty() ? "" : " (" + r.tenant + ")") << " [" << r.type << "]"
              << (r.ok ? "" : ": " + r.message) << "\n";
      }
    }
    if (unreachable > 0)
      fail_command(Error{ErrorCode::unavailable, std::to_string(unreachable) + " store(s) did not answer"});
  });

  struct DiscoverOptionsCli {
    std::string store, map, out, system;
    std::size_t sample = 1000;
    int budget = 60;
    bool force = false, json = false;
  };
  auto d = std::make_shared<DiscoverOptionsCli>();
  auto* discover = datamap->add_subcommand(
      "discover", "Draft a data map from a store's catalogue and a sample of its rows (personal columns found by value)");
  auto* store_option = discover->add_option(
      "--store", d->store,
      "The store: sqlite:PATH, postgresql://USER@HOST:PORT/DATABASE or mysql://USER@HOST:PORT/DATABASE (a password in "
      "$MAESTRO_DISCOVER_PASSWORD), or a folder of files: jsonl:FOLDER, csv:FOLDER, textlog:FOLDER");
  auto* map_option = discover->add_option(
      "--map", d->map, "Instead of --store: every database and file store of this data map, one system each");
  store_option->excludes(map_option);
  discover->add_option("--system", d->system, "The draft's system name (default: from the store's file name)")
      ->excludes(map_option);
  discover->add_option("--out", d->out, "Where to write the draft data map (YAML)")->required();
  discover->add_option("--sample", d->sample, "Rows read per table (default 1000)");
  discover->add_option("--budget", d->budget, "Seconds for the whole store; later tables are listed unsampled (default 60)")
      ->check(CLI::Range(1, 86400));
  discover->add_flag("--force", d->force, "Replace --out if it exists");
  discover->add_flag("--json", d->json, "Print the summary as JSON");
  discover->footer(
      "Reads only (a read-only connection, one read transaction). Each column is classified by its values (emails, "
      "phone numbers, IP addresses, payment cards with the Luhn check, IBANs, postal codes, given names, free text "
      "holding any of these) and by its name; unique emails and the person table's key are proposed as identities; "
      "declared foreign keys, and undeclared ones whose name and values match, as references. In a folder of files "
      "each family of files (rotations and dated copies together) is a collection with a glob, its JSON-lines keys "
      "or CSV header its fields, a text log's line one field holding the email addresses, phone numbers and IP "
      "addresses found in it; emails, phones and IPs there are proposed as identities. Every proposal is "
      "marked '# discovered:' with its confidence and evidence: counts, never a value. Load the draft with "
      "'maestro datamap check --map DRAFT' and review it before use.");
  discover->callback([&s, d] {
    DiscoverOptions options;
    options.sample = d->sample;
    options.budget = std::chrono::seconds(d->budget);
    options.system = d->system;
    if (d->store.empty() == d->map.empty())
      fail_command(Error{ErrorCode::invalid_argument, "give the store to read: --store ADDRESS or --map datamap.yaml"});
    DiscoveryReport report;
    if (!d->map.empty()) {
      report = must(discover_map_to_draft(s.data_map(d->map), options, d->out, d->force));
    } else {
      report = must(discover_to_draft(d->store, options, d->out, d->force));
    }
    if (d->json) {
      s.out << nlohmann::json{{"draft", d->out},
                              {"tables", report.tables},
                              {"columns", report.columns},
                              {"personal_columns", report.personal_columns},
                              {"identities", report.identities},
                              {"references", report.references},
                              {"by_category", report.by_category}}
                   .dump(2)
            << "\n";
      return;
    }
    s.out << "Draft data map written to " << d->out << ": " << report.tables << " table(s), " << report.columns
          << " column(s), " << report.personal_columns << " personal, " << report.identities << " identity proposal(s), "
          << report.references << " reference(s).\n";
    for (const auto& [category, count] : report.by_category) s.out << "  " << count << "  " << category << "\n";
    for (const auto& skipped : report.skipped) s.out << "  not read: " << skipped << "\n";
    s.out << "Review every '# discovered:' line, then: maestro datamap check --map " << d->out << "\n";
  });

  struct DriftOptionsCli {
    std::string map;
    std::size_t sample = 1000;
    int budget = 60;
    bool json = false;
  };
  auto dr = std::make_shared<DriftOptionsCli>();
  auto* drift = datamap->add_subcommand(
      "drift",
      "Compare the live databases and file folders with the data map: new or gone tables, columns, files and keys, "
      "unmapped personal data");
  drift->add_option("--map", dr->map, "The data map (default: 'datamap:' in maestro.yaml)");
  drift->add_option("--sample", dr->sample, "Rows read per table to classify new columns (default 1000)");
  drift->add_option("--budget", dr->budget, "Seconds per store (default 60)")->check(CLI::Range(1, 86400));
  drift->add_flag("--json", dr->json, "Print JSON");
  drift->footer(
      "Reads every SQLite, PostgreSQL and MariaDB store of the map (read-only) and lists what the map does not "
      "know: new tables and columns, classified as discovery does, and tables or columns the map names that are "
      "gone. Exit status 3 when an unmapped column holds personal data (a search misses it and an erasure's proof "
      "cannot see it): run it daily or in CI. The result is kept: while personal data is unmapped the dashboard "
      "warns on every case. Never prints a value.");
  drift->callback([&s, dr] {
    const DataMap& map = s.data_map(dr->map);
    DiscoverOptions options;
    options.sample = dr->sample;
    options.budget = std::chrono::seconds(dr->budget);
    auto report = must(run_drift(s.desk(), map, options));
    if (dr->json) {
      nlohmann::json items = nlohmann::json::array();
      for (const auto& i : report.items) {
        nlohmann::json item{{"system", i.system}, {"change", i.change}, {"table", i.table}, {"column", i.column}};
        if (i.personal)
          item["personal"] = {{"category", i.personal->category}, {"confidence", i.personal->confidence},
                              {"evidence", i.personal->evidence}};
        items.push_back(item);
      }
      s.out << nlohmann::json{{"personal_unmapped", report.personal_unmapped()}, {"changes", items},
                              {"checked", report.checked}, {"not_checked", report.not_checked}}
                   .dump(2)
            << "\n";
    } else {
      if (report.items.empty()) s.out << "The data map matches the stores: nothing new, nothing gone.\n";
      for (const auto& i : report.items) {
        s.out << (i.personal ? "  PERSONAL  " : "            ") << i.change << "  " << i.system << ": " << i.where();
        if (i.personal) s.out << "  " << i.personal->category << " (" << i.personal->evidence << ")";
        s.out << "\n";
      }
      for (const auto& n : report.not_checked) s.out << "  not compared: " << n << "\n";
    }
    if (report.personal_unmapped() > 0)
      fail_command(Error{ErrorCode::not_found, std::to_string(report.personal_unmapped()) +
                                                   " unmapped column(s) hold personal data: add them to the data map"},
                   3);
  });
}

}  // namespace maestro::cli
