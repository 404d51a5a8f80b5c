// Webhooks out: Maestro's events sent to the team's other tools (a ticket system, a chat
// channel), each delivery signed the way the Standard Webhooks convention signs: headers
// `webhook-id` (the event's id, the same on every retry, so a receiver can drop repeats),
// `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
// "id.timestamp.body" under the hook's secret>`.
//
//   WebhookEvent e{"evt-42", "case.created", "2026-12-06T08:00:00Z", "DSAR-2026-001", {...}};
//   std::string body = webhook_body(e, "json");
//   auto status = post_webhook(hook.url, secret, e.id, body, 10);   // 2xx: delivered
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace maestro {

// case.created, case.state_changed, case.due_soon, case.overdue, case.closed, job.failed,
// erasure.proven, package.staged, ping.
const std::vector<std::string>& webhook_event_types();

struct WebhookEvent {
  std::string id;    // unique per event and hook; stable across retries and restarts
  std::string type;  // one of webhook_event_types()
  std::string occurred_at;
  std::string case_number;  // empty for events of no case
  std::string data_json;    // a JSON object: states, counts, codes; personal data only for hooks that want it
};

// The delivery's body: the event as a JSON document (`json`), or a one-line message for a Slack
// incoming webhook (`slack`: {"text": "..."}).
std::string webhook_body(const WebhookEvent& event, const std::string& format);

// "v1,<base64 HMAC-SHA256 of id.timestamp.body>".
std::string webhook_signature(const std::string& secret, const std::string& id, std::int64_t timestamp,
                              const std::string& body);

// POSTs a JSON `body` with these further header lines ("Name: value") and returns the
// receiver's HTTP status; `unavailable` when it could not be reached in `timeout_seconds`.
Result<long> post_json(const std::string& url, const std::string& body, const std::vector<std::string>& extra_headers,
                       long timeout_seconds);

// POSTs `body` signed with `secret` and returns the receiver's HTTP status; `unavailable` when it
// could not be reached in `timeout_seconds`.
Result<long> post_webhook(const std::string& url, const std::string& secret, const std::string& id,
                          const std::string& body, long timeout_seconds);

}  // namespace maestro
