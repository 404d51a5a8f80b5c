#include "notify/mustache.hpp"

#include "common/text.hpp"

#include <mutex>

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

}  // namespace maestro
