// Text that arrives in a URL or a form: %-escapes decoded, and UTF-8 checked.
#pragma once

#include "common/text.hpp"  // is_valid_utf8

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace maestro {

// Lenient: a broken escape is kept as written (form fields a person typed).
std::string url_decode(std::string_view text);
// Decodes %XX escapes (and '+' as a space when `plus_is_space`) and refuses what no honest client
// sends: a broken escape, a NUL, or bytes that are not UTF-8. A NUL would cut the C strings of
// the libraries below and serve something other than what was asked for.
Result<std::string> strict_url_decode(std::string_view text, bool plus_is_space);

}  // namespace maestro
