// Letters to the requester, rendered from Mustache templates (seed 001 templates A, B and C, and
// the confirmations, notices and refusals the other runbooks describe).
//
// A template is a file `<language>/<name>.mustache` whose first line is "Subject: ..." and whose
// body follows a blank line. An operator's `templates_dir` is searched first, then the templates
// built into Maestro (data/templates/), in the case's language and then in English.
//
//   LetterFields f;
//   f.values["case_number"] = "DSAR-2026-001";
//   Letter l = *render_letter("acknowledgement", "en", f, settings.templates_dir);
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace maestro {

struct Letter {
  std::string subject;
  std::string body;
};

// What a template can use: {{name}} values, and {{#list}}...{{/list}} lists of records.
struct LetterFields {
  std::map<std::string, std::string> values;
  std::map<std::string, std::vector<std::map<std::string, std::string>>> lists;
};

// The letters Maestro sends; each has a template of this name.
const std::vector<std::string>& letter_names();

Result<Letter> render_letter(std::string_view name, std::string_view language, const LetterFields& fields,
                             const std::optional<std::filesystem::path>& templates_dir);

// Checks one letter template: its "Subject: " first line and its Mustache syntax; a failure
// names `origin` and the line.
Status check_letter_template(std::string_view text, const std::string& origin);
// Checks every <language>/<name>.mustache in an operator's templates_dir (when the settings are
// loaded, not when a letter is sent): a known letter name, a language code, valid syntax.
Status check_letter_templates(const std::filesystem::path& templates_dir);

}  // namespace maestro
