#include "connectors/object_parts.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

ObjectQuestion sample() {
  ObjectQuestion q;
  q.store.type = "s3";
  q.store.settings = {{"bucket", "acme-logs"}, {"prefix", "web/"}, {"format", "jsonl"}};
  q.collection = "clicks";
  q.tokens = {"jane@example.com", "+44 20 7946 0000"};
  q.tokens_by_kind = true;
  q.always_bytes = "\\";
  q.objects = {{"web/a.jsonl", 10, "\"e1\""}, {"web/b.jsonl.gz", 20, "\"e2\""}};
  return q;
}

TEST(ObjectParts, AQuestionTravelsAsJsonUnchanged) {
  ObjectQuestion q = sample();
  auto back = question_from_json(question_json(q));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->store.type, "s3");
  EXPECT_EQ(back->store.settings, q.store.settings);
  EXPECT_EQ(back->collection, "clicks");
  EXPECT_EQ(back->tokens, q.tokens);
  EXPECT_TRUE(back->tokens_by_kind);
  EXPECT_EQ(back->always_bytes, "\\");
  ASSERT_EQ(back->objects.size(), 2u);
  EXPECT_EQ(back->objects[1].key, "web/b.jsonl.gz");
  EXPECT_EQ(back->objects[1].size, 20u);
  EXPECT_EQ(back->objects[1].etag, "\"e2\"");
}

TEST(ObjectParts, ParametersOfAnotherShapeOrStoreAreRefused) {
  EXPECT_EQ(question_from_json("not json").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(question_from_json("{}").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(question_from_json(R"({"store":{"type":"s3","settings":{}},"collection":1})").error().code,
            ErrorCode::invalid_argument);
  ObjectQuestion other = sample();
  other.store.type = "sqlite";
  auto refused = question_from_json(question_json(other));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("s3"), std::string::npos);
}

class Recording final : public ObjectPartSplitter {
 public:
  Result<std::vector<bool>> objects_holding(const ObjectQuestion& q, std::size_t) override {
    return std::vector<bool>(q.objects.size(), true);
  }
};

TEST(ObjectParts, AScopeSetsTheThreadsSplitterAndRestoresTheOneBefore) {
  EXPECT_EQ(object_part_splitter(), nullptr);
  Recording outer, inner;
  {
    ObjectPartScope a(&outer);
    EXPECT_EQ(object_part_splitter(), &outer);
    {
      ObjectPartScope b(&inner);
      EXPECT_EQ(object_part_splitter(), &inner);
    }
    EXPECT_EQ(object_part_splitter(), &outer);
  }
  EXPECT_EQ(object_part_splitter(), nullptr);
}

}  // namespace
}  // namespace maestro
