// maestro webhooks: the receivers of Maestro's events (maestro.yaml `webhooks:`), a signed test
// delivery to one of them, and one dispatch round for installations without serve or worker.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/session.hpp"
#include "desk/webhooks.hpp"

namespace maestro::cli {

namespace {

const WebhookSettings& hook_named(Session& s, const std::string& name) {
  const auto& hooks = s.installation().settings.webhooks;
  auto it = std::find_if(hooks.begin(), hooks.end(), [&](const WebhookSettings& h) { return h.name == name; });
  if (it == hooks.end()) {
    fail_command(Error{ErrorCode::not_found, "maestro.yaml has no webhook named '" + name +
                                                 "' (see 'maestro webhooks list')"});
  }
  return *it;
}

}  // namespace

void add_webhook_commands(CLI::App& app, Session& s) {
  auto* hooks = app.add_subcommand("webhooks", "Send Maestro's events to other tools (ticketing, chat): signed webhooks");
  hooks->require_subcommand(1);
  hooks->footer(
      "Receivers are configured in maestro.yaml under 'webhooks:' (docs/integrations.md). 'maestro serve' and "
      "'maestro worker' queue each new event for each receiver every few seconds; a 'webhook' job delivers it, "
      "signed (webhook-id, webhook-timestamp, webhook-signature), retried with backoff, once per event.");

  auto* list = hooks->add_subcommand("list", "The configured receivers and the events each wants");
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json, "Print JSON");
  list->callback([&s, list_json] {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& h : s.installation().settings.webhooks) {
      out.push_back({{"name", h.name},
                     {"url", h.url},
                     {"events", h.events},
                     {"format", h.format},
                     {"personal_data", h.personal_data}});
      if (*list_json) continue;
      s.out << h.name << "  " << h.url << "  (" << h.format << (h.personal_data ? ", with personal data" : "")
            << ")\n  events:";
      for (const auto& e : h.events) s.out << " " << e;
      s.out << "\n";
    }
    if (*list_json) s.out << out.dump(2) << "\n";
    if (!*list_json && out.empty()) s.out << "No webhooks: add them under 'webhooks:' in maestro.yaml.\n";
  });

  auto* test = hooks->add_subcommand("test", "Send a signed 'ping' event to one receiver now and show its answer");
  auto test_name = std::make_shared<std::string>();
  test->add_option("name", *test_name, "The webhook's name in maestro.yaml")->required();
  test->footer("Example:\n  maestro webhooks test jira");
  test->callback([&s, test_name] {
    const WebhookSettings& hook = hook_named(s, *test_name);
    WebhookDelivery sent = must(test_webhook(hook));
    s.out << "Webhook " << hook.name << " answered HTTP " << sent.status << " (" << sent.tries << " tr"
          << (sent.tries == 1 ? "y" : "ies") << ").\n";
  });

  auto* dispatch = hooks->add_subcommand(
      "dispatch", "Queue the deliveries of new events now (serve and worker do it every few seconds)");
  dispatch->callback([&s] {
    if (s.installation().settings.webhooks.empty()) {
      s.out << "No webhooks configured.\n";
      return;
    }
    WebhookDispatch d = must(dispatch_webhooks(s.desk(), s.installation().settings.webhooks));
    s.out << d.queued << " deliver" << (d.queued == 1 ? "y" : "ies") << " queued; run 'maestro worker' to send them.\n";
  });
}

}  // namespace maestro::cli
