#include "server/web_support.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "config/embedded.hpp"
#include "notify/mustache.hpp"

namespace maestro {

// A template of data/web/<lang>/ (or data/web/ for shared files), from the embedded data.
std::string web_file(const std::string& name) {
  for (const auto& f : embedded::files()) {
    if (f.name == "web/" + name) return std::string(f.content);
  }
  return "";
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

Result<std::string> strict_url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0)
        return invalid("a '%' that is not followed by two hexadecimal digits");
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += plus_is_space && text[i] == '+' ? ' ' : text[i];
    }
  }
  if (out.find('\0') != std::string::npos) return invalid("a NUL character (%00)");
  if (!is_valid_utf8(out)) return invalid("bytes that are not UTF-8");
  return out;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = std::min(body.find('&', start), body.size());
    std::string_view pair = body.substr(start, end - start);
    std::size_t eq = pair.find('=');
    if (!pair.empty()) {
      std::string key = url_decode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
      out.emplace(std::move(key), std::move(value));
    }
    start = end + 1;
  }
  return out;
}

std::string cookie_value(const HttpRequest& r, const std::string& name) {
  auto it = r.headers.find("cookie");
  if (it == r.headers.end()) return "";
  std::string_view all = it->second;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = std::min(all.find(';', start), all.size());
    std::string_view part = all.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.starts_with(name + "=")) return std::string(part.substr(name.size() + 1));
    start = end + 1;
  }
  return "";
}


HttpResponse html_page(int status, const std::string& title, const std::string& content, mstch::map context) {
  context.emplace("lang", std::string("en"));
  context.emplace("title", title);
  std::string html =
      render_html(web_file("en/layout.mustache"), context, {{"content", web_file("en/" + content + ".mustache")}});
  HttpResponse out{status, "text/html; charset=utf-8", std::move(html), {}};
  out.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'");
  out.headers.emplace_back("X-Frame-Options", "DENY");
  // same-origin, not no-referrer: with no-referrer browsers post forms with "Origin: null".
  out.headers.emplace_back("Referrer-Policy", "same-origin");
  return out;
}

bool cross_site_post(const HttpRequest& r, bool secure) {
  if (r.method != "POST") return false;
  auto origin = r.headers.find("origin");
  auto host = r.headers.find("host");
  if (origin == r.headers.end() || host == r.headers.end()) return false;
  return origin->second != (secure ? "https://" : "http://") + host->second;
}

}  // namespace maestro
