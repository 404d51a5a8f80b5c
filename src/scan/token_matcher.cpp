#include "scan/token_matcher.hpp"

#include <algorithm>

#include "connectors/file_lines.hpp"

namespace maestro {

namespace {

std::bitset<256> token_chars() {
  std::bitset<256> out;
  for (int c = '0'; c <= '9'; ++c) out.set(static_cast<std::size_t>(c));
  for (int c = 'a'; c <= 'z'; ++c) out.set(static_cast<std::size_t>(c));
  for (int c = 'A'; c <= 'Z'; ++c) out.set(static_cast<std::size_t>(c));
  for (char c : std::string("._-@")) out.set(static_cast<unsigned char>(c));
  return out;
}

// Up to this many plain values, searching the line for each (memchr-driven) beats tokenizing.
constexpr std::size_t k_direct_search_limit = 3;

}  // namespace

const std::bitset<256> TokenMatcher::k_token_chars = token_chars();

TokenMatcher::TokenMatcher(const std::vector<std::string>& values) {
  for (const auto& v : values) {
    if (v.empty()) continue;
    bool plain = std::all_of(v.begin(), v.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); });
    (plain ? m_storage : m_other).push_back(v);
  }
  m_storage.erase(std::unique((std::sort(m_storage.begin(), m_storage.end()), m_storage.begin()), m_storage.end()),
                  m_storage.end());
  m_plain.reserve(m_storage.size());
  for (const auto& v : m_storage) {
    m_plain.insert(v);
    m_lengths.set(std::min<std::size_t>(v.size(), 256));
  }
  m_few = m_storage.size() <= k_direct_search_limit;
}

// Calls visit(run) for each maximal run of token characters that is a wanted value, or is one
// followed by a single full stop; stops when visit returns true.
template <typename Visit>
bool TokenMatcher::scan_plain(std::string_view line, Visit&& visit) const {
  const char* p = line.data();
  const char* end = p + line.size();
  while (p < end) {
    while (p < end && !k_token_chars[static_cast<unsigned char>(*p)]) ++p;
    const char* start = p;
    while (p < end && k_token_chars[static_cast<unsigned char>(*p)]) ++p;
    std::size_t n = static_cast<std::size_t>(p - start);
    if (n == 0) continue;
    std::string_view run(start, n);
    if (m_lengths[std::min<std::size_t>(n, 256)]) {
      auto it = m_plain.find(run);
      if (it != m_plain.end() && visit(*it)) return true;
    }
    // "from 10.0.0.1." : the sentence's full stop is not part of the token.
    if (run.back() == '.' && n > 1 && m_lengths[std::min<std::size_t>(n - 1, 256)]) {
      auto it = m_plain.find(run.substr(0, n - 1));
      if (it != m_plain.end() && visit(*it)) return true;
    }
  }
  return false;
}

bool TokenMatcher::matches(std::string_view line) const {
  for (const auto& v : m_other) {
    if (contains_token(line, v)) return true;
  }
  if (m_storage.empty()) return false;
  if (m_few) {
    return std::any_of(m_storage.begin(), m_storage.end(), [&](const std::string& v) { return contains_token(line, v); });
  }
  return scan_plain(line, [](std::string_view) { return true; });
}

void TokenMatcher::each_match(std::string_view line, const std::function<void(const std::string&)>& visit) const {
  for (const auto& v : m_other) {
    if (contains_token(line, v)) visit(v);
  }
  if (m_few) {
    for (const auto& v : m_storage)
      if (contains_token(line, v)) visit(v);
    return;
  }
  std::vector<std::string_view> seen;
  scan_plain(line, [&](std::string_view v) {
    if (std::find(seen.begin(), seen.end(), v) == seen.end()) {
      seen.push_back(v);
      visit(std::string(v));
    }
    return false;
  });
}

}  // namespace maestro
