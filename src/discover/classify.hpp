// Classifying a column as personal data from a sample of its values and from its name, with a
// confidence and the evidence (counts only: never a value).
//
//   ColumnSample s{"Email", "NVARCHAR(60)", {"luisg@embraer.com.br", ...}, 59};
//   auto c = classify_column(s, given_names());   // user.contact.email, 1.0, "59/59 values look like email addresses"
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace maestro {

// What each detector recognises in one value.
bool looks_like_email(std::string_view value);
bool looks_like_phone(std::string_view value);       // written with + or separators, 7 to 15 digits
bool looks_like_ipv4(std::string_view value);        // not a version string such as 1.2.3.4
bool looks_like_ipv6(std::string_view value);
bool looks_like_payment_card(std::string_view value);  // a card brand's prefix and the Luhn check
bool looks_like_iban(std::string_view value);          // country, check digits (ISO 7064 mod 97)
bool looks_like_date(std::string_view value);          // ISO 8601 or a plain date of the 20th/21st century
bool looks_like_postal_code(std::string_view value);   // the alphanumeric forms of UK, CA, NL, BR, PL, PT, JP
bool holds_email_or_phone(std::string_view text);      // free text with an address or number inside

// The given names discovery knows (data/discover/given_names.yaml), lower case.
const std::set<std::string>& given_names();

struct ColumnSample {
  std::string name;
  std::string table;                // the table's name, for names that depend on it ("code" of a card)
  std::string type;                 // as the store declares it
  std::vector<std::string> values;  // the sampled non-null values, as text
  std::size_t distinct = 0;         // distinct values among them
};

struct ColumnClass {
  std::string category;      // a fideslang category, e.g. user.contact.email
  double confidence = 0;     // 0..1
  std::size_t matched = 0;   // sampled values that matched (0 when judged by the name alone)
  std::size_t sampled = 0;
  std::string evidence;      // "988/1000 values look like email addresses", "its name says postal code"
  std::vector<std::string> also;  // further categories (a log line holding several kinds)
};

// The column's class, or nullopt when nothing in its values or name looks personal.
std::optional<ColumnClass> classify_column(const ColumnSample& column, const std::set<std::string>& names);

// A text log's lines: the identifiers anywhere in them (email addresses, international phone
// numbers, IP addresses). The class is the kind most lines hold, the others are `also`; one line
// in thousands is enough: a log holding any is personal data. nullopt when no line holds one.
std::optional<ColumnClass> classify_log_lines(const std::vector<std::string>& lines);

}  // namespace maestro
