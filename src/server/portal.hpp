// The requester's portal: public pages of `maestro serve`, over desk/portal.hpp.
//
//   GET  /portal                      the request form (no account, no script)
//   POST /portal                      log it; acknowledgement and a one-time code by email
//   GET  /portal/s/{secret}           the status page (the link mailed with the acknowledgement)
//   POST /portal/s/{secret}/code      the emailed code (failures count, as `dsar verify check`)
//   POST /portal/s/{secret}/resend    a new code
//   POST /portal/s/{secret}/answers   answers to server.portal_questions, the second check
//   POST /portal/s/{secret}/download-code, /download, GET .../package   the download window
#pragma once

#include <string>

#include "config/settings.hpp"
#include "datamap/datamap.hpp"
#include "server/http_server.hpp"

namespace maestro {

class Portal {
 public:
  // `map` may be null: the portal then asks no questions for a second check.
  Portal(const Installation& installation, const Clock& clock, const DataMap* map);
  HttpResponse handle(const HttpRequest& r, CaseStore& store, bool secure, std::string& route);

 private:
  const Installation& m_installation;
  const Clock& m_clock;
  const DataMap* m_map;
};

}  // namespace maestro
