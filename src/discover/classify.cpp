#include "discover/classify.hpp"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "common/text.hpp"
#include "config/embedded.hpp"

namespace maestro {

namespace {

// The words of a column name: "BillingPostalCode" and "billing_postal_code" -> billing, postal, code.
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(ascii_lower(word));
    word.clear();
  };
  for (std::size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (!std::isalnum(c)) {
      flush();
      continue;
    }
    bool boundary = std::isupper(c) && i > 0 && std::islower(static_cast<unsigned char>(name[i - 1]));
    if (boundary) flush();
    word.push_back(static_cast<char>(c));
  }
  flush();
  return words;
}

bool has_word(const std::vector<std::string>& words, std::initializer_list<const char*> any) {
  return std::any_of(words.begin(), words.end(), [&](const std::string& w) {
    return std::any_of(any.begin(), any.end(), [&](const char* a) { return w == a; });
  });
}

std::string digits_of(std::string_view v) {
  std::string out;
  for (char c : v)
    if (std::isdigit(static_cast<unsigned char>(c))) out.push_back(c);
  return out;
}

bool luhn(const std::string& digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// What the column's name alone says, if anything.
struct NameHint {
  const char* category;
  const char* what;
};

std::optional<NameHint> hint_from_name(const std::vector<std::string>& w, const std::vector<std::string>& table) {
  // address_id, customer_key: a key pointing at the thing, not the thing.
  if (!w.empty() && (w.back() == "id" || w.back() == "key" || w.back() == "ref" || w.back() == "fk")) return std::nullopt;
  if (has_word(w, {"ccn", "pan", "cardnumber"}) || (has_word(w, {"card"}) && has_word(w, {"number", "no", "num"})))
    return NameHint{"user.financial.credit_card", "card number"};
  if (has_word(w, {"cvv", "cvc", "csc", "cvv2"}) ||
      (has_word(w, {"code", "security"}) && has_word(table, {"card", "cards", "payment"})))
    return NameHint{"user.financial.credit_card", "card security code"};
  if (has_word(w, {"email", "mail", "emailaddress"})) return NameHint{"user.contact.email", "email address"};
  if (has_word(w, {"fax"})) return NameHint{"user.contact.fax_number", "fax number"};
  if (has_word(w, {"phone", "mobile", "telephone", "tel", "cell", "msisdn"}))
    return NameHint{"user.contact.phone_number", "phone number"};
  if (has_word(w, {"firstname", "lastname", "surname", "fullname", "forename", "givenname"}) ||
      (has_word(w, {"first", "last", "given", "full", "family", "middle"}) && has_word(w, {"name"})))
    return NameHint{"user.name", "person's name"};
  if (has_word(w, {"birth", "birthdate", "birthday", "dob"})) return NameHint{"user.demographic.date_of_birth", "date of birth"};
  if (has_word(w, {"postal", "postcode", "zip", "zipcode"})) return NameHint{"user.contact.address.postal_code", "postal code"};
  if (has_word(w, {"address", "street", "addr", "house", "housenumber", "building"}))
    return NameHint{"user.contact.address.street", "street address"};
  if (has_word(w, {"city", "town"})) return NameHint{"user.contact.address.city", "city"};
  if (has_word(w, {"state", "province", "county"})) return NameHint{"user.contact.address.state", "state or province"};
  if (has_word(w, {"country"})) return NameHint{"user.contact.address.country", "country"};
  if (has_word(w, {"ip", "ipaddress", "ipaddr"})) return NameHint{"user.device.ip_address", "IP address"};
  if (has_word(w, {"iban"})) return NameHint{"user.financial.bank_account", "bank account"};
  if (has_word(w, {"ssn", "passport", "nino"})) return NameHint{"user.government_id", "government id"};
  if (has_word(w, {"gender", "sex"})) return NameHint{"user.demographic.gender", "gender"};
  if (has_word(w, {"company", "employer", "workplace"})) return NameHint{"user.workplace", "workplace"};
  return std::nullopt;
}

// One detector over the sample: its category, what it recognises, and the function.
struct Detector {
  const char* category;
  const char* what;
  bool (*match)(std::string_view);
};

bool is_ip(std::string_view v) { return looks_like_ipv4(v) || looks_like_ipv6(v); }

// An IPv4 column has octets above 99 somewhere; a column of version strings never does.
bool some_octet_above_99(const std::vector<std::string>& values) {
  for (const auto& v : values) {
    if (!looks_like_ipv4(v)) continue;
    std::size_t start = 0;
    while (start <= v.size()) {
      auto end = v.find('.', start);
      std::string part = v.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (part.size() == 3) return true;
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  return false;
}

bool is_given_name(std::string_view value, const std::set<std::string>& names) {
  std::string v = ascii_lower(trimmed(value));
  auto space = v.find_first_of(" ,");
  std::string first = v.substr(0, space);
  if (names.contains(first)) return true;
  // "Gonçalves, Luís": the given name after the comma.
  if (space != std::string::npos && v[space] == ',') {
    std::string rest(trimmed(std::string_view(v).substr(space + 1)));
    return names.contains(rest.substr(0, rest.find(' ')));
  }
  return false;
}

bool is_free_text(std::string_view v) { return v.size() > 20 && std::count(v.begin(), v.end(), ' ') >= 2; }

}  // namespace

bool looks_like_email(std::string_view value) {
  static const std::regex pattern(R"([A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})");
  auto v = trimmed(value);
  return v.size() <= 254 && std::regex_match(v.begin(), v.end(), pattern);
}

bool looks_like_phone(std::string_view value) {
  auto v = trimmed(value);
  static const std::regex shape(R"(\+?[0-9 ().\-/]{7,24})");
  if (!std::regex_match(v.begin(), v.end(), shape)) return false;
  std::string digits = digits_of(v);
  if (digits.size() < 7 || digits.size() > 15) return false;
  if (v.front() == '+' || v.find('(') != std::string_view::npos) return true;
  if (looks_like_date(v)) return false;  // 2026-01-05 has the shape of a local number
  // Without a country code or brackets: groups of 2 to 4 digits (555-010-2345, 020 7946 0958),
  // the first may be 1 to 5; order numbers (2024-000123) and plain numbers are not phones.
  static const std::regex groups(R"([0-9]{1,5}([ .\-/][0-9]{2,4}){2,4})");
  return std::regex_match(v.begin(), v.end(), groups);
}

bool looks_like_ipv4(std::string_view value) {
  std::string v(trimmed(value));
  unsigned char buffer[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, v.c_str(), buffer) != 1) return false;
  // 1.2.3.4, 2.0.1.0: version numbers, whose parts are all one digit.
  static const std::regex version(R"([0-9]\.[0-9]\.[0-9]\.[0-9])");
  return !std::regex_match(v, version);
}

bool looks_like_ipv6(std::string_view value) {
  std::string v(trimmed(value));
  unsigned char buffer[sizeof(struct in6_addr)];
  return v.find(':') != std::string::npos && v.size() >= 3 && inet_pton(AF_INET6, v.c_str(), buffer) == 1;
}

bool looks_like_payment_card(std::string_view value) {
  auto v = trimmed(value);
  static const std::regex shape(R"([0-9]{4}([ -]?[0-9]{2,6}){2,4})");
  if (!std::regex_match(v.begin(), v.end(), shape)) return false;
  std::string d = digits_of(v);
  if (d.size() < 13 || d.size() > 19 || !luhn(d)) return false;
  int two = std::stoi(d.substr(0, 2)), four = std::stoi(d.substr(0, 4));
  return d[0] == '4' || (two >= 51 && two <= 55) || (four >= 2221 && four <= 2720) || two == 34 || two == 37 ||
         four == 6011 || two == 65 || two == 35 || two == 36;
}

bool looks_like_iban(std::string_view value) {
  std::string v;
  for (char c : trimmed(value))
    if (c != ' ') v.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  static const std::regex shape(R"([A-Z]{2}[0-9]{2}[A-Z0-9]{11,30})");
  if (!std::regex_match(v, shape)) return false;
  std::string moved = v.substr(4) + v.substr(0, 4);
  int remainder = 0;
  for (char c : moved) {
    int n = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : c - 'A' + 10;
    remainder = n >= 10 ? (remainder * 100 + n) % 97 : (remainder * 10 + n) % 97;
  }
  return remainder == 1;
}

bool looks_like_date(std::string_view value) {
  auto v = trimmed(value);
  static const std::regex iso(R"((19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]([ T][0-9:.]+Z?)?)");
  static const std::regex written(R"([0-3]?[0-9][./][01]?[0-9][./](19|20)[0-9]{2})");
  return std::regex_match(v.begin(), v.end(), iso) || std::regex_match(v.begin(), v.end(), written);
}

bool looks_like_postal_code(std::string_view value) {
  auto v = trimmed(value);
  static const std::regex forms(
      R"([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})"    // UK
      R"(|[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9])"           // Canada
      R"(|[0-9]{4} ?[A-Z]{2})"                          // Netherlands
      R"(|[0-9]{5}-[0-9]{3})"                           // Brazil
      R"(|[0-9]{2}-[0-9]{3})"                           // Poland
      R"(|[0-9]{4}-[0-9]{3})"                           // Portugal
      R"(|[0-9]{3}-[0-9]{4})"                           // Japan
      R"(|[0-9]{5}-[0-9]{4})");                         // US ZIP+4
  return std::regex_match(v.begin(), v.end(), forms);
}

bool holds_email_or_phone(std::string_view text) {
  static const std::regex email(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})");
  static const std::regex phone(R"(\+[0-9][0-9 ().\-]{6,18}[0-9])");
  return std::regex_search(text.begin(), text.end(), email) || std::regex_search(text.begin(), text.end(), phone);
}

namespace {

// The tokens of a log line that may be an identifier: split at spaces, brackets, quotes and '='.
std::vector<std::string_view> log_tokens(std::string_view line) {
  std::vector<std::string_view> out;
  auto separator = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || std::string_view("[](){}<>,;\"'=|").find(c) != std::string_view::npos;
  };
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && separator(line[i])) ++i;
    std::size_t start = i;
    while (i < line.size() && !separator(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool token_is_ip(std::string_view token) {
  while (!token.empty() && (token.back() == '.' || token.back() == ':')) token.remove_suffix(1);
  if (looks_like_ipv6(token)) return true;
  auto colon = token.rfind(':');  // an address with its port: 10.1.2.3:22
  if (colon != std::string_view::npos && token.find(':') == colon) token = token.substr(0, colon);
  return looks_like_ipv4(token);
}

}  // namespace

std::optional<ColumnClass> classify_log_lines(const std::vector<std::string>& lines) {
  static const std::regex phone(R"(\+[0-9][0-9 ().\-]{6,18}[0-9])");
  struct Kind {
    const char* category;
    const char* what;
    std::size_t lines = 0;
  };
  Kind kinds[] = {{"user.contact.email", "an email address"},
                  {"user.contact.phone_number", "a phone number"},
                  {"user.device.ip_address", "an IP address"}};
  for (const auto& line : lines) {
    bool email = false, ip = false;
    for (auto token : log_tokens(line)) {
      email = email || (token.find('@') != std::string_view::npos && looks_like_email(token));
      ip = ip || token_is_ip(token);
    }
    kinds[0].lines += email ? 1 : 0;
    kinds[1].lines += std::regex_search(line, phone) ? 1 : 0;
    kinds[2].lines += ip ? 1 : 0;
  }
  std::sort(std::begin(kinds), std::end(kinds), [](const Kind& a, const Kind& b) { return a.lines > b.lines; });
  if (kinds[0].lines == 0) return std::nullopt;
  ColumnClass c;
  c.category = kinds[0].category;
  c.matched = kinds[0].lines;
  c.sampled = lines.size();
  c.confidence = std::min(1.0, 0.7 + 0.3 * static_cast<double>(c.matched) / static_cast<double>(c.sampled));
  c.evidence = std::to_string(c.matched) + "/" + std::to_string(c.sampled) + " lines hold " + kinds[0].what;
  for (std::size_t i = 1; i < std::size(kinds); ++i) {
    if (kinds[i].lines == 0) continue;
    c.also.push_back(kinds[i].category);
    c.evidence += ", " + std::to_string(kinds[i].lines) + " " + kinds[i].what;
  }
  return c;
}

const std::set<std::string>& given_names() {
  static const std::set<std::string> names = [] {
    std::set<std::string> out;
    for (const auto& file : embedded::files()) {
      if (file.name != "discover/given_names.yaml") continue;
      YAML::Node doc = YAML::Load(std::string(file.content));
      for (const auto& n : doc["given_names"]) out.insert(ascii_lower(n.as<std::string>()));
    }
    return out;
  }();
  return names;
}

std::optional<ColumnClass> classify_column(const ColumnSample& column, const std::set<std::string>& names) {
  auto words = name_words(column.name);
  auto hint = hint_from_name(words, name_words(column.table));
  std::vector<std::string> values;
  for (const auto& v : column.values)
    if (!trimmed(v).empty()) values.push_back(v);
  const std::size_t n = values.size();
  auto share = [&](auto&& match) {
    std::size_t hits = 0;
    for (const auto& v : values)
      if (match(v)) ++hits;
    return hits;
  };
  auto found = [&](const char* category, std::size_t hits, const std::string& what) {
    ColumnClass c;
    c.category = category;
    c.matched = hits;
    c.sampled = n;
    double fraction = n ? static_cast<double>(hits) / static_cast<double>(n) : 0;
    c.confidence = std::min(1.0, fraction + (hint && std::string(hint->category) == category ? 0.1 : 0.0));
    c.evidence = std::to_string(hits) + "/" + std::to_string(n) + " values " + what;
    return c;
  };
  const bool versions = has_word(words, {"version", "ver", "release", "build"});
  if (n > 0) {
    static const Detector detectors[] = {
        {"user.contact.email", "look like email addresses", &looks_like_email},
        {"user.financial.credit_card", "are payment card numbers (brand prefix and Luhn check)", &looks_like_payment_card},
        {"user.financial.bank_account", "are IBANs (check digits verified)", &looks_like_iban},
        {"user.device.ip_address", "are IP addresses", &is_ip},
    };
    for (const auto& d : detectors) {
      std::size_t hits = share(d.match);
      if (hits * 10 < n * 6) continue;
      if (std::string(d.category) == "user.device.ip_address" && (versions || (share(&looks_like_ipv6) == 0 && !some_octet_above_99(values))))
        continue;
      return found(d.category, hits, d.what);
    }
    if (std::size_t hits = share(&looks_like_phone); hits * 10 >= n * 6) {
      bool fax = hint && std::string(hint->category) == "user.contact.fax_number";
      return found(fax ? "user.contact.fax_number" : "user.contact.phone_number", hits, "look like phone numbers");
    }
    if (hint && std::string(hint->category) == "user.demographic.date_of_birth") {
      std::size_t hits = share(&looks_like_date);
      if (hits * 10 >= n * 6) return found(hint->category, hits, "are dates and the name says birth");
    }
    if (std::size_t hits = share(&looks_like_postal_code); hits * 10 >= n * 6)
      return found("user.contact.address.postal_code", hits, "are postal codes");
    std::size_t text = share(&is_free_text);
    if (text * 2 >= n) {
      std::size_t inside = share(&holds_email_or_phone);
      if (inside > 0) return found("user.content.private", inside, "of free text hold an email address or phone number");
    }
    std::size_t given = share([&](const std::string& v) { return is_given_name(v, names); });
    bool short_words = text * 10 < n;
    if (short_words && given * 10 >= n * 3 && (column.distinct == 0 || column.distinct * 10 >= n * 3))
      return found("user.name", given, "begin with a known given name");
  }
  if (!hint) return std::nullopt;
  ColumnClass c;
  c.category = hint->category;
  c.sampled = n;
  c.confidence = n == 0 ? 0.5 : 0.6;
  c.evidence = std::string("its name says ") + hint->what;
  return c;
}

}  // namespace maestro
