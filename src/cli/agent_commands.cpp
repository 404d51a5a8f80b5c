// maestro agents: the authorized agents admitted to send requests through the Data Rights
// Protocol (desk/drp.hpp): import them from a service directory, list them, disable or enable one.
#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include "cli/session.hpp"
#include <fstream>
#include <sstream>

namespace maestro::cli {

void add_agent_commands(CLI::App& app, Session& s) {
  auto* agents = app.add_subcommand("agents", "Authorized agents (Data Rights Protocol): admit, list, disable");
  agents->require_subcommand(1);
  agents->footer(
      "An authorized agent (CCPA 1798.135; e.g. Consumer Reports' Permission Slip) sends requests for a consumer "
      "through the Data Rights Protocol. Only agents imported here, and enabled, get a token from 'maestro serve' "
      "(agents.business_id in maestro.yaml turns the endpoints on). See docs/agents.md.");

  struct ImportOptions {
    std::string file;
    bool trust_email = false;
  };
  auto io = std::make_shared<ImportOptions>();
  auto* import = agents->add_subcommand("import", "Admit the agents of a DRP service directory file (JSON)");
  import->add_option("file", io->file, "The directory: a JSON list of agents (id, name, verify_key, web_url)")
      ->required()
      ->check(CLI::ExistingFile);
  import->add_flag("--trust-email-verification", io->trust_email,
                   "Count these agents' email_verified claim as one identity check (otherwise the consumer "
                   "verifies on the portal)");
  import->footer(
      "Importing again updates names, keys and addresses; an agent whose key changed must set up its token "
      "again. A bad entry changes nothing.");
  import->callback([&s, io] {
    std::ifstream file(io->file);
    if (!file) fail_command(Error{ErrorCode::not_found, "cannot read the agents' directory " + io->file});
    std::stringstream text_stream;
    text_stream << file.rdbuf();
    std::string text = text_stream.str();
    auto done = must(s.desk().import_agents(text, io->trust_email));
    s.out << "Agents added: " << done.added.size() << ", updated: " << done.updated.size() << ".\n";
    for (const auto& id : done.added) s.out << "  + " << id << "\n";
    for (const auto& id : done.updated) s.out << "  ~ " << id << "\n";
  });

  auto json_out = std::make_shared<bool>(false);
  auto* list = agents->add_subcommand("list", "List the admitted agents (never their tokens)");
  list->add_flag("--json", *json_out, "Print JSON");
  list->callback([&s, json_out] {
    auto all = must(s.desk().agents());
    if (*json_out) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& a : all) {
        out.push_back({{"id", a.id}, {"name", a.name}, {"web_url", a.web_url}, {"enabled", a.enabled},
                       {"trusts_email", a.trusts_email}, {"has_token", !a.token_mac.empty()},
                       {"imported_at", format_instant(a.imported_at)}});
      }
      s.out << out.dump(2) << "\n";
      return;
    }
    if (all.empty()) s.out << "No agents admitted (maestro agents import DIRECTORY.json).\n";
    for (const auto& a : all) {
      s.out << a.id << "  " << a.name << "  " << (a.enabled ? "enabled" : "DISABLED")
            << (a.trusts_email ? "  trusts its email verification" : "")
            << (a.token_mac.empty() ? "  no token yet" : "  token issued " + format_instant(*a.token_issued_at)) << "\n";
    }
  });

  for (bool enable : {false, true}) {
    auto id = std::make_shared<std::string>();
    auto* change = agents->add_subcommand(enable ? "enable" : "disable",
                                          enable ? "Enable an agent again (it sets up a new token)"
                                                 : "Disable an agent: its token stops working at once");
    change->add_option("id", *id, "The agent's id (agents list)")->required();
    change->callback([&s, id, enable] {
      must(s.desk().set_agent_enabled(*id, enable));
      s.out << "Agent " << *id << (enable ? " enabled.\n" : " disabled.\n");
    });
  }
}

}  // namespace maestro::cli
