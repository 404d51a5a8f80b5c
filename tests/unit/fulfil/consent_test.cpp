// Consent requests by identifier (fulfil/consent.cpp): which requests go out for which person,
// what a preview counts, and that one system's failure leaves the others sent. The stores here
// record what they are sent; the real HTTP connector against an API stand-in is tested in
// tests/e2e/http_connector_test.cpp (PrivacyApi).
#include "fulfil/consent.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

HttpRequestSpec by(const std::string& path, const std::string& kind, bool skippable = false) {
  HttpRequestSpec r;
  r.method = "POST";
  r.path = path;
  r.params.push_back({"id", "id", kind, false});
  r.skip_missing_param_values = skippable;
  return r;
}

// Records the rows it is sent; refuses everything when `refuse` is set.
class RecordingStore final : public Connector {
 public:
  RecordingStore(std::vector<std::string>& sent, bool refuse) : m_sent(sent), m_refuse(refuse) {}
  Status find(const Collection&, const std::string&, const std::vector<std::string>&, const RecordVisitor&) override {
    return {};
  }
  Status scan(const Collection&, const RecordVisitor&) override { return {}; }
  Result<ApplyCounts> apply(const std::vector<CollectionChanges>&) override { return ApplyCounts{}; }
  Result<bool> send_by_identifier(const HttpRequestSpec& request, const RowChange& row) override {
    if (m_refuse) return fail(ErrorCode::unavailable, request.path + ": the API answered 500");
    m_sent.push_back(request.path + " " + row.key);
    return true;
  }

 private:
  std::vector<std::string>& m_sent;
  bool m_refuse;
};

class Consent : public ::testing::Test {
 protected:
  Consent() {
    System mail{"mail", "", "", {}, {}, {}};
    mail.store.type = "http";
    mail.store.settings["name"] = "mail";
    mail.store.opt_out_requests = {by("/suppress", "email"), by("/suppress-phone", "phone_number", true)};
    mail.store.opt_in_requests = {by("/unsuppress", "email")};
    System ads = mail;
    ads.name = "ads";
    ads.store.settings["name"] = "ads";
    ads.store.opt_out_requests = {by("/user-deletion", "ga_client_id", true)};
    ads.store.opt_in_requests.clear();
    map.systems = {mail, ads};
  }
  ConnectorOpener opener() {
    return [this](const StoreSpec& store, std::string_view) -> Result<std::unique_ptr<Connector>> {
      ++opened;
      return std::unique_ptr<Connector>(
          std::make_unique<RecordingStore>(sent, refusing.contains(store.settings.at("name"))));
    };
  }
  DataMap map;
  std::vector<std::string> sent;
  std::set<std::string> refusing;
  int opened = 0;
  std::vector<SubjectIdentifier> jane{{"email", "jane@example.com"}, {"email", "j@example.org"}, {"ga_client_id", "GA1.2.3"}};
};

TEST_F(Consent, AnOptOutGoesToEverySystemWithEachOfThePersonsValuesAndSkipsMissingKinds) {
  auto out = send_consent(map, jane, ConsentChoice::opt_out, false, opener());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].system, "mail");
  EXPECT_EQ(out[0].sent, 2u);     // one per email
  EXPECT_EQ(out[0].skipped, 1u);  // no phone number
  EXPECT_EQ(out[1].sent, 1u);
  EXPECT_EQ(sent, (std::vector<std::string>{"/suppress jane@example.com", "/suppress j@example.org",
                                            "/user-deletion GA1.2.3"}));
}

TEST_F(Consent, APreviewCountsAndSendsNothingAndAnOptInGoesOnlyWhereThereIsOne) {
  auto preview = send_consent(map, jane, ConsentChoice::opt_out, true, opener());
  EXPECT_EQ(preview[0].sent, 2u);
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(opened, 0);
  auto opt_in = send_consent(map, jane, ConsentChoice::opt_in, false, opener());
  ASSERT_EQ(opt_in.size(), 1u);
  EXPECT_EQ(systems_taking_consent(map, ConsentChoice::opt_in).size(), 1u);
  EXPECT_EQ(sent, (std::vector<std::string>{"/unsuppress jane@example.com", "/unsuppress j@example.org"}));
}

TEST_F(Consent, ASystemThatRefusesIsReportedAndTheOthersAreStillSent) {
  refusing.insert("mail");
  auto out = send_consent(map, jane, ConsentChoice::opt_out, false, opener());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].failure.find("answered 500"), std::string::npos);
  EXPECT_EQ(out[0].sent, 0u);
  EXPECT_TRUE(out[1].failure.empty());
  EXPECT_EQ(sent, (std::vector<std::string>{"/user-deletion GA1.2.3"}));
}

}  // namespace
}  // namespace maestro
