// Turns a Case into what a store keeps, and back: bookkeeping as plain JSON, personal data as
// one AES-256-GCM sealed JSON document. Shared by every CaseStore implementation.
#pragma once

#include <optional>
#include <string>

#include "cases/case.hpp"
#include "crypto/keyring.hpp"

namespace maestro {

struct EncodedCase {
  std::string number;
  int year = 0;
  std::string state;
  std::string jurisdiction;
  std::string rights;
  std::string received_at;
  std::optional<std::string> closed_at;
  std::string record;                   // JSON, no personal data
  std::optional<std::string> personal;  // sealed JSON; empty once purged
};

EncodedCase encode_case(const Case& c, const KeyRing& keys);
Result<Case> decode_case(const EncodedCase& stored, const KeyRing& keys);

}  // namespace maestro
