#include "desk/portal.hpp"

#include <gtest/gtest.h>

#include "store/sqlite_case_store.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;

PortalSubmission submission(std::vector<std::string> wishes, std::string residence) {
  PortalSubmission s;
  s.name = "Zoe Quinn";
  s.email = "zoe@example.com";
  s.wishes = std::move(wishes);
  s.residence = std::move(residence);
  return s;
}

TEST(PortalIntake, ThePersonChoosesTheLanguageOfTheirLettersAndReport) {
  PortalSubmission s = submission({"copy"}, "eu");
  s.language = "pt-br";
  EXPECT_EQ(portal_intake_request(s, "gdpr")->language, "pt-br");
  s.language = "";
  EXPECT_EQ(portal_intake_request(s, "gdpr")->language, "");  // the installation's
  s.language = "klingon";
  EXPECT_EQ(portal_intake_request(s, "gdpr").error().code, ErrorCode::invalid_argument);
  s.language = "de";
  s.formats = "json,csv,html,pdf";
  EXPECT_EQ(portal_intake_request(s, "gdpr")->formats, "json,csv,html,pdf");
}

TEST(PortalIntake, WishesBecomeTheRightsOfTheLawWhereThePersonLives) {
  auto uk = portal_intake_request(submission({"copy", "delete", "opt-out"}, "uk"), "gdpr");
  ASSERT_TRUE(uk) << uk.error().message;
  EXPECT_EQ(uk->jurisdiction, "uk-gdpr");
  EXPECT_EQ(uk->rights, "access,erasure,objection");
  EXPECT_EQ(uk->channel, "portal");
  EXPECT_EQ(uk->formats, "json,csv");
  EXPECT_EQ(uk->subjects, std::vector<std::string>{"email:zoe@example.com"});

  auto ca = portal_intake_request(submission({"copy", "delete", "opt-out", "restrict"}, "california"), "gdpr");
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->jurisdiction, "ccpa");
  EXPECT_EQ(ca->rights, "ccpa-know,ccpa-delete,ccpa-opt-out-of-sale");  // no restriction under the CCPA

  EXPECT_EQ(portal_intake_request(submission({"copy"}, "eu"), "gdpr")->jurisdiction, "gdpr");
  EXPECT_EQ(portal_intake_request(submission({"copy"}, "brazil"), "gdpr")->jurisdiction, "lgpd");
  EXPECT_EQ(portal_intake_request(submission({"copy"}, "other"), "uk-gdpr")->jurisdiction, "uk-gdpr");
  EXPECT_EQ(portal_intake_request(submission({}, "uk"), "gdpr").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(portal_intake_request(submission({"fly"}, "uk"), "gdpr").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(portal_intake_request(submission({"copy"}, "mars"), "gdpr").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(portal_intake_request(submission({"restrict"}, "california"), "gdpr").error().code,
            ErrorCode::invalid_argument);
}

class PortalDesk : public ::testing::Test {
 protected:
  PortalDesk()
      : keys(std::string(32, 'p')),
        clock(at("2026-03-02T09:00:00Z")),
        store(std::move(*open_sqlite_case_store(dir / "maestro.db", keys, true))),
        desk(*store, keys, testing::default_policy(), clock, "portal") {}

  testing::TempDir dir;
  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<CaseStore> store;
  Desk desk;
};

TEST_F(PortalDesk, AStatusLinkOpensItsCaseAndNoOther) {
  IntakeRequest r = *portal_intake_request(submission({"copy"}, "uk"), "gdpr");
  auto made = desk.intake(r);
  ASSERT_TRUE(made);
  auto secret = desk.add_status_link(made->c.number);
  ASSERT_TRUE(secret) << secret.error().message;
  auto found = desk.case_by_status_link(*secret);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->c.number, made->c.number);
  EXPECT_FALSE(*desk.case_by_status_link("st_" + std::string(64, '0')));
  EXPECT_FALSE(*desk.case_by_status_link("' OR 1=1 --"));
  EXPECT_EQ(testing::read_file(dir / "maestro.db").find(*secret), std::string::npos);  // only its keyed hash
}

TEST_F(PortalDesk, TheStatusSaysInPlainWordsWhatComesNext) {
  auto made = desk.intake(*portal_intake_request(submission({"copy"}, "uk"), "gdpr"));
  ASSERT_TRUE(made);
  const Policy& policy = desk.policy();
  EXPECT_EQ(requester_status(*desk.find(made->c.number), policy).next_step, "enter-code");
  ASSERT_TRUE(desk.acknowledge(made->c.number));
  ASSERT_TRUE(desk.record_verification(made->c.number, "email-code", VerificationOutcome::passed));
  RequesterStatus working = requester_status(*desk.find(made->c.number), policy);
  EXPECT_EQ(working.headline, "We are working on your request");
  EXPECT_NE(working.explanation.find("2026-04-02"), std::string::npos) << working.explanation;  // the due date
  ASSERT_TRUE(desk.deny(made->c.number, "manifestly-unfounded", ""));
  EXPECT_EQ(requester_status(*desk.find(made->c.number), policy).headline, "We could not carry out your request");
  EXPECT_EQ(rights_in_words(made->c), "a copy of your data");
}

TEST_F(PortalDesk, TheDownloadWindowClosesAfterItsHoursOrItsLimit) {
  auto made = desk.intake(*portal_intake_request(submission({"copy"}, "uk"), "gdpr"));
  ASSERT_TRUE(made);
  const std::string number = made->c.number;
  EXPECT_FALSE(download_window(*desk.find(number), clock.now(), std::chrono::hours{48}, 2).open);  // nothing yet
  ASSERT_TRUE(desk.acknowledge(number));
  ASSERT_TRUE(desk.record_verification(number, "email-code", VerificationOutcome::passed));
  ASSERT_TRUE(desk.start(number));
  ASSERT_TRUE(desk.record_delivery(number, PackageDelivery{clock.now(), "abc", 10, "exports/p.zip"}, "{}"));
  ASSERT_TRUE(desk.fulfil(number));
  auto window = download_window(*desk.find(number), clock.now(), std::chrono::hours{48}, 2);
  EXPECT_TRUE(window.open);
  EXPECT_EQ(window.left, 2);
  // Without a session nothing is handed out; with one, each download counts.
  EXPECT_EQ(take_download(desk, *desk.find(number), "dl_nothing", std::chrono::hours{48}, 2).error().code,
            ErrorCode::permission_denied);
  auto session = desk.open_download_session(number, std::chrono::minutes{15});
  ASSERT_TRUE(session);
  EXPECT_TRUE(take_download(desk, *desk.find(number), *session, std::chrono::hours{48}, 2));
  EXPECT_TRUE(take_download(desk, *desk.find(number), *session, std::chrono::hours{48}, 2));
  auto over = take_download(desk, *desk.find(number), *session, std::chrono::hours{48}, 2);
  EXPECT_EQ(over.error().code, ErrorCode::failed_precondition);
  EXPECT_NE(over.error().message.find("make a new request"), std::string::npos);
  // The session lasts 15 minutes; the window 48 hours.
  clock.advance(std::chrono::minutes{16});
  EXPECT_FALSE(*desk.download_session_case(*session));
  clock.advance(std::chrono::hours{48});
  auto late = download_window(*desk.find(number), clock.now(), std::chrono::hours{48}, 5);
  EXPECT_FALSE(late.open);
  EXPECT_NE(late.why_not.find("closed"), std::string::npos);
}

}  // namespace
}  // namespace maestro
