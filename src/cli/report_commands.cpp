// maestro report ... and maestro retention ...: metrics, the yearly DSR log, and purging.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>

#include "cli/session.hpp"
#include "desk/reports.hpp"

namespace maestro::cli {

namespace {

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  auto temporary = path;
  temporary += ".partial";
  {
    std::ofstream out(temporary, std::ios::out | std::ios::trunc);
    out << content;
    if (!out) fail_command(Error{ErrorCode::permission_denied, "cannot write " + path.string()});
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) fail_command(Error{ErrorCode::permission_denied, "cannot write " + path.string() + ": " + ec.message()});
}

void add_metrics(CLI::App& report, Session& s) {
  struct Options {
    std::string from, to;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = report.add_subcommand("metrics", "Counts, times to complete and on-time rate for a period");
  cmd->add_option("--from", opts->from, "First day of the period, YYYY-MM-DD")->required();
  cmd->add_option("--to", opts->to, "Last day of the period, YYYY-MM-DD")->required();
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->footer(
      "Counts the cases received in the period. 'Completed' means fulfilled or denied; on time means closed "
      "on or before the legal due date.");
  cmd->callback([&s, opts] {
    Date from = must(parse_date(opts->from));
    Date to = must(parse_date(opts->to));
    if (std::chrono::sys_days{to} < std::chrono::sys_days{from}) {
      fail_command(Error{ErrorCode::invalid_argument, "--to " + opts->to + " is before --from " + opts->from});
    }
    Metrics m = compute_metrics(must(s.desk().list({})), from, to);
    s.out << (opts->json ? render_metrics_json(m) + "\n" : render_metrics_text(m));
  });
}

void add_log(CLI::App& report, Session& s) {
  struct Options {
    int year = 0;
    std::string out_dir = ".";
    bool include_names = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = report.add_subcommand("log", "Write the year's DSR log (seed 002) as Markdown and CSV");
  cmd->add_option("--year", opts->year, "The year, e.g. 2026")->required()->check(CLI::Range(2000, 2200));
  cmd->add_option("--out-dir", opts->out_dir, "Folder to write dsr_log_<year>.md and .csv into (default: .)");
  cmd->add_flag("--include-names", opts->include_names,
                "Put the requesters' names in the Customer column (default: left out, so the log can be shared)");
  cmd->callback([&s, opts] {
    std::filesystem::path dir(opts->out_dir);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      fail_command(Error{ErrorCode::not_found, "output folder " + dir.string() + " does not exist"});
    }
    auto views = must(s.desk().list({}));
    const Policy& policy = s.desk().policy();
    auto base = "dsr_log_" + std::to_string(opts->year);
    write_file_atomically(dir / (base + ".md"),
                          render_dsr_log_markdown(views, opts->year, policy, opts->include_names));
    write_file_atomically(dir / (base + ".csv"), render_dsr_log_csv(views, opts->year, policy, opts->include_names));
    s.out << "wrote " << (dir / (base + ".md")).string() << " and " << (dir / (base + ".csv")).string() << "\n";
  });
}

}  // namespace

void add_report_commands(CLI::App& app, Session& s) {
  auto* report = app.add_subcommand("report", "Reports for the DPO and regulators");
  report->require_subcommand(1);
  add_metrics(*report, s);
  add_log(*report, s);

  auto* retention = app.add_subcommand("retention", "Apply the retention policy to Maestro's own records");
  retention->require_subcommand(1);
  auto dry_run = std::make_shared<bool>(false);
  auto* purge =
      retention->add_subcommand("purge", "Remove personal data from cases closed longer than the retention period");
  purge->add_flag("--dry-run", *dry_run, "Only list the cases that would be purged");
  purge->footer(
      "The default policy keeps a closed case's personal data 2 years (seed 003); the case's dates, states "
      "and audit events remain as evidence without personal data. Run it daily, e.g. from cron.");
  purge->callback([&s, dry_run] {
    PurgeResult result = must(s.desk().purge_expired(*dry_run));
    for (const auto& number : result.purged) s.out << (*dry_run ? "would purge " : "purged ") << number << "\n";
    s.out << result.purged.size() << " case(s) " << (*dry_run ? "due for purging" : "purged") << "\n";
  });
}

}  // namespace maestro::cli
