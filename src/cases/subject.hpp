// Subject identifiers: how a request names the person it is about.
//
// An identifier is typed (`email:jane@example.com`, `customer_id:42`, `ip:198.51.100.1`). A bare
// email address or phone number is recognised without its kind. Values are normalised (emails
// lower-cased, phones reduced to digits with a leading +) so that the same person maps to the
// same keyed pseudonym however the request spelled them.
//
//   auto id = parse_identifier("Jane@Example.com");  // {kind "email", value "jane@example.com"}
//   id->canonical() == "email:jane@example.com"
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace maestro {

struct SubjectIdentifier {
  std::string kind;   // lower-case, [a-z][a-z0-9_]*
  std::string value;  // normalised

  // "kind:value": the form that is pseudonymised and shown.
  std::string canonical() const { return kind + ":" + value; }
  friend bool operator==(const SubjectIdentifier&, const SubjectIdentifier&) = default;
};

Result<SubjectIdentifier> parse_identifier(std::string_view text);
bool is_valid_email(std::string_view text);

}  // namespace maestro
