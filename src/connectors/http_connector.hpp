// The connector for HTTP APIs (store type http): a collection's records are read, changed and
// deleted through the requests its data map entry (or Fides SaaS config) describes.
//
// Store settings: base_url; auth.strategy (basic: auth.username, auth.password; bearer:
// auth.token; api_key: auth.header.<Name>, auth.query.<name>), each a template that may name
// connector parameters (<api_key>), with secrets from `<setting>_env` / `<setting>_file`;
// param.<name> / param_env.<name> (connector parameters); rate_limit (requests per second,
// default 10), timeout_seconds (30), retries (3), max_pages (1000), max_retry_wait (60 s),
// ca_file. TLS certificates are always verified.
//
// A read that the server answers with 404 (or a status the request lists in ignore_errors)
// finds nothing; any other failure (a refused connection, a timeout, 5xx after the retries,
// 401/403, an answer that is not JSON or lacks the data_path) is `unavailable` with a message
// that names the request as written in the map, never the values sent.
#pragma once

#include <memory>

#include "connectors/connector.hpp"

namespace maestro {

Result<std::unique_ptr<Connector>> open_http_connector(const StoreSpec& store, AccessMode mode);

}  // namespace maestro
