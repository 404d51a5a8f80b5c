// Reading DROP downloads: the lists, the removed identifiers, and every way a download can be
// wrong, each named by file and row.
#include "drop/drop_lists.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.hpp"

namespace maestro {
namespace {

const char* k_hash_a = "vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E=";
const char* k_hash_b = "ptzVkgbv9DonwvPCHmXmJ2SEOaolSh37z3ZzY/Gmm+U=";

class DropLists : public ::testing::Test {
 protected:
  Result<DropDownload> read(const std::vector<std::pair<std::string, std::string>>& files) {
    testing::write_zip(dir / "download.zip", files);
    return read_drop_download(dir / "download.zip", rules);
  }
  std::string error_of(const std::vector<std::pair<std::string, std::string>>& files) {
    auto r = read(files);
    EXPECT_FALSE(r);
    return r ? "" : r.error().message;
  }
  testing::TempDir dir;
  DropRules rules = *DropRules::load(std::nullopt);
};

TEST_F(DropLists, ADownloadHoldsOneCsvPerListAndTheRemovedIdentifiers) {
  auto d = read({{"20261101_B1234_Email.csv", std::string("\xEF\xBB\xBFID,Hash\r\nE-1,") + k_hash_a + "\r\nE-2," + k_hash_b + "\r\n"},
                 {"20261101_B1234_Phone_part1.csv", std::string("Hash,ID\n") + k_hash_b + ",P-1\n"},
                 {"20261101_B1234_MAID.csv", "ID,Hash\n"},  // an empty list: headers only
                 {"20261101_B1234_Removed.csv", "ID\nE-0\n"}});
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->files.size(), 4u);
  EXPECT_EQ(d->files[0].date, "20261101");
  EXPECT_EQ(d->files[0].broker, "B1234");
  ASSERT_EQ(d->items.size(), 3u);
  EXPECT_EQ(d->items[0].id, "E-1");
  EXPECT_EQ(d->items[0].list, "Email");
  EXPECT_EQ(d->items[0].hash, k_hash_a);
  EXPECT_EQ(d->items[2].list, "Phone");
  EXPECT_EQ(d->items[2].hash, k_hash_b);
  EXPECT_EQ(d->removed_ids, std::vector<std::string>{"E-0"});
}

TEST_F(DropLists, EveryWrongDownloadNamesTheFileAndRow) {
  EXPECT_NE(error_of({{"20261101_B1234_Email.csv", std::string("ID,Hash\nE-1,") + k_hash_a + "\nE-2,abc\n"}})
                .find("download.zip: 20261101_B1234_Email.csv row 3: the hash is not 44 Base64 characters"),
            std::string::npos);
  EXPECT_NE(error_of({{"20261101_B1234_Email.csv", std::string("ID,Hash\n,") + k_hash_a + "\n"}})
                .find("row 2: the work item ID is empty"),
            std::string::npos);
  EXPECT_NE(error_of({{"20261101_B1234_Email.csv", "ID,Hash\nE-1\n"}}).find("row 2: has 1 cells"), std::string::npos);
  EXPECT_NE(error_of({{"20261101_B1234_Email.csv", "Identifier,Hash\n"}}).find("row 1: the header needs the columns ID and Hash"),
            std::string::npos);
  EXPECT_NE(error_of({{"emails.csv", "ID,Hash\n"}}).find("emails.csv: not a DROP list file name"), std::string::npos);
  EXPECT_NE(error_of({{"20261101_B1234_Shoes.csv", "ID,Hash\n"}}).find("unknown list type 'Shoes'"), std::string::npos);
  EXPECT_NE(error_of({{"20261101_B1234_Email.csv", std::string("ID,Hash\nE=1,") + k_hash_a + "\n"}})
                .find("row 2: the work item ID holds characters"),
            std::string::npos);
  EXPECT_NE(error_of({{"20261101_B1234_Email.csv", std::string("ID,Hash\nE-1,") + k_hash_a + "\n"},
                      {"20261101_B1234_Phone.csv", std::string("ID,Hash\nE-1,") + k_hash_b + "\n"}})
                .find("work item ID E-1 appears twice"),
            std::string::npos);
  EXPECT_NE(error_of({{"20261101_B1234_Email.csv", ""}}).find("the file is empty"), std::string::npos);

  std::ofstream(dir / "not-a.zip") << "PK but not really";
  auto garbage = read_drop_download(dir / "not-a.zip", rules);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("not a readable ZIP"), std::string::npos) << garbage.error().message;
}

TEST_F(DropLists, TheStatusFileHasTheHeaderAndOneRowPerItem) {
  ASSERT_TRUE(write_drop_status_file(dir / "status.csv", rules, {{"E-1", 3}, {"E-2", 5}}));
  EXPECT_EQ(testing::read_file(dir / "status.csv"), "ID,Status\r\nE-1,3\r\nE-2,5\r\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "status.csv.partial"));
}

}  // namespace
}  // namespace maestro
