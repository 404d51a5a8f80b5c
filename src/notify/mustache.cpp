#include "notify/mustache.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

#include "common/text.hpp"

namespace maestro {

namespace {

thread_local bool t_plain_text = false;

void install_escape() {
  static std::once_flag once;
  std::call_once(
      once, [] { mstch::config::escape = [](const std::string& s) { return t_plain_text ? s : html_escape(s); }; });
}

// Sets the thread's kind of text for one rendering.
class PlainText {
 public:
  explicit PlainText(bool plain) : m_before(t_plain_text) { t_plain_text = plain; }
  ~PlainText() { t_plain_text = m_before; }
  PlainText(const PlainText&) = delete;
  PlainText& operator=(const PlainText&) = delete;

 private:
  bool m_before;
};

}  // namespace

std::string render_plain_text(const std::string& tmpl, const mstch::map& context) {
  install_escape();
  PlainText plain(true);
  return mstch::render(tmpl, context);
}

std::string render_html(const std::string& tmpl, const mstch::map& context,
                        const std::map<std::string, std::string>& partials) {
  install_escape();
  PlainText html(false);
  return mstch::render(tmpl, context, partials);
}

namespace {

bool tag_name_ok(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

// Where a "}}" stands in text outside any tag, or npos.
std::size_t stray_close(std::string_view literal) {
  return literal.find("}}");
}

}  // namespace

Status check_mustache(std::string_view text, const std::string& origin, bool partials_allowed) {
  struct Open {
    std::string name;
    std::size_t line;
  };
  std::vector<Open> sections;
  std::size_t line = 1, scanned = 0;
  auto line_at = [&](std::size_t pos) {
    line += static_cast<std::size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(scanned),
                                                text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
    scanned = pos;
    return line;
  };
  auto error = [&](std::size_t at_line, const std::string& what) {
    return invalid(origin + ":" + std::to_string(at_line) + ": " + what);
  };
  std::size_t literal_from = 0;  // where the text after the last tag starts
  for (std::size_t open = text.find("{{"); open != std::string_view::npos; open = text.find("{{", open)) {
    if (auto stray = stray_close(text.substr(literal_from, open - literal_from)); stray != std::string_view::npos)
      return error(line_at(literal_from + stray), "'}}' closes no tag (an opening '{{' is missing)");
    std::size_t at = line_at(open);
    bool triple = text.substr(open, 3) == "{{{";
    std::string_view closing = triple ? "}}}" : "}}";
    std::size_t close = text.find(closing, open + closing.size());
    std::size_t next_open = text.find("{{", open + 2 + (triple ? 1 : 0));
    if (close == std::string_view::npos || (next_open != std::string_view::npos && next_open < close))
      return error(at, "'" + std::string(triple ? "{{{" : "{{") + "' is not closed by '" + std::string(closing) + "'");
    std::string_view tag = trimmed(text.substr(open + closing.size(), close - open - closing.size()));
    open = close + closing.size();
    literal_from = open;
    if (triple) {
      if (!tag_name_ok(tag)) return error(at, "'{{{" + std::string(tag) + "}}}' is not a value's name");
      continue;
    }
    char kind = tag.empty() ? '\0' : tag.front();
    std::string_view name = trimmed(
        kind == '#' || kind == '^' || kind == '/' || kind == '&' || kind == '>' || kind == '!' ? tag.substr(1) : tag);
    if (kind == '!') continue;  // a comment
    if (kind == '=') return error(at, "changing the delimiters ({{=...=}}) is not supported");
    if (kind == '>' && !partials_allowed) return error(at, "partials ({{> name}}) are not available here");
    if (!tag_name_ok(name)) return error(at, "'{{" + std::string(tag) + "}}' is not a value's name");
    if (kind == '#' || kind == '^') {
      sections.push_back({std::string(name), at});
    } else if (kind == '/') {
      if (sections.empty()) return error(at, "'{{/" + std::string(name) + "}}' closes a section that was never opened");
      if (sections.back().name != name) {
        return error(at, "'{{/" + std::string(name) + "}}' closes '" + sections.back().name + "', opened on line " +
                             std::to_string(sections.back().line));
      }
      sections.pop_back();
    }
  }
  if (auto stray = stray_close(text.substr(literal_from)); stray != std::string_view::npos)
    return error(line_at(literal_from + stray), "'}}' closes no tag (an opening '{{' is missing)");
  if (!sections.empty()) {
    return error(sections.back().line,
                 "the section '" + sections.back().name + "' is never closed (add {{/" + sections.back().name + "}})");
  }
  return {};
}

}  // namespace maestro
