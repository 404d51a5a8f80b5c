// scan/: finding many wanted identifiers in unstructured text in one pass (ARCHITECTURE.md).
//
// TokenMatcher answers "which of these values occur in this line as whole tokens" with the
// boundaries contains_token uses (letters, digits and "._-@" make up a token; a trailing full
// stop ends a sentence, not a token), but reads the line once and looks each token up in a hash
// set, so the cost does not grow with the number of values. A value with other characters in
// it (an IPv6 address, "+44 20 ...") is searched for on its own, as before.
//
//   TokenMatcher m({"10.0.0.1", "jane@example.com"});
//   m.matches("login from 10.0.0.1.");   // true
//   m.matches("login from 10.0.0.12");   // false
//
// With TokenForms::by_kind (text logs), an identifier also matches when the text writes it
// another way: an email address in any letter case (Jane@Example.COM), a formatted phone number
// by its digits ("+44 20 7946 0958", "+442079460958", "+44 (20) 7946-0958"; a phone value is one
// with a '+' or separators, so a bare number stays an exact token), an IPv6 address in any of
// its spellings (2001:db8::1, 2001:0DB8:0:0:0:0:0:1). Callers learn the value asked for and the
// spelling found (each_occurrence), so an erasure replaces what the file really holds.
//
// For whole blocks of text (many lines at once), find_in_text() does not walk every token: each
// wanted value holds an "anchor" byte (the rarest of '@', '_', '-', '.' in it), the text is
// searched for the anchors with memchr, and only the token around each anchor is looked up (a
// small bit filter first, the hash set after). Values made of letters and digits only have no
// anchor: a few are searched for directly, many make the text be tokenized in full.
#pragma once

#include <bitset>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace maestro {

// Replaces every whole-token occurrence of `token` in `text` (as contains_token finds them).
std::string replace_token(std::string_view text, std::string_view token, std::string_view replacement);

// Whether `value` occurs in `text` as a whole token: the characters around it are not letters,
// digits or any of "._-@" (so 10.0.0.1 does not match inside 10.0.0.12).
bool contains_token(std::string_view text, std::string_view value);

// The position of the first whole-token occurrence of `value` in `text` at or after `from`, or
// npos.
std::size_t find_token(std::string_view text, std::string_view value, std::size_t from);

// How wanted values are compared with the text: as written, or in every form of their kind.
enum class TokenForms { exact, by_kind };

class TokenMatcher {
 public:
  explicit TokenMatcher(const std::vector<std::string>& values, TokenForms forms = TokenForms::exact);

  bool empty() const { return m_plain.empty() && m_other.empty() && m_phones.empty() && m_ipv6.empty(); }
  // Whether the line holds any wanted value as a whole token.
  bool matches(std::string_view line) const;
  // Each wanted value (as given to the constructor) the line holds, once each, in no particular order.
  void each_match(std::string_view line, const std::function<void(const std::string&)>& visit) const;
  // Each occurrence in the line: the wanted value (as given) and the text that spells it there.
  void each_occurrence(std::string_view line,
                       const std::function<void(const std::string& value, std::string_view spelled)>& visit) const;

  // Calls found(offset) for the start of every occurrence of a wanted value in `text` (any
  // number of lines), in no particular order and possibly more than once for one token.
  // Thread-safe: the matcher is only read.
  void find_in_text(std::string_view text, const std::function<void(std::size_t offset)>& found) const;

  // Whether c can be part of a token.
  static bool is_token_char(unsigned char c) { return k_token_chars[c]; }

 private:
  static const std::bitset<256> k_token_chars;
  template <typename Visit>
  bool scan_plain(std::string_view line, Visit&& visit) const;

  bool m_by_kind = false;
  // by_kind: the values asked for, by the form they are looked up in (a lower-case email, "p"
  // and a phone's digits, "6" and an IPv6 address's 16 bytes).
  std::unordered_map<std::string, std::vector<std::string>> m_asked;
  std::unordered_set<std::string> m_phones;  // digits
  std::bitset<20> m_phone_lengths;
  std::unordered_set<std::string> m_ipv6;  // 16 bytes each
  // Calls found(offset, length, key) for each phone number and IPv6 address wanted in `text`.
  template <typename Found>
  void find_forms(std::string_view text, Found&& found) const;
  template <typename Visit>
  void visit_asked(const std::string& key, Visit&& visit) const;

  std::vector<std::string> m_storage;            // the plain values, owned
  std::unordered_set<std::string_view> m_plain;  // views into m_storage
  std::bitset<257> m_lengths;                    // lengths of plain values (256: longer ones)
  std::vector<std::string> m_other;              // values with non-token characters
  bool m_few = false;                            // a handful of plain values: a direct search is faster
  std::string m_anchors;                         // the anchor bytes of the plain values (find_in_text)
  std::vector<std::string> m_bare;               // plain values without an anchor byte
  std::vector<std::uint64_t> m_filter;           // bits set by the hashes of the plain values

  bool maybe_wanted(std::string_view run) const;
  std::string_view lookup_form(std::string_view run, std::string& buffer) const;
  template <typename Found>
  void check_run(const char* text_begin, const char* start, const char* end, Found&& found) const;
};

}  // namespace maestro
