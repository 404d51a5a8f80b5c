// The s3 store: objects in a bucket read and erased as files of lines (`format: jsonl`, `csv`
// or `textlog`; .gz objects too). A collection's `source` is a glob of keys under the store's
// `prefix`. Objects are downloaded with ranged GETs in parallel (`threads`) into a private
// temporary folder and read there, so memory stays flat whatever their size.
//
// An erasure writes the rewritten object under a staging key (KEY.maestro-new), then replaces
// the original with a server-side copy and removes the staging key: S3 shows either the old
// object or the new one, never half of one, and a re-run after a crash at any step completes
// the work (the original still holds the data until the copy, which is redone).
#pragma once

#include "connectors/connector.hpp"

namespace maestro {

Result<std::unique_ptr<Connector>> open_s3_connector(const StoreSpec& store, AccessMode mode);

}  // namespace maestro
