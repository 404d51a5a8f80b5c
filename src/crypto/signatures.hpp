// Ed25519 signatures through libsodium, as the Data Rights Protocol uses them: the sender signs
// in libsodium's "combined" mode (the 64-byte signature before the message) and sends the whole
// buffer Base64-encoded.
//
//   auto message = open_signed_base64(body, *verify_key);   // the JSON the agent signed
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace maestro {

// Standard Base64 (with or without padding; URL-safe accepted too), strictly: nullopt when any
// character is not Base64. Whitespace at either end is ignored.
std::optional<std::string> decode_base64(std::string_view text);

// A verify (public) key given as 64 hex digits or as Base64 of its 32 bytes: the raw bytes, or
// nullopt when it is neither.
std::optional<std::string> parse_verify_key(std::string_view text);

// The message of a combined signed buffer if its signature verifies with `verify_key` (32 raw
// bytes); permission_denied when it does not.
Result<std::string> open_signed(std::string_view signed_message, std::string_view verify_key);

}  // namespace maestro
