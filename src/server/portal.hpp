// The requester's portal: public pages of `maestro serve`, over desk/portal.hpp.
//
//   GET  /portal                      the request form (no account, no script)
//   POST /portal                      log it; acknowledgement and a one-time code by email
//   GET  /portal/s/{secret}           the status page (the link mailed with the acknowledgement)
//   POST /portal/s/{secret}/code      the emailed code (failures count, as `dsar verify check`)
//   POST /portal/s/{secret}/resend    a new code
#pragma once

#include <string>

#include "config/settings.hpp"
#include "server/http_server.hpp"

namespace maestro {

class Portal {
 public:
  Portal(const Installation& installation, const Clock& clock);
  HttpResponse handle(const HttpRequest& r, CaseStore& store, bool secure, std::string& route);

 private:
  const Installation& m_installation;
  const Clock& m_clock;
};

}  // namespace maestro
