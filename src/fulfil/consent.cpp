#include "fulfil/consent.hpp"

#include "fulfil/erasure.hpp"

namespace maestro {

namespace {

const std::vector<HttpRequestSpec>& requests_for(const StoreSpec& store, ConsentChoice choice) {
  return choice == ConsentChoice::opt_out ? store.opt_out_requests : store.opt_in_requests;
}

// Sends one system's requests; the first failure stops that system (its later requests would
// meet the same refusal), reported with the rest of its counts.
ConsentSent send_for_system(const System& system, const std::vector<SubjectIdentifier>& identifiers,
                            ConsentChoice choice, bool preview, const ConnectorOpener& open) {
  ConsentSent out{system.name, 0, 0, ""};
  std::unique_ptr<Connector> connector;
  for (const auto& request : requests_for(system.store, choice)) {
    // The same rows an erasure by identifier makes: one per value of the first identity's kind.
    std::vector<RowChange> rows = identifier_rows(request, identifiers);
    if (rows.empty()) {
      ++out.skipped;
      continue;
    }
    if (preview) {
      out.sent += rows.size();
      continue;
    }
    if (!connector) {
      auto opened = open(system.store, "");
      if (!opened) {
        out.failure = opened.error().message;
        return out;
      }
      connector = std::move(*opened);
    }
    for (const auto& row : rows) {
      auto accepted = connector->send_by_identifier(request, row);
      if (!accepted) {
        out.failure = accepted.error().message;
        return out;
      }
      ++(*accepted ? out.sent : out.skipped);
    }
  }
  return out;
}

}  // namespace

std::vector<const System*> systems_taking_consent(const DataMap& map, ConsentChoice choice) {
  std::vector<const System*> out;
  for (const auto& system : map.systems)
    if (!requests_for(system.store, choice).empty()) out.push_back(&system);
  return out;
}

std::vector<ConsentSent> send_consent(const DataMap& map, const std::vector<SubjectIdentifier>& identifiers,
                                      ConsentChoice choice, bool preview, const ConnectorOpener& open) {
  std::vector<ConsentSent> out;
  for (const System* system : systems_taking_consent(map, choice))
    out.push_back(send_for_system(*system, identifiers, choice, preview, open));
  return out;
}

}  // namespace maestro
