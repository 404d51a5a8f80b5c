#include "scan/token_matcher.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

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
// Up to this many values without an anchor byte, find_in_text searches for each of them;
// beyond, it tokenizes the whole text.
constexpr std::size_t k_bare_search_limit = 8;

// The bytes that find_in_text searches for, rarest in logs first: a value is found through the
// first of them it holds.
constexpr std::string_view k_anchor_bytes = "@_-.";

// A cheap hash for the bit filter: every eight bytes of the token (the last word overlapping
// the one before) and its length, mixed by multiplication. Every byte counts: tokens that share
// their ends ("user1234...@example.com") must not share a hash.
std::uint64_t quick_hash(std::string_view run) {
  std::uint64_t h = run.size() * 0x9e3779b97f4a7c15ULL;
  auto mix = [&](std::uint64_t word) {
    h = (h ^ word) * 0xc2b2ae3d27d4eb4fULL;
    h ^= h >> 29;
  };
  if (run.size() < 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, run.data(), run.size());
    mix(word);
    return h;
  }
  std::size_t i = 0;
  for (; i + 8 < run.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, run.data() + i, 8);
    mix(word);
  }
  std::uint64_t last;
  std::memcpy(&last, run.data() + run.size() - 8, 8);
  mix(last);
  return h;
}

std::size_t filter_bits_for(std::size_t values) {
  std::size_t bits = 1 << 12;
  while (bits < values * 16) bits <<= 1;  // about 2% false positives with two bits a value
  return bits;
}

bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@';
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_phone_separator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

// A formatted phone number's digits: a value with a leading '+', or spaces, dashes or
// parentheses among 7 to 15 digits. A bare number (an order or customer number) is not one.
std::optional<std::string> phone_digits(std::string_view v) {
  std::string digits;
  bool formatted = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
    } else if ((c == '+' && i == 0) || (is_phone_separator(c) && c != '.')) {
      formatted = true;
    } else if (c != '.') {
      return std::nullopt;
    }
  }
  bool date = v.size() == 10 && v[4] == '-' && v[7] == '-';
  if (!formatted || date || digits.size() < 7 || digits.size() > 15) return std::nullopt;
  return digits;
}

// An IPv6 address's 16 bytes, whichever way it is written.
std::optional<std::string> ipv6_bytes(std::string_view v) {
  if (v.find(':') == std::string_view::npos || v.size() > 45) return std::nullopt;
  unsigned char bytes[16];
  if (inet_pton(AF_INET6, std::string(v).c_str(), bytes) != 1) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes), 16);
}

// A character that makes a number or an address part of a longer word.
bool glued(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '@';
}

}  // namespace

std::size_t find_token(std::string_view text, std::string_view value, std::size_t from) {
  if (value.empty()) return std::string_view::npos;
  for (std::size_t pos = text.find(value, from); pos != std::string_view::npos; pos = text.find(value, pos + 1)) {
    bool left_ok = pos == 0 || !is_word(text[pos - 1]);
    std::size_t end = pos + value.size();
    // A trailing full stop ends a sentence, not a token ("from 10.0.0.1.").
    bool right_ok = end == text.size() || !is_word(text[end]) ||
                    (text[end] == '.' && (end + 1 == text.size() || !is_word(text[end + 1])));
    if (left_ok && right_ok) return pos;
  }
  return std::string_view::npos;
}

bool contains_token(std::string_view text, std::string_view value) {
  return find_token(text, value, 0) != std::string_view::npos;
}

std::string replace_token(std::string_view text, std::string_view token, std::string_view replacement) {
  std::string out;
  std::size_t last = 0;
  for (std::size_t pos = find_token(text, token, 0); pos != std::string_view::npos;
       pos = find_token(text, token, last)) {
    out.append(text.substr(last, pos - last)).append(replacement);
    last = pos + token.size();
  }
  out.append(text.substr(last));
  return out;
}

const std::bitset<256> TokenMatcher::k_token_chars = token_chars();

TokenMatcher::TokenMatcher(const std::vector<std::string>& values, TokenForms forms)
    : m_by_kind(forms == TokenForms::by_kind) {
  auto ask = [&](const std::string& key, const std::string& value) {
    auto& asked = m_asked[key];
    if (std::find(asked.begin(), asked.end(), value) == asked.end()) asked.push_back(value);
  };
  for (const auto& v : values) {
    if (v.empty()) continue;
    if (m_by_kind) {
      if (auto six = ipv6_bytes(v)) {
        m_ipv6.insert(*six);
        ask("6" + *six, v);
        continue;
      }
      if (auto digits = phone_digits(v)) {
        m_phones.insert(*digits);
        m_phone_lengths.set(digits->size());
        ask("p" + *digits, v);
        continue;
      }
    }
    bool plain = std::all_of(v.begin(), v.end(), [](char c) { return is_token_char(static_cast<unsigned char>(c)); });
    if (plain && m_by_kind && v.find('@') != std::string::npos) {
      m_storage.push_back(lowered(v));  // an email address, in any letter case
      ask(m_storage.back(), v);
      continue;
    }
    (plain ? m_storage : m_other).push_back(v);
  }
  m_storage.erase(std::unique((std::sort(m_storage.begin(), m_storage.end()), m_storage.begin()), m_storage.end()),
                  m_storage.end());
  m_plain.reserve(m_storage.size());
  for (const auto& v : m_storage) {
    m_plain.insert(v);
    m_lengths.set(std::min<std::size_t>(v.size(), 256));
  }
  m_few = !m_by_kind && m_storage.size() <= k_direct_search_limit;
  m_filter.assign(filter_bits_for(m_storage.size()) / 64, 0);
  const std::size_t mask = m_filter.size() * 64 - 1;
  for (const auto& v : m_storage) {
    std::uint64_t h = quick_hash(v);
    m_filter[(h & mask) / 64] |= std::uint64_t{1} << (h & 63);
    m_filter[((h >> 32) & mask) / 64] |= std::uint64_t{1} << ((h >> 32) & 63);
    auto anchor = std::find_if(k_anchor_bytes.begin(), k_anchor_bytes.end(),
                               [&](char a) { return v.find(a) != std::string::npos; });
    if (anchor == k_anchor_bytes.end()) {
      m_bare.push_back(v);
    } else if (m_anchors.find(*anchor) == std::string::npos) {
      m_anchors += *anchor;
    }
  }
}

bool TokenMatcher::maybe_wanted(std::string_view run) const {
  if (!m_lengths[std::min<std::size_t>(run.size(), 256)]) return false;
  const std::size_t mask = m_filter.size() * 64 - 1;
  std::uint64_t h = quick_hash(run);
  return (m_filter[(h & mask) / 64] >> (h & 63) & 1) && (m_filter[((h >> 32) & mask) / 64] >> ((h >> 32) & 63) & 1) &&
         m_plain.contains(run);
}

// The form a run of token characters is looked up in: by kind, an email's letters lowered.
std::string_view TokenMatcher::lookup_form(std::string_view run, std::string& buffer) const {
  if (!m_by_kind) return run;
  // One pass, plain ASCII tests: this runs for every candidate token of every block.
  bool upper = false, at = false;
  for (char c : run) {
    upper |= c >= 'A' && c <= 'Z';
    at |= c == '@';
  }
  if (!upper || !at) return run;
  buffer = lowered(run);
  return buffer;
}

// Reports the run [start, end) of token characters, or the run without a sentence's full stop,
// when it is a wanted value.
template <typename Found>
void TokenMatcher::check_run(const char* text_begin, const char* start, const char* end, Found&& found) const {
  auto n = static_cast<std::size_t>(end - start);
  if (n == 0) return;
  auto offset = static_cast<std::size_t>(start - text_begin);
  std::string buffer;
  if (maybe_wanted(lookup_form(std::string_view(start, n), buffer))) {
    found(offset);
  } else if (n > 1 && end[-1] == '.' && maybe_wanted(lookup_form(std::string_view(start, n - 1), buffer))) {
    found(offset);
  }
}

template <typename Found>
void TokenMatcher::find_forms(std::string_view text, Found&& found) const {
  const std::size_t n = text.size();
  if (!m_phones.empty()) {
    std::string digits;
    std::vector<std::size_t> at, group_starts, group_ends;  // offsets of digits; digit indexes
    for (std::size_t i = 0; i < n;) {
      char c = text[i];
      bool starts = std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '(';
      if (!starts || (i > 0 && (glued(text[i - 1]) || text[i - 1] == '.' || text[i - 1] == '-'))) {
        ++i;
        continue;
      }
      digits.clear();
      at.clear();
      group_starts.clear();
      group_ends.clear();
      bool after_separator = true;
      std::size_t j = i;
      for (; j < n; ++j) {
        char d = text[j];
        if (std::isdigit(static_cast<unsigned char>(d))) {
          if (after_separator) group_starts.push_back(digits.size());
          digits += d;
          at.push_back(j);
          after_separator = false;
        } else if (is_phone_separator(d) || (d == '+' && j == i)) {
          if (!after_separator) group_ends.push_back(digits.size());
          after_separator = true;
        } else {
          break;
        }
      }
      if (!after_separator && !(j < n && glued(text[j]))) group_ends.push_back(digits.size());
      for (std::size_t first : group_starts) {
        for (std::size_t end : group_ends) {
          std::size_t length = end - first;
          if (end <= first || length >= m_phone_lengths.size() || !m_phone_lengths[length]) continue;
          std::string key = digits.substr(first, length);
          if (!m_phones.contains(key)) continue;
          // The spelling found starts at a leading '+' or '(' and ends after a closing ')'.
          std::size_t from = at[first];
          if (from > 0 && (text[from - 1] == '+' || text[from - 1] == '(')) --from;
          if (from > 0 && text[from] == '(' && text[from - 1] == '+') --from;
          std::size_t to = at[end - 1] + 1;
          if (text[from] == '(' && to < n && text[to] == ')' &&
              text.substr(from, to - from).find(')') == std::string_view::npos)
            ++to;
          found(from, to - from, "p" + key);
        }
      }
      i = j > i ? j : i + 1;
    }
  }
  if (!m_ipv6.empty()) {
    for (std::size_t i = 0; i < n;) {
      char c = text[i];
      char before = i > 0 ? text[i - 1] : ' ';
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':') || glued(before) || before == ':' ||
          before == '.') {
        ++i;
        continue;
      }
      std::size_t j = i;
      int colons = 0;
      while (j < n && (std::isxdigit(static_cast<unsigned char>(text[j])) || text[j] == ':' || text[j] == '.')) {
        colons += text[j] == ':';
        ++j;
      }
      std::size_t end = j;
      while (end > i && text[end - 1] == '.') --end;  // a sentence's full stop
      if (colons >= 2 && !(j < n && glued(text[j]))) {
        if (auto six = ipv6_bytes(text.substr(i, end - i)); six && m_ipv6.contains(*six)) found(i, end - i, "6" + *six);
      }
      i = j;
    }
  }
}

template <typename Visit>
void TokenMatcher::visit_asked(const std::string& key, Visit&& visit) const {
  auto asked = m_asked.find(key);
  if (asked == m_asked.end()) {
    visit(key);
    return;
  }
  for (const auto& value : asked->second) visit(value);
}

void TokenMatcher::find_in_text(std::string_view text, const std::function<void(std::size_t)>& found) const {
  find_forms(text, [&](std::size_t offset, std::size_t, const std::string&) { found(offset); });
  for (const auto& v : m_other) {
    for (std::size_t pos = find_token(text, v, 0); pos != std::string_view::npos; pos = find_token(text, v, pos + 1))
      found(pos);
  }
  if (m_storage.empty()) return;
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (m_bare.size() > k_bare_search_limit) {
    // Many values of letters and digits only: every token is looked at.
    for (const char* p = begin; p < end;) {
      while (p < end && !k_token_chars[static_cast<unsigned char>(*p)]) ++p;
      const char* start = p;
      while (p < end && k_token_chars[static_cast<unsigned char>(*p)]) ++p;
      check_run(begin, start, p, found);
    }
    return;
  }
  for (const auto& v : m_bare) {
    for (std::size_t pos = find_token(text, v, 0); pos != std::string_view::npos; pos = find_token(text, v, pos + 1))
      found(pos);
  }
  for (char anchor : m_anchors) {
    const char* p = begin;
    while (p < end) {
      const auto* hit = static_cast<const char*>(std::memchr(p, anchor, static_cast<std::size_t>(end - p)));
      if (!hit) break;
      // The whole token around the anchor: the same run a line-by-line walk would see.
      const char* start = hit;
      while (start > begin && k_token_chars[static_cast<unsigned char>(start[-1])]) --start;
      const char* stop = hit + 1;
      while (stop < end && k_token_chars[static_cast<unsigned char>(*stop)]) ++stop;
      check_run(begin, start, stop, found);
      p = stop;
    }
  }
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
    std::string buffer;
    if (m_lengths[std::min<std::size_t>(n, 256)]) {
      auto it = m_plain.find(lookup_form(run, buffer));
      if (it != m_plain.end() && visit(*it, run)) return true;
    }
    // "from 10.0.0.1." : the sentence's full stop is not part of the token.
    if (run.back() == '.' && n > 1 && m_lengths[std::min<std::size_t>(n - 1, 256)]) {
      auto it = m_plain.find(lookup_form(run.substr(0, n - 1), buffer));
      if (it != m_plain.end() && visit(*it, run.substr(0, n - 1))) return true;
    }
  }
  return false;
}

bool TokenMatcher::matches(std::string_view line) const {
  for (const auto& v : m_other) {
    if (contains_token(line, v)) return true;
  }
  bool form_found = false;
  find_forms(line, [&](std::size_t, std::size_t, const std::string&) { form_found = true; });
  if (form_found) return true;
  if (m_storage.empty()) return false;
  if (m_few) {
    return std::any_of(m_storage.begin(), m_storage.end(),
                       [&](const std::string& v) { return contains_token(line, v); });
  }
  return scan_plain(line, [](std::string_view, std::string_view) { return true; });
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
  std::vector<std::string> seen;  // keys, so each value is visited once
  auto once = [&](const std::string& key) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) return;
    seen.push_back(key);
    visit_asked(key, visit);
  };
  find_forms(line, [&](std::size_t, std::size_t, const std::string& key) { once(key); });
  scan_plain(line, [&](std::string_view key, std::string_view) {
    once(std::string(key));
    return false;
  });
}

void TokenMatcher::each_occurrence(std::string_view line,
                                   const std::function<void(const std::string&, std::string_view)>& visit) const {
  for (const auto& v : m_other) {
    for (std::size_t pos = find_token(line, v, 0); pos != std::string_view::npos; pos = find_token(line, v, pos + 1))
      visit(v, line.substr(pos, v.size()));
  }
  find_forms(line, [&](std::size_t offset, std::size_t length, const std::string& key) {
    visit_asked(key, [&](const std::string& value) { visit(value, line.substr(offset, length)); });
  });
  scan_plain(line, [&](std::string_view key, std::string_view spelled) {
    visit_asked(std::string(key), [&](const std::string& value) { visit(value, spelled); });
    return false;
  });
}

}  // namespace maestro
