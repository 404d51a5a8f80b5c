// Consent at an API (Fides' consent_requests): an objection or a CCPA opt-out sends each
// system's opt-out requests with the person's identifiers; lifting it sends its opt-in requests.
// Nothing is read first, so the API's acceptance is the evidence. A request that needs an
// identifier of a kind the person has none of is skipped, and counted as such.
//
//   auto sent = send_consent(map, case.identifiers, ConsentChoice::opt_out, /*preview=*/false);
#pragma once

#include <string>
#include <vector>

#include "cases/subject.hpp"
#include "datamap/datamap.hpp"
#include "locate/locate.hpp"

namespace maestro {

enum class ConsentChoice { opt_out, opt_in };

// One system's share: how many requests the API accepted, how many could not be made.
struct ConsentSent {
  std::string system;
  std::size_t sent = 0;     // accepted by the API (in a preview: would be sent)
  std::size_t skipped = 0;  // the person has no identifier of a kind the request needs
  std::string failure;      // why the system's requests stopped; "" when none did
};

// The systems whose store has requests for `choice`.
std::vector<const System*> systems_taking_consent(const DataMap& map, ConsentChoice choice);

// Sends (or, in a preview, counts) every request for `choice`; a system that fails is reported
// and the others still run. `open` opens the system's store for writing.
std::vector<ConsentSent> send_consent(const DataMap& map, const std::vector<SubjectIdentifier>& identifiers,
                                      ConsentChoice choice, bool preview, const ConnectorOpener& open);

}  // namespace maestro
