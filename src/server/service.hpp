// The HTTP front end of `maestro serve`: health and readiness, Prometheus metrics, and the JSON
// API under /api/v1, all over the same desk calls as the command line. No business rule lives
// here: this layer authenticates, parses, calls the desk and renders.
//
//   Service service(installation, clock, &pool, std::cerr);
//   auto server = HttpServer::start(options, [&](const HttpRequest& r) { return service.handle(r); });
//
// Thread-safe: requests arrive on several threads; each borrows its own case store connection.
#pragma once

#include <iosfwd>
#include <memory>

#include "config/settings.hpp"
#include "datamap/datamap.hpp"
#include "jobs/worker_pool.hpp"
#include "server/http_server.hpp"

namespace maestro {

class Service {
 public:
  // `installation`, `clock`, `pool` (may be null: jobs then wait for a `maestro worker`) and
  // `access_log` must outlive the service.
  // `map` may be null (no data map configured): the dashboard then offers no erasure preview.
  Service(const Installation& installation, const Clock& clock, WorkerPool* pool, std::ostream& access_log,
          const DataMap* map = nullptr);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  HttpResponse handle(const HttpRequest& request);

  class Impl;

 private:
  std::unique_ptr<Impl> m_impl;
};

}  // namespace maestro
