#include <gtest/gtest.h>

#include <chrono>

#include "desk/desk.hpp"
#include "store/sqlite_case_store.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;
using namespace std::chrono_literals;

class OperatorsTest : public ::testing::Test {
 protected:
  OperatorsTest()
      : keys(std::string(32, 'o')),
        clock(at("2026-03-02T09:00:00Z")),
        store(std::move(*open_sqlite_case_store(dir / "maestro.db", keys, true))),
        desk(*store, keys, testing::default_policy(), clock, "admin") {}

  // An account with a password, ready to sign in.
  OperatorAccount account(const char* email = "olivia@example.com", Role role = Role::operator_) {
    auto made = desk.add_operator(email, role);
    EXPECT_TRUE(made) << made.error().message;
    auto set = desk.set_password(made->link_secret, password);
    EXPECT_TRUE(set) << set.error().message;
    return *set;
  }

  std::string all_audit_details() {
    std::string text;
    (void)desk.audit_events("", [&](const AuditEvent& e) -> Status {
      text += e.action + " " + e.outcome + " " + e.details + "\n";
      return {};
    });
    return text;
  }

  const std::string password = "correct horse battery staple";
  testing::TempDir dir;
  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<CaseStore> store;
  Desk desk;
};

TEST_F(OperatorsTest, AnAccountGetsItsPasswordThroughALinkThatWorksOnce) {
  auto made = desk.add_operator("Olivia@Example.com", Role::dpo);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->account.email, "olivia@example.com");
  EXPECT_TRUE(made->link_secret.starts_with("msl_"));
  EXPECT_EQ(desk.add_operator("olivia@example.com", Role::auditor).error().code, ErrorCode::already_exists);
  EXPECT_EQ(desk.add_operator("not an email", Role::auditor).error().code, ErrorCode::invalid_argument);
  // Without a password the account cannot sign in.
  EXPECT_EQ(desk.sign_in("olivia@example.com", "", "127.0.0.1").error().code, ErrorCode::permission_denied);
  EXPECT_EQ(desk.set_password(made->link_secret, "short").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(desk.set_password(made->link_secret, "olivia@example.com").error().code, ErrorCode::invalid_argument);
  auto set = desk.set_password(made->link_secret, password);
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_TRUE(set->password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << set->password_hash;
  EXPECT_EQ(desk.set_password(made->link_secret, "another long password").error().code,
            ErrorCode::failed_precondition);
  EXPECT_EQ(desk.set_password("msl_" + std::string(64, '0'), password).error().code, ErrorCode::failed_precondition);
  // A link runs out after 72 hours.
  auto late = desk.password_link("olivia@example.com");
  ASSERT_TRUE(late);
  clock.advance(73h);
  EXPECT_EQ(desk.set_password(late->link_secret, password).error().code, ErrorCode::failed_precondition);
  // Neither the password nor the link is anywhere in the store or the audit trail.
  std::string db = testing::read_file(dir / "maestro.db");
  EXPECT_EQ(db.find(password), std::string::npos);
  EXPECT_EQ(db.find(made->link_secret), std::string::npos);
  EXPECT_EQ(all_audit_details().find(password), std::string::npos);
}

TEST_F(OperatorsTest, SignInOpensASessionThatExpiresWhenIdleOrOld) {
  account();
  auto signed_in = desk.sign_in("OLIVIA@example.com", password, "192.0.2.7");
  ASSERT_TRUE(signed_in) << signed_in.error().message;
  EXPECT_EQ(signed_in->role, Role::operator_);
  EXPECT_TRUE(signed_in->secret.starts_with("mss_"));
  EXPECT_EQ(signed_in->session.csrf_token.size(), 64u);
  SessionLimits limits{30min, 2h};
  auto live = desk.session(signed_in->secret, limits);
  ASSERT_TRUE(live && *live);
  EXPECT_EQ((*live)->account.email, "olivia@example.com");
  EXPECT_EQ((*live)->session.csrf_token, signed_in->session.csrf_token);
  EXPECT_FALSE(*desk.session("mss_" + std::string(64, 'a'), limits));
  EXPECT_FALSE(*desk.session("garbage", limits));
  // Used every 20 minutes it lives until its absolute limit.
  for (int i = 0; i < 5; ++i) {
    clock.advance(20min);
    EXPECT_TRUE(*desk.session(signed_in->secret, limits)) << i;
  }
  clock.advance(20min);
  EXPECT_FALSE(*desk.session(signed_in->secret, limits));  // 2 h after sign-in
  auto again = desk.sign_in("olivia@example.com", password, "192.0.2.7");
  ASSERT_TRUE(again);
  clock.advance(31min);
  EXPECT_FALSE(*desk.session(again->secret, limits));  // idle too long
  auto third = desk.sign_in("olivia@example.com", password, "192.0.2.7");
  ASSERT_TRUE(desk.sign_out(third->secret));
  EXPECT_FALSE(*desk.session(third->secret, limits));
}

TEST_F(OperatorsTest, RepeatedFailuresLockTheAccountForAGrowingTime) {
  account();
  for (int i = 0; i < 5; ++i) {
    auto refused = desk.sign_in("olivia@example.com", "wrong password!", "192.0.2.7");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::permission_denied) << i;
  }
  // Locked now: even the right password is refused, saying until when.
  auto locked = desk.sign_in("olivia@example.com", password, "198.51.100.1");
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code, ErrorCode::failed_precondition);
  EXPECT_NE(locked.error().message.find("2026-03-02T09:01:00Z"), std::string::npos) << locked.error().message;
  clock.advance(61s);
  EXPECT_FALSE(desk.sign_in("olivia@example.com", "wrong again", "198.51.100.1"));  // the sixth: 2 minutes
  clock.advance(61s);
  EXPECT_EQ(desk.sign_in("olivia@example.com", password, "198.51.100.1").error().code, ErrorCode::failed_precondition);
  clock.advance(60s);
  EXPECT_TRUE(desk.sign_in("olivia@example.com", password, "198.51.100.1"));
  // A success resets the count.
  EXPECT_EQ(desk.sign_in("olivia@example.com", "wrong", "198.51.100.1").error().code, ErrorCode::permission_denied);
  EXPECT_EQ(store->operator_by_email("olivia@example.com")->value().failed_logins, 1);
}

TEST_F(OperatorsTest, OneClientTryingManyAccountsIsLockedOutToo) {
  account();
  for (int i = 0; i < 20; ++i) {
    auto refused = desk.sign_in("guess" + std::to_string(i) + "@example.com", "password123456", "203.0.113.9");
    EXPECT_EQ(refused.error().code, ErrorCode::permission_denied) << i;  // unknown and wrong answer alike
  }
  EXPECT_EQ(desk.sign_in("olivia@example.com", password, "203.0.113.9").error().code,
            ErrorCode::failed_precondition);
  EXPECT_TRUE(desk.sign_in("olivia@example.com", password, "192.0.2.7"));  // another client is not affected
  // The audit trail keeps a keyed hash of the address, never the address or the guessed emails.
  std::string audit = all_audit_details();
  EXPECT_EQ(audit.find("203.0.113.9"), std::string::npos);
  EXPECT_EQ(audit.find("guess"), std::string::npos);
  EXPECT_NE(audit.find("sign-in refused"), std::string::npos);
}

TEST_F(OperatorsTest, DisablingAnAccountEndsItsSessions) {
  account("olivia@example.com", Role::dpo);
  auto signed_in = desk.sign_in("olivia@example.com", password, "192.0.2.7");
  ASSERT_TRUE(signed_in);
  ASSERT_TRUE(desk.disable_operator("olivia@example.com"));
  EXPECT_FALSE(*desk.session(signed_in->secret, {}));
  EXPECT_EQ(desk.sign_in("olivia@example.com", password, "192.0.2.7").error().code, ErrorCode::permission_denied);
  EXPECT_EQ(desk.disable_operator("olivia@example.com").error().code, ErrorCode::failed_precondition);
  EXPECT_EQ(desk.disable_operator("nobody@example.com").error().code, ErrorCode::not_found);
  EXPECT_EQ(desk.password_link("olivia@example.com").error().code, ErrorCode::failed_precondition);
  auto accounts = desk.operators();
  ASSERT_EQ(accounts->size(), 1u);
  EXPECT_TRUE(accounts->at(0).disabled_at);
}

}  // namespace
}  // namespace maestro
