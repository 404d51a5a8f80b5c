// Internal to datamap/: reading HTTP API requests (store type http) from Maestro's map or from a
// Fides SaaS config, into the collections' HttpResource, their lookup fields and references.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "datamap/datamap.hpp"

namespace maestro::datamap_detail {

// A reference before resolution: where it was written, and what it names.
struct PendingReference {
  std::string system;         // the system it was written in
  std::string collection;     // the collection it was written in
  std::string field;          // the field it was written on
  std::string target;         // "collection.field", or "system.collection.field"
  std::string target_system;  // for Fides: the system that loaded the named dataset
  std::string direction;      // to, from, or empty for both
  std::string where;          // file:line
  // Written in a Fides SaaS config: a value its API answers with may be one the dataset does not
  // describe (Rollbar's access_token), as Fides passes whole answers between requests.
  bool from_saas_config = false;
};

std::string where(const std::string& file, const YAML::Node& node);

struct HttpLoad {
  std::string file;
  std::set<std::string> connector_params;               // placeholders the store fills
  std::map<std::string, std::string> dataset_system;    // Fides dataset key -> system
  std::vector<PendingReference>* pending = nullptr;
  bool fides = false;  // a Fides config (its keys), not Maestro's own requests: (which add `field`)
  // A Fides config's external_references, as the map gives them: name -> the reference node.
  std::map<std::string, YAML::Node> external_references;
  std::string map_file;  // where external_references are written
};

// Keys a node may have; any other is refused, naming it, its place and the known ones.
Status only_keys(const std::string& file, const YAML::Node& node, const std::set<std::string>& known,
                 const std::string& what);
// The sentence for what only Fides' Python code can do (a request_override, a custom
// authentication strategy): what it is, where, and what the operator can do instead.
Error needs_python(const std::string& file, const YAML::Node& node, const std::string& what);
// A yaml-cpp exception in words, at `file`'s line: no library message reaches the user.
Error yaml_problem(const std::string& file, const YAML::Exception& e);
// Fides' rate_limit_config ({limits: [{rate, period, custom_key}], enabled}) into `out`.
Status rate_limits(const std::string& file, const YAML::Node& node, std::vector<HttpRateLimit>& out);

// Reads `requests: {read, update, delete}` (the Fides endpoint shape) into c.http; read
// parameters become lookup fields of `c` and references from the collections they name. A
// delete without a read is an erasure by identifier: its parameters are identities only.
Status load_http_requests(const HttpLoad& load, const YAML::Node& requests, Collection& c);
// One request template (a Fides consent or data protection request) that is sent for the
// person by identifier: identities and connector parameters only.
Result<HttpRequestSpec> load_identifier_request(const HttpLoad& load, const YAML::Node& node, Collection& c);

// Reads a system's `fides_saas: {config, params, secrets}`: the store's base URL, authentication
// and connector parameters into `system.store`, each endpoint's requests into the collection of
// the same name (loaded from the Fides dataset before). A delete-only endpoint the dataset does
// not describe, and the config's data_protection_request, become collections without fields
// (erasures by identifier); its consent_requests the store's opt-out and opt-in requests.
Status load_fides_saas(const std::string& map_file, const YAML::Node& node, System& system,
                       std::map<std::string, Collection>& collections,
                       std::map<std::string, std::string>& dataset_system, std::vector<PendingReference>& pending);

}  // namespace maestro::datamap_detail
