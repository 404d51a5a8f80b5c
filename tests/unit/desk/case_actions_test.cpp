// The lifecycle actions shared by the CLI, the API and the dashboard: roles, and the letter each
// action sends (through a real .eml mailer into a temporary folder).
#include "desk/case_actions.hpp"

#include <gtest/gtest.h>

#include "desk/correspondence.hpp"
#include "store/sqlite_case_store.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

class CaseActions : public ::testing::Test {
 protected:
  CaseActions()
      : keys(std::string(32, 'a')),
        clock(at("2026-03-02T09:00:00Z")),
        store(std::move(*open_sqlite_case_store(dir / "maestro.db", keys, true))),
        desk(*store, keys, testing::default_policy(), clock, "dpo@example.com") {
    settings.home = dir.path();
    settings.outbox_dir = dir / "outbox";
    settings.mail_from = "dpo@example.com";
    settings.server.public_url = "https://privacy.example.com";
    mail = std::move(*Correspondence::open(desk, settings));
  }

  std::string intake(const std::string& rights) {
    IntakeRequest r;
    r.subjects = {"jane@example.com"};
    r.name = "Jane Example";
    r.rights = rights;
    r.jurisdiction = "gdpr";
    return desk.intake(r)->c.number;
  }

  CaseActionResult act(const std::string& number, const std::string& action, const std::string& reason = "") {
    auto done = run_case_action(desk, mail.get(), number, {action, reason, "", "", true});
    EXPECT_TRUE(done) << action << ": " << (done ? "" : done.error().message);
    return done ? *done : CaseActionResult{};
  }

  std::vector<std::string> letters(const std::string& number) {
    std::vector<std::string> out;
    auto messages = desk.messages_of_case(number);
    EXPECT_TRUE(messages);
    if (messages)
      for (const auto& m : *messages) out.push_back(m.letter);
    return out;
  }

  testing::TempDir dir;
  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<CaseStore> store;
  Desk desk;
  Settings settings;
  std::unique_ptr<Correspondence> mail;
};

TEST_F(CaseActions, ClosingAnAccessRequestWithADeliveredPackageSendsTheFulfilmentLetterOnce) {
  std::string number = intake("access");
  std::string other = intake("access");
  act(number, "acknowledge");
  act(number, "override-verification", "passport seen at the desk");
  act(number, "start");
  ASSERT_TRUE(desk.record_delivery(number, PackageDelivery{clock.now(), "abc", 10, "exports/p.zip"}, "{}"));
  act(number, "review");
  CaseActionResult closed = act(number, "fulfil");
  ASSERT_EQ(closed.letter, "fulfilment");
  ASSERT_TRUE(closed.sent);
  auto shown = mail->show(closed.sent->message.id);
  ASSERT_TRUE(shown);
  EXPECT_NE(shown->body.find("https://privacy.example.com/portal/s/st_"), std::string::npos) << shown->body;
  EXPECT_EQ(shown->body.find("exports/p.zip"), std::string::npos);  // a link, not a storage path
  EXPECT_EQ(letters(number), (std::vector<std::string>{"acknowledgement", "fulfilment"}));
  EXPECT_TRUE(letters(other).empty());  // one case's letters only
  // Told already (an export with --notify): not told twice.
  auto again = letter_due_for_case_action(desk, "fulfil", closed.view.c);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

TEST_F(CaseActions, ClosingWithoutAPackageSendsNoFulfilmentLetterAndErasureGetsItsConfirmation) {
  std::string access = intake("access");
  std::string erasure = intake("erasure");
  for (const auto& n : {access, erasure}) {
    act(n, "acknowledge");
    act(n, "override-verification", "checked");
    act(n, "start");
  }
  EXPECT_FALSE(act(access, "fulfil").letter);
  EXPECT_EQ(act(erasure, "fulfil").letter, "deletion-confirmation");
}

TEST_F(CaseActions, RolesAndReasonsAreCheckedBeforeAnythingChanges) {
  std::string number = intake("access");
  EXPECT_EQ(*role_for_case_action("deny"), Role::dpo);
  EXPECT_EQ(*role_for_case_action("note"), Role::operator_);
  EXPECT_FALSE(role_for_case_action("explode"));
  auto no_reason = run_case_action(desk, mail.get(), number, {"deny", "", "", "", true});
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(desk.find(number)->c.state, CaseState::received);
  EXPECT_TRUE(letters(number).empty());
}

}  // namespace
}  // namespace maestro
