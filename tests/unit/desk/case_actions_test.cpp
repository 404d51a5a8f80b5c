// The lifecycle actions shared by the CLI, the API and the dashboard: roles, and the letter each
// action sends (through a real .eml mailer into a temporary folder).
#include "desk/case_actions.hpp"

#include <gtest/gtest.h>

#include <algorithm>

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

  std::string intake(const std::string& rights, const std::string& jurisdiction = "gdpr") {
    IntakeRequest r;
    r.subjects = {"jane@example.com"};
    r.name = "Jane Example";
    r.rights = rights;
    r.jurisdiction = jurisdiction;
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

TEST_F(CaseActions, ApprovalDeliversTheStagedPackageLinkFirstPasswordApartEachOnce) {
  std::string number = intake("access");
  std::string other = intake("access");
  act(number, "acknowledge");
  act(number, "override-verification", "passport seen at the desk");
  act(number, "start");
  const std::string password = "Kq7vWm3xTz9pRd4nHs2c";
  ASSERT_TRUE(desk.record_delivery(number, PackageDelivery{clock.now(), "abc", 10, "exports/p.zip"}, "{}", {}, password));
  // Staged: the requester has heard nothing yet, and the package waits for the DPO.
  EXPECT_EQ(letters(number), (std::vector<std::string>{"acknowledgement"}));
  EXPECT_EQ(desk.find(number)->c.deliveries.back().status, "staged");
  act(number, "review");
  CaseActionResult closed = act(number, "fulfil");
  ASSERT_EQ(closed.letter, "fulfilment");
  EXPECT_EQ(closed.letters, (std::vector<std::string>{"fulfilment", "package-password"}));
  ASSERT_EQ(closed.sent_all.size(), 2u);
  std::string mailed;  // as it went (the outbox keeps no password once sent)
  for (const auto& e : std::filesystem::directory_iterator(dir / "outbox")) mailed += testing::read_file(e.path());
  EXPECT_NE(mailed.find(password), std::string::npos);
  EXPECT_EQ(desk.find(number)->c.deliveries.back().status, "delivered");
  EXPECT_TRUE(desk.find(number)->c.package_password.empty());  // the outbox has it now, the case no more
  ASSERT_TRUE(closed.sent);
  auto shown = mail->show(closed.sent->message.id);
  ASSERT_TRUE(shown);
  EXPECT_NE(shown->body.find("https://privacy.example.com/portal/s/st_"), std::string::npos) << shown->body;
  EXPECT_EQ(shown->body.find("exports/p.zip"), std::string::npos);  // a link, not a storage path
  EXPECT_EQ(letters(number), (std::vector<std::string>{"acknowledgement", "fulfilment", "package-password"}));
  EXPECT_TRUE(letters(other).empty());  // one case's letters only
  // Told already (an export with --notify): not told twice.
  auto again = letter_due_for_case_action(desk, "fulfil", desk.find(number)->c);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
}

TEST_F(CaseActions, NothingDoneNothingClosedAndTheDashboardOffersOnlyTheException) {
  std::string access = intake("access");
  std::string erasure = intake("erasure");
  for (const auto& n : {access, erasure}) {
    act(n, "acknowledge");
    act(n, "override-verification", "checked");
    act(n, "start");
  }
  auto refused = run_case_action(desk, mail.get(), access, {"fulfil", "", "", "", true});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::failed_precondition);
  EXPECT_NE(refused.error().message.find("no access package yet"), std::string::npos) << refused.error().message;
  EXPECT_EQ(desk.find(access)->c.state, CaseState::in_progress);
  auto offered = case_actions_available(*desk.find(access), Role::dpo);
  EXPECT_EQ(std::count(offered.begin(), offered.end(), "fulfil"), 0);
  EXPECT_EQ(std::count(offered.begin(), offered.end(), "close-by-exception"), 1);
  // The DPO's exception needs a reason, and sends no fulfilment letter: nothing was delivered.
  EXPECT_FALSE(run_case_action(desk, mail.get(), access, {"close-by-exception", "", "", "", true}));
  CaseActionResult excepted = act(access, "close-by-exception", "Answered by post, see ticket 4411");
  EXPECT_EQ(excepted.view.c.state, CaseState::fulfilled);
  EXPECT_FALSE(excepted.letter);

  // An erasure closes once its proof is clean, with the confirmation.
  ASSERT_TRUE(desk.record_work(erasure, "erasure-proof", "clean", "{}", WorkOutcome{clock.now(), "erasure", "clean"}));
  offered = case_actions_available(*desk.find(erasure), Role::dpo);
  EXPECT_EQ(std::count(offered.begin(), offered.end(), "fulfil"), 1);
  EXPECT_EQ(act(erasure, "fulfil").letter, "deletion-confirmation");
}

TEST_F(CaseActions, AVirginiaRefusalSaysHowToAppealAndTheAppealIsACaseOfItsOwn) {
  std::string refused = intake("ccpa-delete", "vcdpa");
  act(refused, "acknowledge");
  CaseActionResult denied = act(refused, "deny", "excessive");
  ASSERT_TRUE(denied.sent);
  std::string letter = mail->show(denied.sent->message.id)->body;
  EXPECT_NE(letter.find("You may appeal this decision"), std::string::npos) << letter;
  EXPECT_NE(letter.find("within 60 days what we decided on your appeal"), std::string::npos) << letter;

  // The dashboard offers the appeal on this refusal (Virginia gives one), and on no other case.
  auto offered = case_actions_available(*desk.find(refused), Role::operator_, &testing::default_policy());
  EXPECT_EQ(std::count(offered.begin(), offered.end(), "appeal"), 1);
  EXPECT_EQ(std::count(offered.begin(), offered.end(), "deny"), 0);
  clock.set(at("2026-03-10T09:00:00Z"));
  auto appeal = desk.open_appeal(refused);
  ASSERT_TRUE(appeal) << appeal.error().message;
  EXPECT_EQ(appeal->c.appeal_of, refused);
  EXPECT_EQ(appeal->c.rights, desk.find(refused)->c.rights);
  EXPECT_EQ(format_date(appeal->deadlines.legal_due), "2026-05-09");  // 60 days from the appeal's receipt
  EXPECT_FALSE(appeal->deadlines.extension_available);
  EXPECT_TRUE(appeal->c.possible_duplicates.empty());
  // An appeal of an appeal, or of a case not refused, is not one.
  EXPECT_EQ(desk.open_appeal(appeal->c.number).error().code, ErrorCode::failed_precondition);
  EXPECT_EQ(desk.open_appeal(intake("access", "vcdpa")).error().code, ErrorCode::failed_precondition);

  // The appeal upheld: the answer names the appeal and the Attorney General, and offers no appeal.
  act(appeal->c.number, "acknowledge");
  CaseActionResult upheld = act(appeal->c.number, "deny", "excessive");
  ASSERT_TRUE(upheld.sent);
  std::string answer = mail->show(upheld.sent->message.id)->body;
  EXPECT_NE(answer.find("This is our answer to your appeal against our decision on request " + refused),
            std::string::npos)
      << answer;
  EXPECT_NE(answer.find("Attorney General of Virginia"), std::string::npos);
  EXPECT_EQ(answer.find("You may appeal this decision"), std::string::npos);

  offered = case_actions_available(*desk.find(appeal->c.number), Role::operator_, &testing::default_policy());
  EXPECT_EQ(std::count(offered.begin(), offered.end(), "appeal"), 0);  // an appeal of an appeal is not one

  // GDPR has no appeal to the controller: the complaint route only.
  std::string eu = intake("access");
  act(eu, "deny", "excessive");
  EXPECT_EQ(desk.open_appeal(eu).error().code, ErrorCode::failed_precondition);
  offered = case_actions_available(*desk.find(eu), Role::operator_, &testing::default_policy());
  EXPECT_EQ(std::count(offered.begin(), offered.end(), "appeal"), 0);
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
