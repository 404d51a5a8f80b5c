#include "package/redaction.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "common/text.hpp"

namespace maestro {

namespace {

// Phone numbers have 9 to 15 digits (E.164); fewer is an order number, a date or a price.
constexpr std::size_t k_min_phone_digits = 9;
constexpr std::size_t k_max_phone_digits = 15;
// Characters of text kept on each side of a redaction for the DPO's review.
constexpr std::size_t k_context = 40;

std::string digits_of(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

bool is_email_local(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_domain(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
}
bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80);
}

struct Span {
  std::size_t begin, end;
  std::string kind;
};

// Email addresses: local@domain.tld, found from each '@'.
void find_emails(std::string_view t, std::vector<Span>& out) {
  for (std::size_t at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
    std::size_t b = at;
    while (b > 0 && is_email_local(t[b - 1])) --b;
    std::size_t e = at + 1;
    while (e < t.size() && is_domain(t[e])) ++e;
    while (e > at + 1 && (t[e - 1] == '.' || t[e - 1] == '-')) --e;  // a sentence's full stop
    std::string_view domain = t.substr(at + 1, e - at - 1);
    std::size_t dot = domain.rfind('.');
    if (b == at || dot == std::string_view::npos || domain.size() - dot - 1 < 2) continue;
    if (!std::all_of(domain.begin() + static_cast<std::ptrdiff_t>(dot) + 1, domain.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
      continue;
    out.push_back({b, e, "email"});
  }
}

// Phone numbers as people write them: "+44 20 7946 1001", "(020) 7946-1001", "+442079461001":
// digits with spaces, '-' and brackets between them, 9-15 digits, starting with '+' or written
// with separators (a bare run of digits is more often an account or order number). Dates
// ("2026-03-02") and dotted numbers (IP addresses, versions) are not phone numbers.
void find_phones(std::string_view t, std::vector<Span>& out) {
  std::size_t i = 0;
  while (i < t.size()) {
    char c = t[i];
    bool starts = std::isdigit(static_cast<unsigned char>(c)) || ((c == '+' || c == '(') && i + 1 < t.size());
    bool joined = i > 0 && (is_word(t[i - 1]) || t[i - 1] == '.' || t[i - 1] == '/' ||
                            (t[i - 1] == '-' && i > 1 && is_word(t[i - 2])));  // "ABC-123..."
    if (!starts || joined) {
      ++i;
      continue;
    }
    std::size_t e = i, digits = 0, last_digit = i;
    bool separated = false, separator = false;  // between digits; one just seen
    for (; e < t.size(); ++e) {
      char d = t[e];
      if (std::isdigit(static_cast<unsigned char>(d))) {
        if (separator && digits > 0) separated = true;
        separator = false;
        ++digits;
        last_digit = e + 1;
      } else if (d == ' ' || d == '-' || d == '(' || d == ')' || (d == '+' && e == i)) {
        if (d != '+') separator = true;
        if (d == ' ' && e + 1 < t.size() && t[e + 1] == ' ') break;
      } else {
        break;
      }
    }
    std::size_t end = last_digit;
    bool glued =
        end < t.size() && (is_word(t[end]) || t[end] == '.' || t[end] == '/' || t[end] == '@' || t[end] == ':');
    if (end < t.size() && t[end] == '.' &&
        (end + 1 >= t.size() || !std::isdigit(static_cast<unsigned char>(t[end + 1]))))
      glued = false;  // a full stop after the number
    std::string_view candidate = t.substr(i, end > i ? end - i : 0);
    bool date = candidate.size() >= 10 && std::isdigit(static_cast<unsigned char>(candidate[0])) &&
                candidate[4] == '-' && candidate[7] == '-';
    if (!glued && !date && digits >= k_min_phone_digits && digits <= k_max_phone_digits && (t[i] == '+' || separated)) {
      out.push_back({i, end, "phone"});
      i = end;
    } else {
      i = std::max(e, i + 1);
    }
  }
}

// Whole-word occurrences of `name` (ASCII letters compared without case).
void find_name(std::string_view t, const std::string& name, std::vector<Span>& out) {
  if (name.size() > t.size()) return;
  for (std::size_t i = 0; i + name.size() <= t.size(); ++i) {
    bool same = true;
    for (std::size_t k = 0; k < name.size() && same; ++k)
      same = std::tolower(static_cast<unsigned char>(t[i + k])) == std::tolower(static_cast<unsigned char>(name[k]));
    if (!same) continue;
    std::size_t e = i + name.size();
    if ((i > 0 && is_word(t[i - 1])) || (e < t.size() && is_word(t[e]))) continue;
    out.push_back({i, e, "name"});
    i = e - 1;
  }
}

// Moves `at` back to the start of a UTF-8 character.
std::size_t char_start(std::string_view t, std::size_t at) {
  while (at > 0 && at < t.size() && (static_cast<unsigned char>(t[at]) & 0xC0) == 0x80) --at;
  return at;
}

}  // namespace

Redactor::Redactor(const std::vector<SubjectIdentifier>& subject, const std::vector<std::string>& restored) {
  for (const auto& id : subject) learn_own(id.value);
  for (const auto& value : restored) {
    m_restored.insert(value);
    m_restored.insert(ascii_lower(value));
    if (std::string d = digits_of(value); d.size() >= k_min_phone_digits) m_restored.insert(d);
  }
}

void Redactor::learn_other(std::string_view value) {
  std::string v(value);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.erase(0, 1);
  bool has_letter =
      std::any_of(v.begin(), v.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || (c & 0x80); });
  if (v.size() < 3 || !has_letter || v.find('@') != std::string::npos) return;  // emails are found by their form
  m_other_names.insert(v);
}

void Redactor::learn_own(std::string_view value) {
  if (value.empty()) return;
  if (value.find('@') != std::string_view::npos) m_own_emails.insert(ascii_lower(value));
  if (std::string d = digits_of(value); d.size() >= k_min_phone_digits) m_own_phone_digits.insert(d);
  m_own_names.insert(std::string(value));
}

void Redactor::learn_own_if_contact(std::string_view value) {
  if (value.size() > 320 || value.empty()) return;  // free text, not one address or number
  std::vector<Span> spans;
  find_emails(value, spans);
  find_phones(value, spans);
  if (spans.size() == 1 && spans[0].begin == 0 && spans[0].end == value.size()) learn_own(value);
}

bool Redactor::is_subjects_email(const std::string& email) const {
  return m_own_emails.contains(ascii_lower(email));
}

bool Redactor::is_kept_email(const std::string& email) const {
  return is_subjects_email(email) || m_restored.contains(ascii_lower(email));
}

bool Redactor::is_kept_phone(const std::string& digits) const {
  return is_own_phone(digits) || m_restored.contains(digits);
}

// The same number written nationally or internationally ("020 7946 1001", "+44 20 7946 1001")
// shares its last nine digits.
bool Redactor::is_own_phone(const std::string& digits) const {
  auto tail = [](const std::string& d) { return d.substr(d.size() - std::min<std::size_t>(d.size(), 9)); };
  return std::any_of(m_own_phone_digits.begin(), m_own_phone_digits.end(),
                     [&](const std::string& own) { return tail(own) == tail(digits); });
}

void Redactor::other_contacts(std::string_view text, std::set<std::string>& emails,
                              std::set<std::string>& phones) const {
  std::vector<Span> spans;
  find_emails(text, spans);
  find_phones(text, spans);
  for (const auto& s : spans) {
    std::string value(text.substr(s.begin, s.end - s.begin));
    if (s.kind == "email" && !is_subjects_email(value)) emails.insert(ascii_lower(value));
    if (s.kind == "phone" && !is_own_phone(digits_of(value))) phones.insert(value);
  }
}

std::string Redactor::redact(std::string_view text, const std::string& field, const Found& found) const {
  std::vector<Span> spans;
  find_emails(text, spans);
  find_phones(text, spans);
  for (const auto& name : m_other_names) {
    if (!m_own_names.contains(name) && !m_restored.contains(name)) find_name(text, name, spans);
  }
  if (spans.empty()) return std::string(text);
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin != b.begin ? a.begin < b.begin : a.end > b.end; });
  std::string out;
  std::size_t last = 0;
  for (const auto& s : spans) {
    if (s.begin < last) continue;  // inside one already replaced (a name inside an email)
    std::string value(text.substr(s.begin, s.end - s.begin));
    if (s.kind == "email" && is_kept_email(value)) continue;
    if (s.kind == "phone" && is_kept_phone(digits_of(value))) continue;
    out.append(text.substr(last, s.begin - last));
    out.append(k_redaction_marker);
    if (found) {
      std::size_t from = char_start(text, s.begin > k_context ? s.begin - k_context : 0);
      std::size_t to = char_start(text, std::min(text.size(), s.end + k_context));
      std::string before(text.substr(from, to - from));
      std::string after = std::string(text.substr(from, s.begin - from)) + std::string(k_redaction_marker) +
                          std::string(text.substr(s.end, to - s.end));
      found(Redaction{0, field, s.kind, value, before, after, "pending"});
    }
    last = s.end;
  }
  out.append(text.substr(last));
  return out;
}

}  // namespace maestro
