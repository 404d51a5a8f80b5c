// The work an operator starts on a case: each kind's parameters checked and sealed once.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "desk/case_jobs.hpp"
#include "store/sqlite_case_store.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

using testing::at;
using nlohmann::json;

class CaseJobsTest : public ::testing::Test {
 protected:
  CaseJobsTest()
      : keys(std::string(32, 'c')),
        clock(at("2026-03-02T09:00:00Z")),
        store(std::move(*open_sqlite_case_store(dir / "maestro.db", keys, true))),
        desk(*store, keys, testing::default_policy(), clock, "dpo") {
    IntakeRequest r;
    r.subjects = {"jane@example.com"};
    r.name = "Jane Example";
    r.rights = "rectification";
    r.jurisdiction = "gdpr";
    number = desk.intake(r)->c.number;
  }

  json parameters(const CaseJobRequest& request) {
    auto job = queue_case_job(desk, number, request);
    EXPECT_TRUE(job) << (job ? "" : job.error().message);
    if (!job) return {};
    EXPECT_EQ(job->case_number, number);
    EXPECT_EQ(job->kind, request.kind);
    return json::parse(*desk.job_parameters(*job));
  }

  ErrorCode refusal(const CaseJobRequest& request) {
    auto job = queue_case_job(desk, number, request);
    EXPECT_FALSE(job);
    return job ? ErrorCode::internal : job.error().code;
  }

  testing::TempDir dir;
  SecretKeyRing keys;
  FixedClock clock;
  std::unique_ptr<CaseStore> store;
  Desk desk;
  std::string number;
};

TEST_F(CaseJobsTest, EachKindCarriesOnlyItsOwnParameters) {
  EXPECT_EQ(parameters({.kind = "locate"}), json({{"case", number}}));
  EXPECT_EQ(parameters({.kind = "export", .destination = "s3://b/p/"}),
            json({{"case", number}, {"destination", "s3://b/p/"}, {"notify", false}}));  // formats: the requester's
  EXPECT_EQ(parameters({.kind = "export", .destination = "s3://b/p/", .formats = "json,pdf"})["formats"], "json,pdf");
  EXPECT_EQ(parameters({.kind = "rectify", .tenants = {"eu"}, .corrections = {"customers.phone=+44 1"}}),
            json({{"case", number}, {"tenants", {"eu"}}, {"corrections", {"customers.phone=+44 1"}}}));
  EXPECT_EQ(parameters({.kind = "restrict", .lift = true}), json({{"case", number}, {"lift", true}}));
  EXPECT_EQ(parameters({.kind = "object"}), json({{"case", number}, {"lift", false}}));
  EXPECT_EQ(parameters({.kind = "erase"}), json({{"case", number}}));
}

TEST_F(CaseJobsTest, WrongOrMisplacedParametersAreRefusedAndNothingIsQueued) {
  EXPECT_EQ(refusal({.kind = "sweep"}), ErrorCode::invalid_argument);  // not work on a case
  EXPECT_EQ(refusal({.kind = "export"}), ErrorCode::invalid_argument);  // no destination
  EXPECT_EQ(refusal({.kind = "locate", .destination = "x/"}), ErrorCode::invalid_argument);
  EXPECT_EQ(refusal({.kind = "erase", .lift = true}), ErrorCode::invalid_argument);
  EXPECT_EQ(refusal({.kind = "export", .destination = "x/", .corrections = {"a.b=c"}}), ErrorCode::invalid_argument);
  EXPECT_EQ(refusal({.kind = "rectify"}), ErrorCode::invalid_argument);
  for (const char* bad : {"phone=1", ".phone=1", "customers.=1", "customers.phone", "customers=a.b"})
    EXPECT_EQ(refusal({.kind = "rectify", .corrections = {bad}}), ErrorCode::invalid_argument) << bad;
  auto unknown = queue_case_job(desk, "DSAR-2026-999", {.kind = "locate"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_TRUE(desk.jobs("", "", 10)->empty());
}

TEST_F(CaseJobsTest, ACorrectionIsSealedInTheStoreAndAKeyQueuesItOnce) {
  CaseJobRequest request{.kind = "rectify", .corrections = {"customers.phone=+44 20 7946 0000"},
                         .idempotency_key = "fix-1"};
  auto first = queue_case_job(desk, number, request);
  auto second = queue_case_job(desk, number, request);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(first->sealed_parameters.find("7946"), std::string::npos);  // sealed, not plain text
}

}  // namespace
}  // namespace maestro
