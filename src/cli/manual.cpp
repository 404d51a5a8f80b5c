// maestro completion bash, and the hidden maestro manpage: both are generated from the same
// command tree as --help, so the installed man page and completion never drift from the binary.
#include <CLI/CLI.hpp>

#include <functional>
#include <sstream>

#include "cli/session.hpp"
#include "common/build_info.hpp"

namespace maestro::cli {

namespace {

using Visit = std::function<void(const CLI::App& command, const std::string& path)>;

// Visits every command below `app` (depth first, in the order they were added), hidden ones
// (an empty group) left out.
void walk(const CLI::App& app, const std::string& path, const Visit& visit) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); })) {
    std::string sub_path = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    visit(*sub, sub_path);
    walk(*sub, sub_path, visit);
  }
}

bool listed(const CLI::Option* option) {
  return !option->get_group().empty() && option->get_name() != "--help" && option->get_name() != "-h";
}

// roff treats a leading '.' or '\'' as a request and '\' as an escape; '-' must be \- in options.
std::string roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
    line_start = c == '\n';
  }
  return out;
}

std::string option_label(const CLI::Option* option) {
  std::string label;
  for (const auto& s : option->get_snames()) label += (label.empty() ? "-" : ", -") + s;
  for (const auto& l : option->get_lnames()) label += (label.empty() ? "--" : ", --") + l;
  if (label.empty()) label = option->get_name(true);  // a positional argument
  if (option->get_type_size() != 0 && option->nonpositional()) label += " " + option->get_type_name();
  return label;
}

void man_options(std::ostream& out, const CLI::App& command) {
  for (const CLI::Option* option : command.get_options()) {
    if (!listed(option)) continue;
    out << ".TP\n.B " << roff(option_label(option)) << "\n" << roff(option->get_description()) << "\n";
  }
}

const char* k_man_tail = R"(.SH ENVIRONMENT
.TP
.B MAESTRO_HOME
Folder for the case store and key file (default ./.maestro; the Debian package uses /var/lib/maestro).
.TP
.B MAESTRO_CONFIG
The maestro.yaml to read (the Debian package uses /etc/maestro/maestro.yaml).
.TP
.B MAESTRO_ACTOR
Who is acting, for the audit trail (default $USER).
.TP
.B MAESTRO_NOW
Pins the current time (ISO 8601), for rehearsals and tests.
.SH FILES
.TP
.I /etc/maestro/maestro.yaml
Configuration of a packaged installation.
.TP
.I /var/lib/maestro/maestro.db
The case store (encrypted personal fields, audit trail).
.TP
.I /var/lib/maestro/secret.key
The installation key (mode 0600). Back it up: without it the case store cannot be read.
.TP
.I /usr/share/maestro/
The default policy, holiday calendars and letter templates (also built into the binary).
.SH EXIT STATUS
0 done; 2 invalid input; 3 not found; 4 not allowed in the case's state; 5 unavailable (try
again); 6 data loss (store corrupt, audit trail broken, erasure proof found data left);
7 permission denied; 70 internal error.
.SH SEE ALSO
The documentation in /usr/share/doc/maestro/ and docs/ of the source tree.
)";

}  // namespace

std::string render_man_page(const CLI::App& app) {
  std::ostringstream out;
  out << ".TH MAESTRO 1 \"\" \"maestro " << version() << "\" \"User Commands\"\n";
  out << ".SH NAME\nmaestro \\- handle data subject requests (GDPR, UK GDPR, CCPA)\n";
  out << ".SH SYNOPSIS\n.B maestro\n[\\-\\-home DIR] [\\-\\-config FILE] [\\-\\-actor NAME] COMMAND ...\n";
  out << ".SH DESCRIPTION\n" << roff(app.get_description()) << "\n";
  out << ".SH GLOBAL OPTIONS\n";
  man_options(out, app);
  out << ".SH COMMANDS\n";
  walk(app, "", [&out](const CLI::App& command, const std::string& path) {
    out << ".SS \"maestro " << roff(path) << "\"\n" << roff(command.get_description()) << "\n";
    man_options(out, command);
    std::string footer = command.get_footer();
    if (!footer.empty()) out << ".PP\n" << roff(footer) << "\n";
  });
  out << k_man_tail;
  return out.str();
}

std::string render_bash_completion(const CLI::App& app) {
  // For each command path, the words that may follow it: its subcommands and options.
  std::ostringstream table;
  auto entry = [&table](const CLI::App& command, const std::string& path) {
    std::string words;
    for (const CLI::App* sub : command.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); }))
      words += sub->get_name() + " ";
    for (const CLI::Option* option : command.get_options()) {
      if (!listed(option)) continue;
      for (const auto& l : option->get_lnames()) words += "--" + l + " ";
    }
    table << "    [\"" << path << "\"]=\"" << words << "--help\"\n";
  };
  entry(app, "");
  walk(app, "", entry);
  std::ostringstream out;
  out << "# bash completion for maestro, generated from its command tree (maestro completion bash)\n"
      << "_maestro() {\n"
      << "  local -A next=(\n"
      << table.str() << "  )\n"
      << "  local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" word i\n"
      << "  # The command path: the words so far that name a deeper command.\n"
      << "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      << "    word=${COMP_WORDS[i]}\n"
      << "    [[ -n ${next[\"${path:+$path }$word\"]+set} ]] && path=\"${path:+$path }$word\"\n"
      << "  done\n"
      << "  COMPREPLY=($(compgen -W \"${next[$path]}\" -- \"$cur\"))\n"
      << "}\n"
      << "complete -F _maestro maestro\n";
  return out.str();
}

void add_manual_commands(CLI::App& app, Session& s) {
  auto* completion = app.add_subcommand("completion", "Print a shell completion script");
  auto* bash = completion->add_subcommand("bash", "Print the bash completion script");
  bash->footer("Load it with: source <(maestro completion bash). The Debian package installs it already.");
  completion->require_subcommand(1);
  bash->callback([&s, &app] { s.out << render_bash_completion(app); });
  // Hidden (empty group): the build writes the man page with it.
  auto* manpage = app.add_subcommand("manpage", "Print the maestro(1) manual page in roff")->group("");
  manpage->callback([&s, &app] { s.out << render_man_page(app); });
}

}  // namespace maestro::cli
