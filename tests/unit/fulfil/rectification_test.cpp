// Corrections: parsing against the map, planning, and reading the result back.
#include "fulfil/rectification.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

class Rectify : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir / "logs");
    std::ofstream(dir / "logs/app.jsonl") << "{\"email\":\"jane@example.com\",\"city\":\"Leeds\"}\n"
                                          << "{\"email\":\"john@example.com\",\"city\":\"York\"}\n";
    std::ofstream(dir / "datamap.yaml") << R"(systems:
  - name: web
    store: {type: jsonl, path: logs}
    collections:
      - name: profile
        source: "*.jsonl"
        recipients: [Mailing service]
        fields:
          - {name: email, categories: [user.contact.email], identity: email}
          - {name: city, categories: [user.contact.address.city]}
)";
    auto loaded = load_data_map(dir / "datamap.yaml");
    ASSERT_TRUE(loaded) << loaded.error().message;
    map = std::move(*loaded);
  }
  testing::TempDir dir;
  DataMap map;
  std::vector<SubjectIdentifier> ids{{"email", "jane@example.com"}};
};

TEST_F(Rectify, CorrectionsNameAFieldOfACollection) {
  auto ok = parse_corrections(map, {"profile.city=Bradford", "web.profile.email=jane@new.example"});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)[0].collection, "web.profile");
  EXPECT_EQ((*ok)[0].field, "city");
  EXPECT_EQ((*ok)[1].value, "jane@new.example");
  EXPECT_FALSE(parse_corrections(map, {}));
  EXPECT_FALSE(parse_corrections(map, {"city=Bradford"}));
  EXPECT_FALSE(parse_corrections(map, {"profile.nope=x"}));
  EXPECT_FALSE(parse_corrections(map, {"profile.city=two\nlines"}));
  EXPECT_EQ(recipients_to_notify(map, *ok), std::vector<std::string>{"Mailing service"});
}

TEST_F(Rectify, AFileRecordIsCorrectedEvenWhenItsKeyChanges) {
  auto corrections = parse_corrections(map, {"profile.city=Bradford", "profile.email=jane@new.example"});
  ASSERT_TRUE(corrections);
  auto plan = plan_rectification(map, ids, {}, *corrections);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->steps.size(), 1u);
  ASSERT_TRUE(execute_step(map, plan->steps[0]));
  EXPECT_EQ(
      testing::read_file(dir / "logs/app.jsonl"),
      "{\"email\":\"jane@new.example\",\"city\":\"Bradford\"}\n{\"email\":\"john@example.com\",\"city\":\"York\"}\n");
  auto proof = prove_rectification(map, *plan);
  ASSERT_TRUE(proof) << proof.error().message;
  EXPECT_TRUE(proof->clean());
  EXPECT_EQ(proof->verified_rows, 1u);
}

TEST_F(Rectify, TheProofNoticesARowThatWasNotCorrected) {
  auto plan = plan_rectification(map, ids, {}, *parse_corrections(map, {"profile.city=Bradford"}));
  ASSERT_TRUE(plan);
  auto proof = prove_rectification(map, *plan);  // not executed
  ASSERT_TRUE(proof);
  EXPECT_FALSE(proof->clean());
  EXPECT_EQ(proof->wrong, 1u);
}

}  // namespace
}  // namespace maestro
