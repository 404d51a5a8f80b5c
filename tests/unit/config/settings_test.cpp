#include "config/settings.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

TEST(Settings, DefaultsLiveUnderTheHome) {
  testing::TempDir dir;
  auto s = load_settings({.home = dir.path(), .config = std::nullopt});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->store_path, dir / "maestro.db");
  EXPECT_EQ(s->key_file, dir / "secret.key");
  EXPECT_FALSE(s->policy_file);
}

TEST(Settings, MaestroYamlInTheHomeOverridesPathsRelativeToItself) {
  testing::TempDir dir;
  std::ofstream(dir / "maestro.yaml") << "store: data/cases.db\nkey_file: /etc/maestro/key\n";
  auto s = load_settings({.home = dir.path(), .config = std::nullopt});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->store_path, dir / "data/cases.db");
  EXPECT_EQ(s->key_file, "/etc/maestro/key");
}

TEST(Settings, HomeInTheConfigMovesTheDefaultsButNotExplicitPaths) {
  testing::TempDir dir;
  // `home` after `key_file` still applies first: it moves defaults, never an explicit setting.
  std::ofstream(dir / "system.yaml") << "key_file: keys/secret.key\nhome: /var/lib/maestro\n";
  auto s = load_settings({.home = std::nullopt, .config = dir / "system.yaml"});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->home, "/var/lib/maestro");
  EXPECT_EQ(s->store_path, "/var/lib/maestro/maestro.db");
  EXPECT_EQ(s->outbox_dir, "/var/lib/maestro/outbox");
  EXPECT_EQ(s->key_file, dir / "keys/secret.key");
}

TEST(Settings, UnknownSettingIsAnErrorWithItsLine) {
  testing::TempDir dir;
  std::ofstream(dir / "maestro.yaml") << "store: a.db\nstorage: b.db\n";
  auto s = load_settings({.home = dir.path(), .config = std::nullopt});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("maestro.yaml:2"), std::string::npos);
}

TEST(Settings, WebhooksAreReadWithTheirEventsAndSecretsRelativeToTheFile) {
  testing::TempDir dir;
  std::ofstream(dir / "maestro.yaml")
      << "webhooks:\n"
         "  - name: jira\n    url: https://acme.atlassian.net/rest/cb-automation/hook\n"
         "    events: [case.created, case.overdue]\n    secret_file: secrets/jira\n    due_soon_days: 3\n"
         "  - {name: slack, url: 'http://127.0.0.1:8080/relay', events: [job.failed], secret_env: SLACK_HOOK_SECRET,\n"
         "     format: slack, personal_data: false}\n";
  auto s = load_settings({.home = dir.path(), .config = std::nullopt});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->webhooks.size(), 2u);
  EXPECT_EQ(s->webhooks[0].name, "jira");
  EXPECT_EQ(s->webhooks[0].events, (std::vector<std::string>{"case.created", "case.overdue"}));
  EXPECT_EQ(s->webhooks[0].secret_file, dir / "secrets/jira");
  EXPECT_EQ(s->webhooks[0].due_soon_days, 3);
  EXPECT_EQ(s->webhooks[1].format, "slack");
  EXPECT_EQ(s->webhooks[1].secret_env, "SLACK_HOOK_SECRET");
  std::ofstream(dir / "maestro.yaml") << "webhooks:\n"
                                         "  - {name: a, url: 'https://x.example/h', events: [case.created], secret_env: S}\n"
                                         "  - {name: a, url: 'https://y.example/h', events: [case.created], secret_env: S}\n";
  auto twice = load_settings({.home = dir.path(), .config = std::nullopt});
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("two webhooks are named a"), std::string::npos) << twice.error().message;
}

TEST(Settings, ABrokenLetterTemplateIsRefusedWhenTheSettingsLoad) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "letters/de");
  std::ofstream(dir / "letters/de/acknowledgement.mustache") << "Subject: Eingang\n\nHallo {{subject_name}\n";
  std::ofstream(dir / "maestro.yaml") << "templates_dir: letters\n";
  auto s = load_settings({.home = dir.path(), .config = std::nullopt});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("letters/de/acknowledgement.mustache:3: '{{' is not closed"), std::string::npos)
      << s.error().message;
}

TEST(Settings, TextsThatFallBackToEnglishAreWarnedAboutWhenTheSettingsLoad) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "letters/it");
  std::ofstream(dir / "letters/it/acknowledgement.mustache")
      << "Subject: Richiesta ricevuta\n\nGentile {{subject_name}}\n";
  std::ofstream(dir / "letters/it/report.yaml") << "language: it\ntitle: I tuoi dati personali\n";
  std::ofstream(dir / "maestro.yaml") << "templates_dir: letters\nlanguage: it\n";
  auto s = load_settings({.home = dir.path(), .config = std::nullopt});
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->warnings.size(), 2u);
  EXPECT_NE(s->warnings[0].find("the report texts in 'it' lack"), std::string::npos) << s->warnings[0];
  EXPECT_NE(s->warnings[1].find("no 'it' translation of the letter(s) verification-request,"), std::string::npos)
      << s->warnings[1];
  EXPECT_EQ(s->warnings[1].find("acknowledgement"), std::string::npos);  // the operator's own
  // The built-in languages are complete: no warning.
  std::ofstream(dir / "maestro.yaml", std::ios::trunc) << "language: pt-br\n";
  std::filesystem::remove_all(dir / "letters");
  s = load_settings({.home = dir.path(), .config = std::nullopt});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->warnings.empty()) << s->warnings.front();
}

TEST(Settings, MissingConfigFileIsNotFound) {
  testing::TempDir dir;
  auto s = load_settings({.home = dir.path(), .config = dir / "nope.yaml"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::not_found);
}

TEST(Settings, APolicyFileAndExtraCalendarReplaceTheDefaults) {
  testing::TempDir dir;
  std::ofstream(dir / "bavaria.yaml") << "name: de-by\nweekend: [saturday, sunday]\nholidays: [2026-01-06]\n";
  std::ofstream(dir / "policy.yaml") << "jurisdictions:\n  gdpr:\n    calendar: de-by\n    rules:\n"
                                        "      - {from: 2018-05-25, respond: 1 month, roll_forward: true}\n";
  std::ofstream(dir / "maestro.yaml") << "policy: policy.yaml\ncalendars: [bavaria.yaml]\n";
  auto s = load_settings({.home = dir.path(), .config = std::nullopt});
  ASSERT_TRUE(s);
  auto p = load_policy(*s);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->jurisdictions.size(), 1u);
  EXPECT_FALSE(p->calendars.at("de-by").is_working_day(testing::day("2026-01-06")));
}

TEST(Installation, CreatesKeyAndStoreOnFirstUse) {
  testing::TempDir dir;
  auto inst = open_installation({.home = dir / "home", .config = std::nullopt});
  ASSERT_TRUE(inst) << inst.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir / "home/maestro.db"));
  EXPECT_TRUE(std::filesystem::exists(dir / "home/secret.key"));
}

TEST(Installation, AStoreWithoutItsKeyIsRefusedAndNoNewKeyIsMade) {
  testing::TempDir dir;
  { ASSERT_TRUE(open_installation({.home = dir.path(), .config = std::nullopt})); }
  std::filesystem::remove(dir / "secret.key");
  auto inst = open_installation({.home = dir.path(), .config = std::nullopt});
  ASSERT_FALSE(inst);
  EXPECT_NE(inst.error().message.find("key file"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "secret.key"));
}

}  // namespace
}  // namespace maestro
