#include "cases/subject.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "common/text.hpp"

namespace maestro {

namespace {

constexpr std::size_t k_max_identifier_length = 512;

bool is_valid_kind(std::string_view kind) {
  if (kind.empty() || kind.size() > 40 || !std::islower(static_cast<unsigned char>(kind[0]))) return false;
  return std::all_of(kind.begin(), kind.end(),
                     [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '_'; });
}

// A phone number: an optional leading +, then digits with spaces, dots, dashes or brackets.
std::optional<std::string> normalise_phone(std::string_view text) {
  std::string digits;
  bool plus = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '+' && i == 0) {
      plus = true;
    } else if (std::isdigit(c)) {
      digits.push_back(static_cast<char>(c));
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  if (digits.size() < 7 || digits.size() > 15) return std::nullopt;
  return (plus ? "+" : "") + digits;
}

bool looks_like_phone(std::string_view text) {
  return !text.empty() && (text[0] == '+' || text[0] == '(' || std::isdigit(static_cast<unsigned char>(text[0]))) &&
         normalise_phone(text).has_value();
}

}  // namespace

bool is_valid_email(std::string_view text) {
  auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at != text.rfind('@') || text.size() > 254) return false;
  std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
  if (local.size() > 64 || domain.size() < 3 || domain.find('.') == std::string_view::npos) return false;
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) return false;
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  // Internationalised addresses (RFC 6531: stanisław.wójcik@wp.pl, an IDN domain) are addresses
  // too: any well-formed UTF-8 beyond ASCII is accepted in either part.
  if (!is_valid_utf8(text)) return false;
  auto ok_local = [](unsigned char c) {
    return c >= 0x80 || std::isalnum(c) ||
           std::string_view("!#$%&'*+/=?^_`{|}~.-").find(static_cast<char>(c)) != std::string_view::npos;
  };
  auto ok_domain = [](unsigned char c) { return c >= 0x80 || std::isalnum(c) || c == '-' || c == '.'; };
  return std::all_of(local.begin(), local.end(), ok_local) && std::all_of(domain.begin(), domain.end(), ok_domain);
}

Result<SubjectIdentifier> parse_identifier(std::string_view raw) {
  std::string_view text = trimmed(raw);
  if (text.empty()) return invalid("empty subject identifier: give KIND:VALUE, an email or a phone number");
  if (text.size() > k_max_identifier_length) return invalid("subject identifier is longer than 512 characters");
  if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return invalid("subject identifier contains control characters");
  }
  std::string kind;
  std::string_view value = text;
  auto colon = text.find(':');
  if (colon != std::string_view::npos && is_valid_kind(ascii_lower(text.substr(0, colon))) && text.find('@') > colon) {
    kind = ascii_lower(text.substr(0, colon));
    value = trimmed(text.substr(colon + 1));
  } else if (text.find('@') != std::string_view::npos) {
    kind = "email";
  } else if (looks_like_phone(text)) {
    kind = "phone";
  } else {
    return invalid(
        "cannot tell what kind of identifier this is: write it as KIND:VALUE, e.g. "
        "customer_id:42 or email:jane@example.com");
  }
  if (value.empty()) return invalid("subject identifier of kind '" + kind + "' has no value");
  if (kind == "email") {
    if (!is_valid_email(value)) return invalid("invalid email address in subject identifier");
    return SubjectIdentifier{kind, ascii_lower(value)};
  }
  if (kind == "phone") {
    auto phone = normalise_phone(value);
    if (!phone)
      return invalid(
          "invalid phone number in subject identifier: expected 7 to 15 digits, optionally with a leading +");
    return SubjectIdentifier{kind, *phone};
  }
  return SubjectIdentifier{kind, std::string(value)};
}

}  // namespace maestro
