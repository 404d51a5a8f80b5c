#include "notify/letters.hpp"

#include <mstch/mstch.hpp>

#include "notify/mustache.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/embedded.hpp"

namespace maestro {

namespace fs = std::filesystem;

const std::vector<std::string>& letter_names() {
  static const std::vector<std::string> names{"acknowledgement",
                                              "verification-request",
                                              "verification-code",
                                              "verification-reminder",
                                              "fulfilment",
                                              "package-password",
                                              "deletion-confirmation",
                                              "rectification-confirmation",
                                              "restriction-confirmation",
                                              "objection-confirmation",
                                              "consent-confirmation",
                                              "extension-notice",
                                              "refusal",
                                              "manual-task",
                                              "download-code"};
  return names;
}

namespace {

std::optional<std::string> read_template(const std::optional<fs::path>& dir, std::string_view language,
                                         std::string_view name) {
  std::string relative = std::string(language) + "/" + std::string(name) + ".mustache";
  if (dir) {
    std::ifstream in(*dir / relative, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      return text.str();
    }
  }
  for (const auto& file : embedded::files()) {
    if (file.name == "templates/" + relative) return std::string(file.content);
  }
  return std::nullopt;
}

bool valid_language(std::string_view language) {
  return language.size() >= 2 && language.size() <= 8 && std::all_of(language.begin(), language.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) || c == '-';
         });
}

}  // namespace

Result<Letter> render_letter(std::string_view name, std::string_view language, const LetterFields& fields,
                             const std::optional<fs::path>& templates_dir) {
  const auto& names = letter_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    return invalid("no letter called '" + std::string(name) + "'");
  }
  if (!valid_language(language)) return invalid("'" + std::string(language) + "' is not a language code (e.g. en)");
  auto text = read_template(templates_dir, language, name);
  if (!text) text = read_template(templates_dir, "en", name);
  if (!text) return not_found("no template for the letter '" + std::string(name) + "'");
  if (auto ok = check_letter_template(*text, std::string(language) + "/" + std::string(name) + ".mustache"); !ok)
    return propagate(ok.error());
  mstch::map context;
  for (const auto& [key, value] : fields.values) context.emplace(key, value);
  for (const auto& [key, items] : fields.lists) {
    mstch::array list;
    for (const auto& item : items) {
      mstch::map entry;
      for (const auto& [k, v] : item) entry.emplace(k, v);
      list.push_back(entry);
    }
    context.emplace(key, list);
    context.emplace("has_" + key, !items.empty());
  }
  // Letters are plain text: nothing is HTML-escaped.
  std::string rendered = render_plain_text(*text, context);
  auto end_of_subject = rendered.find('\n');
  Letter letter;
  letter.subject = rendered.substr(9, end_of_subject == std::string::npos ? std::string::npos : end_of_subject - 9);
  std::string body = end_of_subject == std::string::npos ? "" : rendered.substr(end_of_subject + 1);
  while (!body.empty() && body.front() == '\n') body.erase(0, 1);
  letter.body = body;
  return letter;
}

Status check_letter_template(std::string_view text, const std::string& origin) {
  if (!text.starts_with("Subject: ")) return invalid(origin + ":1: a letter template starts with a 'Subject: ' line");
  return check_mustache(text, origin);
}

Status check_letter_templates(const fs::path& templates_dir) {
  std::error_code ec;
  if (!fs::is_directory(templates_dir, ec))
    return not_found("templates_dir " + templates_dir.string() + " is not a folder");
  const auto& names = letter_names();
  for (const auto& language_dir : fs::directory_iterator(templates_dir, ec)) {
    if (!language_dir.is_directory()) continue;
    std::string language = language_dir.path().filename().string();
    for (const auto& entry : fs::directory_iterator(language_dir.path(), ec)) {
      if (entry.path().extension() != ".mustache") continue;
      std::string origin = entry.path().string();
      if (!valid_language(language))
        return invalid(origin + ": '" + language + "' is not a language code (e.g. en, pt-br)");
      std::string name = entry.path().stem().string();
      if (std::find(names.begin(), names.end(), name) == names.end())
        return invalid(origin + ": Maestro sends no letter called '" + name + "' (a misspelt file name is never used)");
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      if (auto ok = check_letter_template(text.str(), origin); !ok) return ok;
    }
  }
  if (ec) return fail(ErrorCode::unavailable, "cannot read " + templates_dir.string() + ": " + ec.message());
  return {};
}

}  // namespace maestro
