// The privacy team's dashboard: server-rendered HTML pages behind a sign-in, over the same desk
// calls as the CLI and the JSON API. Forms work without JavaScript; every change is a POST with
// the session's CSRF token; pages are rendered from templates (data/web/<lang>/) with every value
// HTML-escaped, and served with a Content-Security-Policy that allows no script at all.
//
//   GET  /dashboard/login, POST /dashboard/login, POST /dashboard/logout
//   GET|POST /dashboard/password?link=...        (the one-time link of `maestro user add`)
//   GET  /dashboard                               the queue, with filters and search
//   GET  /dashboard/cases/{number}                a case: summary, actions, jobs, letters, timeline
//   POST /dashboard/cases/{number}/actions/{a}    run an action (desk/case_actions.hpp)
//   GET  /dashboard/cases/{number}/erasure        the erasure preview: what goes, what stays and why
//   POST /dashboard/cases/{number}/jobs           start an export or (after the preview) an erasure job
//   POST /dashboard/cases/{number}/checks         record an identity check made by the operator
//   GET  /dashboard/mail?state=...                the privacy inbox's drafts (desk/mail_intake.hpp)
//   GET  /dashboard/mail/{id}                     a draft: the message and the guess
//   POST /dashboard/mail/{id}/log|ignore          log it as a case (and acknowledge), or set it aside
//   GET  /dashboard/mail/{id}/evidence/{n}        a reply's attachment, to look at (audited)
//   POST /dashboard/mail/{id}/check               record the evidence's check; destroys the attachments
//   GET  /static/maestro.css
#pragma once

#include <string>

#include "config/settings.hpp"
#include "datamap/datamap.hpp"
#include "jobs/worker_pool.hpp"
#include "server/http_server.hpp"

namespace maestro {

class Dashboard {
 public:
  // All references must outlive the dashboard; `pool` may be null.
  Dashboard(const Installation& installation, const Clock& clock, WorkerPool* pool, const DataMap* map);

  // Answers a request under /dashboard or /static, with a connection of its own to the case
  // store. `route` receives the route pattern (for metrics and the access log). `client` is the
  // caller's address (after trusted proxies), `secure` whether it came over HTTPS.
  HttpResponse handle(const HttpRequest& r, CaseStore& store, const std::string& client, bool secure,
                      std::string& route);

 private:
  const Installation& m_installation;
  const Clock& m_clock;
  WorkerPool* m_pool;
  const DataMap* m_map;
};

}  // namespace maestro
