// Small text helpers shared across layers.
#pragma once

#include <string>
#include <string_view>

namespace maestro {

// Percent-encodes `text` for a URL: RFC 3986's unreserved characters (letters, digits, - _ . ~)
// and those in `also_safe` stay, every other byte becomes %XX (upper-case hex). An S3 object key
// keeps its "/", a SigV4 query value keeps nothing extra.
std::string percent_encode(std::string_view text, std::string_view also_safe = "");

// Well-formed UTF-8: no overlong form, no surrogate, nothing past U+10FFFF.
bool is_valid_utf8(std::string_view text);
// Appends the UTF-8 bytes of code point `cp` (at most U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

// & < > " ' / as character references: safe in HTML text and quoted attribute values.
std::string html_escape(std::string_view text);

// A-Z to a-z, every other byte as it is: no locale, UTF-8 left intact.
std::string ascii_lower(std::string_view text);
// Without leading and trailing ASCII whitespace (space, tab, CR, LF, VT, FF); trim() as a copy.
std::string_view trimmed(std::string_view text);
std::string trim(std::string_view text);

}  // namespace maestro
