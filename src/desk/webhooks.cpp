#include "desk/webhooks.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <thread>

#include "common/secrets.hpp"
#include "crypto/keyring.hpp"

namespace maestro {

using nlohmann::json;

namespace {

constexpr int k_trail_page = 500;

bool wants(const WebhookSettings& hook, const std::string& type) {
  return std::find(hook.events.begin(), hook.events.end(), type) != hook.events.end();
}

bool is_closed_state(const std::string& state) {
  return state == "fulfilled" || state == "denied" || state == "withdrawn";
}

// The events one audit event stands for, with their data (the trail holds no personal data, so
// neither does this).
std::vector<std::pair<std::string, json>> events_of(const AuditEvent& e) {
  json details = json::parse(e.details, nullptr, false);
  if (!details.is_object()) details = json::object();
  std::vector<std::pair<std::string, json>> out;
  if (e.outcome != "ok" && e.action != "job-failed" && e.action != "erasure-proof") return out;
  if (e.action == "intake" || e.action == "appeal") out.emplace_back("case.created", json{{"action", e.action}});
  if (details.contains("from") && details.contains("to") && details["from"] != details["to"]) {
    json change{{"from", details["from"]}, {"to", details["to"]}, {"action", e.action}};
    out.emplace_back("case.state_changed", change);
    if (details["to"].is_string() && is_closed_state(details["to"].get<std::string>()))
      out.emplace_back("case.closed", json{{"state", details["to"]}});
  }
  // A webhook that fails is not announced by another webhook (that could go on for ever).
  if (e.action == "job-failed" && details.value("kind", "") != "webhook") {
    out.emplace_back("job.failed", json{{"job", details.value("job", 0)}, {"kind", details.value("kind", "")}});
  }
  if (e.action == "erasure-proof") out.emplace_back("erasure.proven", json{{"outcome", e.outcome}});
  if (e.action == "export" && e.outcome == "ok") out.emplace_back("package.staged", json::object());
  return out;
}

// The requester's name and email addresses, for hooks that asked for personal data.
json requester_of(Desk& desk, const std::string& number) {
  auto found = desk.find(number);
  if (!found) return nullptr;
  json emails = json::array();
  for (const auto& id : found->c.identifiers)
    if (id.kind == "email") emails.push_back(id.value);
  return json{{"name", found->c.subject_name}, {"emails", emails}};
}

// Queues the event for the hook unless it was queued before; true when queued now.
Result<bool> queue_delivery(Desk& desk, const WebhookSettings& hook, const WebhookEvent& event) {
  std::string key = "webhook:" + hook.name + ":" + event.id;
  auto before = desk.job_with_key(key);
  if (!before) return propagate(before.error());
  if (*before) return false;
  json data = json::parse(event.data_json);
  if (hook.personal_data && !event.case_number.empty()) data["requester"] = requester_of(desk, event.case_number);
  json parameters{{"hook", hook.name},
                  {"event",
                   {{"id", event.id},
                    {"type", event.type},
                    {"occurred_at", event.occurred_at},
                    {"case", event.case_number},
                    {"data", data}}}};
  JobRequest request{"webhook", "", parameters.dump(), 10, key};
  auto job = desk.enqueue_job(request);
  if (!job) return propagate(job.error());
  return true;
}

// The trail past the hook's cursor, a page at a time.
Status follow_trail(Desk& desk, const WebhookSettings& hook, WebhookDispatch& out) {
  std::string follower = "webhook:" + hook.name;
  auto cursor = desk.trail_cursor(follower);
  if (!cursor) return propagate(cursor.error());
  if (!*cursor) {
    auto newest = desk.newest_audit_sequence();
    if (!newest) return propagate(newest.error());
    out.trail_read_to = std::max(out.trail_read_to, *newest);
    return desk.save_trail_cursor(follower, *newest);
  }
  std::int64_t read_to = **cursor;
  for (;;) {
    std::vector<AuditEvent> page;
    Status read = desk.audit_events_after(read_to, k_trail_page, [&](const AuditEvent& e) -> Status {
      page.push_back(e);
      return {};
    });
    if (!read) return read;
    for (const auto& e : page) {
      for (auto& [type, data] : events_of(e)) {
        if (!wants(hook, type)) continue;
        WebhookEvent event{"evt-" + std::to_string(e.sequence) + "-" + type, type, format_instant(e.at),
                           e.case_number, data.dump()};
        auto queued = queue_delivery(desk, hook, event);
        if (!queued) return propagate(queued.error());
        out.queued += *queued ? 1 : 0;
      }
      read_to = e.sequence;
    }
    if (auto ok = desk.save_trail_cursor(follower, read_to); !ok) return ok;
    out.trail_read_to = std::max(out.trail_read_to, read_to);
    if (page.size() < static_cast<std::size_t>(k_trail_page)) return {};
  }
}

// case.due_soon and case.overdue, once per case and legal deadline (an extension moves the
// deadline, and the events come again for the new one).
Status watch_deadlines(Desk& desk, const WebhookSettings& hook, WebhookDispatch& out) {
  if (!wants(hook, "case.due_soon") && !wants(hook, "case.overdue")) return {};
  CaseQuery query;
  std::string cursor;
  for (;;) {
    auto page = desk.queue(query, 200, cursor);
    if (!page) return propagate(page.error());
    for (const auto& item : page->items) {
      // Open cases come first, by due date: past the first closed one, or the first running
      // clock not yet due soon, nothing else is.
      if (item.entry.closed_at || (!item.paused && !item.overdue && item.days_left > hook.due_soon_days)) return {};
      if (!item.overdue && item.days_left > hook.due_soon_days) continue;
      std::string type = item.overdue ? "case.overdue" : "case.due_soon";
      if (!wants(hook, type)) continue;
      std::string due = format_date(item.legal_due);
      WebhookEvent event{type + "-" + item.entry.number + "-" + due, type, format_instant(desk.clock().now()),
                         item.entry.number,
                         json{{"legal_due", due}, {"days_left", item.days_left}, {"state", item.entry.state}}.dump()};
      auto queued = queue_delivery(desk, hook, event);
      if (!queued) return propagate(queued.error());
      out.queued += *queued ? 1 : 0;
    }
    if (!page->next_cursor) return {};
    cursor = *page->next_cursor;
  }
}

Result<std::string> hook_secret(const WebhookSettings& hook) {
  std::string what = "for webhook " + hook.name;
  if (!hook.secret_env.empty()) return secret_from_environment(hook.secret_env, what, ErrorCode::failed_precondition);
  return secret_from_file(hook.secret_file, what, ErrorCode::failed_precondition);
}

bool worth_retrying(long status) {
  return status == 408 || status == 429 || status >= 500;
}

Result<WebhookDelivery> send(const WebhookSettings& hook, const WebhookEvent& event) {
  auto secret = hook_secret(hook);
  if (!secret) return propagate(secret.error());
  std::string body = webhook_body(event, hook.format);
  WebhookDelivery delivery;
  std::string last_problem;
  for (delivery.tries = 1; delivery.tries <= 3; ++delivery.tries) {
    auto status = post_webhook(hook.url, *secret, event.id, body, 10);
    if (status) {
      delivery.status = *status;
      if (*status >= 200 && *status < 300) return delivery;
      if (!worth_retrying(*status)) {
        return fail(ErrorCode::failed_precondition,
                    "webhook " + hook.name + " refused the event with HTTP " + std::to_string(*status));
      }
      last_problem = "answered HTTP " + std::to_string(*status);
    } else {
      last_problem = status.error().message;
    }
    if (delivery.tries < 3) std::this_thread::sleep_for(std::chrono::seconds(delivery.tries));
  }
  return fail(ErrorCode::unavailable, "webhook " + hook.name + ": " + last_problem + " (3 tries; tried again later)");
}

}  // namespace

Result<WebhookDispatch> dispatch_webhooks(Desk& desk, const std::vector<WebhookSettings>& hooks, bool deadlines) {
  WebhookDispatch out;
  for (const auto& hook : hooks) {
    if (auto ok = follow_trail(desk, hook, out); !ok) return propagate(ok.error());
    if (!deadlines) continue;
    if (auto ok = watch_deadlines(desk, hook, out); !ok) return propagate(ok.error());
  }
  return out;
}

Result<WebhookDelivery> deliver_webhook(const WebhookSettings& hook, const std::string& event_json) {
  json e = json::parse(event_json, nullptr, false);
  if (!e.is_object() || !e["id"].is_string() || !e["type"].is_string() || !e["data"].is_object()) {
    return invalid("a webhook job's event needs an id, a type and data");
  }
  WebhookEvent event{e["id"], e["type"], e.value("occurred_at", ""), e.value("case", ""), e["data"].dump()};
  return send(hook, event);
}

Result<WebhookDelivery> test_webhook(const WebhookSettings& hook) {
  Instant now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  WebhookEvent ping{"ping-" + to_hex(random_bytes(8)), "ping", format_instant(now), "",
                    json{{"hook", hook.name}, {"message", "a test from maestro webhooks test"}}.dump()};
  return send(hook, ping);
}

}  // namespace maestro
