// Webhooks out (docs/integrations.md): the desk follows the audit trail and the queue's
// deadlines and turns what happened into events for each receiver configured in maestro.yaml
// (`webhooks:`), each delivered by a `webhook` job: signed, retried with backoff, and queued at
// most once per event and receiver (the job's idempotency key is the event's id), so a restart
// of `maestro serve` or a second dispatcher sends nothing twice. Events carry case numbers,
// states, dates and counts; the requester's name and email only for a hook with
// `personal_data: true`.
//
//   auto queued = dispatch_webhooks(desk, settings.webhooks);   // serve and worker, every two seconds
//   auto sent = deliver_webhook(hook, event_json);              // the `webhook` job
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "desk/desk.hpp"
#include "notify/webhooks.hpp"

namespace maestro {

struct WebhookDispatch {
  int queued = 0;  // deliveries queued now
  std::int64_t trail_read_to = 0;
};

// Reads the trail past each hook's cursor (a new hook starts at the trail's end: it is not sent
// the past) and, with `deadlines`, the open cases' deadlines (a page of the queue per hook: serve
// and worker look once a minute), and queues a delivery per wanted event.
Result<WebhookDispatch> dispatch_webhooks(Desk& desk, const std::vector<WebhookSettings>& hooks,
                                          bool deadlines = true);

struct WebhookDelivery {
  long status = 0;  // the receiver's last answer
  int tries = 0;
};

// Sends one event (its JSON as dispatch_webhooks queued it) to `hook`: up to three tries a
// second or two apart while the receiver does not answer or answers 408, 429 or 5xx; then
// `unavailable`, so the job is tried again later. Any other 4xx is final (`failed_precondition`).
Result<WebhookDelivery> deliver_webhook(const WebhookSettings& hook, const std::string& event_json);

// A signed `ping` event sent now (`maestro webhooks test NAME`), not queued.
Result<WebhookDelivery> test_webhook(const WebhookSettings& hook);

}  // namespace maestro
