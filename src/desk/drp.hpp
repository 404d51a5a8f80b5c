// The Data Rights Protocol 1.0 as a covered business answers it (../shared/drp.md): authorized
// agents admitted from a service directory set up a pair-wise token, then exercise rights for a
// consumer with bodies signed in Ed25519. Each exercise becomes a case (channel `agent`); its
// state is told back in DRP's statuses, on request and by POST to the agent's status_callback.
//
//   DrpService drp(desk, settings);
//   DrpReply r = drp.exercise(bearer_token, request_body);   // r.status 200, r.body the status object
//
// Every refusal answers before anything is recorded (nothing about a refused message is kept,
// not even that it came), except that a valid message is remembered by keyed hash so that the
// same signed bytes are refused the second time.
#pragma once

#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "desk/desk.hpp"

namespace maestro {

// An answer for the front end: the HTTP status and a JSON body (empty for key-setup refusals,
// which DRP answers with 403 and no body).
struct DrpReply {
  int status = 200;
  std::string body;
};

class DrpService {
 public:
  // `settings` gives agents.* (business id, jurisdiction, clock skew), the portal's public address
  // and the mailer for letters. Both must outlive the service.
  DrpService(Desk& desk, const Settings& settings);

  // POST {base}/v1/agent/{agent_id}: pair-wise key setup; a new token for an admitted agent.
  DrpReply key_setup(std::string_view agent_id, std::string_view body);
  // GET {base}/v1/agent/{agent_id}: {} when the bearer token is that agent's.
  DrpReply agent_check(std::string_view agent_id, std::string_view bearer);
  // POST {base}/v1/data-rights-request: the request becomes a case.
  DrpReply exercise(std::string_view bearer, std::string_view body);
  // GET {base}/v1/data-rights-request/{id}
  DrpReply status(std::string_view bearer, std::string_view request_id);
  // DELETE {base}/v1/data-rights-request/{id}: withdraws the case unless erasure has begun.
  DrpReply revoke(std::string_view bearer, std::string_view request_id, std::string_view body);

  // The status object of an agent's request as its case stands now.
  Result<std::string> status_object(const AgentRequestRecord& request);

 private:
  const Settings& m_settings;
  Desk& m_desk;
};

// For each agent request with a status_callback whose DRP status changed since the last one
// told, queues one `drp-callback` job (its idempotency key names the status: at most one POST
// per change). Returns how many were queued.
Result<int> dispatch_agent_callbacks(Desk& desk, const Settings& settings);
// The drp-callback job: POSTs the request's current status object to its callback. A receiver
// that cannot be reached or does not answer 2xx is `unavailable` (the job is retried).
Result<std::string> send_agent_callback(Desk& desk, const Settings& settings, std::string_view request_id);

}  // namespace maestro
