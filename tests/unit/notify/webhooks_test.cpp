#include "notify/webhooks.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace maestro {
namespace {

using nlohmann::json;

// The expected value was computed independently (Python's hmac and base64 modules).
TEST(WebhookSignature, IsTheBase64HmacOfIdTimestampAndBody) {
  EXPECT_EQ(webhook_signature("whsec-test", "evt-1", 1700000000, R"({"a":1})"),
            "v1,6YEL/5WOCiMduzg7njIygt9QSoU+0vIEyzmqfpdI41o=");
  EXPECT_NE(webhook_signature("whsec-test", "evt-2", 1700000000, R"({"a":1})"),
            webhook_signature("whsec-test", "evt-1", 1700000000, R"({"a":1})"));
}

TEST(WebhookBody, TheJsonFormIsTheEventAndSlackGetsOneLine) {
  WebhookEvent e{"evt-7-case.state_changed", "case.state_changed", "2026-03-02T09:00:00Z", "DSAR-2026-001",
                 R"({"from":"received","to":"acknowledged"})"};
  json body = json::parse(webhook_body(e, "json"));
  EXPECT_EQ(body["id"], "evt-7-case.state_changed");
  EXPECT_EQ(body["type"], "case.state_changed");
  EXPECT_EQ(body["case"], "DSAR-2026-001");
  EXPECT_EQ(body["data"]["to"], "acknowledged");
  json slack = json::parse(webhook_body(e, "slack"));
  EXPECT_EQ(slack.size(), 1u);
  EXPECT_EQ(slack["text"], "Maestro: case.state_changed DSAR-2026-001 (now acknowledged)");
}

TEST(WebhookEventTypes, NameEveryEventAHookMayWant) {
  const auto& types = webhook_event_types();
  for (const char* t : {"case.created", "case.state_changed", "case.due_soon", "case.overdue", "job.failed"})
    EXPECT_NE(std::find(types.begin(), types.end(), t), types.end()) << t;
}

TEST(WebhookPost, AnUnreachableReceiverIsUnavailable) {
  auto sent = post_webhook("http://127.0.0.1:9/hook", "s", "evt-1", "{}", 2);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::unavailable);
}

}  // namespace
}  // namespace maestro
