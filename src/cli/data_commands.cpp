// maestro dsar locate (and, next, export and delete): finding a person's data.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include "cli/session.hpp"
#include "desk/locate_service.hpp"

namespace maestro::cli {

namespace {

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text + " ";
}

void print_locate(Session& s, const LocateOutcome& outcome, const DataMap& map, bool json) {
  const LocateResult& r = outcome.result;
  if (json) {
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : r.failures)
      failures.push_back({{"system", f.system}, {"tenant", f.tenant}, {"error", f.message}});
    s.out << nlohmann::json{{"case", outcome.case_number},
                            {"records", r.records_by_collection},
                            {"total", r.total()},
                            {"queries", r.queries},
                            {"failures", failures}}
                 .dump(2)
          << "\n";
    return;
  }
  s.out << pad("SYSTEM", 16) << pad("COLLECTION", 24) << "RECORDS\n";
  for (const auto& [key, collection] : map.collections) {
    auto count = r.records_by_collection.find(key);
    s.out << pad(collection.system, 16) << pad(collection.name, 24)
          << (count == r.records_by_collection.end() ? 0 : count->second) << "\n";
  }
  s.out << "\n"
        << r.total() << " record(s) in " << r.records_by_collection.size() << " collection(s), " << r.queries
        << " queries" << (outcome.case_number.empty() ? "" : ", for " + outcome.case_number) << "\n";
  for (const auto& f : r.failures) {
    s.out << "NOT SEARCHED: " << f.system << (f.tenant.empty() ? "" : " (tenant " + f.tenant + ")") << ": " << f.message
          << "\n";
  }
}

}  // namespace

void add_data_commands(CLI::App& dsar, Session& s) {
  struct Options {
    std::vector<std::string> subjects, tenants;
    std::string case_number, map;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = dsar.add_subcommand("locate", "Find where a person's data is, without exporting it");
  cmd->add_option("--subject", opts->subjects, "An identifier of the person, KIND:VALUE or a bare email (repeatable)");
  cmd->add_option("--case", opts->case_number, "The case the search is for; its identifiers and tenants are used");
  cmd->add_option("--tenant", opts->tenants, "Search only this tenant (repeatable; default: the case's, else all)");
  cmd->add_option("--map", opts->map, "The data map (default: 'datamap:' in maestro.yaml)");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->footer(
      "Searches every system of the data map, following references (customer -> invoice -> invoice line), and "
      "prints how many records each collection holds. The search is recorded in the audit trail (counts and keyed "
      "hashes only). Exits 5 when a store could not be searched; the other stores' results are still printed.\n\n"
      "Example:\n  maestro dsar locate --subject email:jane@example.com --map datamap.yaml");
  cmd->callback([&s, opts] {
    const DataMap& map = s.data_map(opts->map);
    LocateRequest request{opts->subjects, std::nullopt, opts->tenants};
    if (!opts->case_number.empty()) request.case_number = opts->case_number;
    LocateOutcome outcome = must(locate_subject(s.desk(), map, request, [](const FoundRecord&) { return Status{}; }));
    print_locate(s, outcome, map, opts->json);
    if (!outcome.result.failures.empty()) {
      fail_command(Error{ErrorCode::unavailable, std::to_string(outcome.result.failures.size()) +
                                                     " store(s) could not be searched; see NOT SEARCHED above"});
    }
  });
}

}  // namespace maestro::cli
