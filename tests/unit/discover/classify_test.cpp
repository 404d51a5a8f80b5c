#include <gtest/gtest.h>

#include "discover/classify.hpp"

namespace maestro {
namespace {

ColumnSample sample(std::string name, std::vector<std::string> values) {
  ColumnSample s{std::move(name), "t", "TEXT", std::move(values), 0};
  s.distinct = std::set<std::string>(s.values.begin(), s.values.end()).size();
  return s;
}

TEST(Classify, EachDetectorKnowsItsValuesAndRefusesLookAlikes) {
  EXPECT_TRUE(looks_like_email("luisg@embraer.com.br"));
  EXPECT_FALSE(looks_like_email("not an email"));
  EXPECT_FALSE(looks_like_email("user@localhost"));
  EXPECT_TRUE(looks_like_phone("+55 (12) 3923-5555"));
  EXPECT_TRUE(looks_like_phone("+49 0711 2842222"));
  EXPECT_TRUE(looks_like_phone("555-010-2345"));
  EXPECT_TRUE(looks_like_phone("020 7946 0958"));
  EXPECT_FALSE(looks_like_phone("2024-000123-07"));  // an order number
  EXPECT_FALSE(looks_like_phone("1234567890"));      // a plain number
  EXPECT_FALSE(looks_like_phone("12.50"));
  EXPECT_FALSE(looks_like_phone("2026-01-05"));      // a date
  EXPECT_TRUE(looks_like_ipv4("192.168.10.254"));
  EXPECT_FALSE(looks_like_ipv4("1.2.3.4"));  // a version string
  EXPECT_FALSE(looks_like_ipv4("300.1.1.1"));
  EXPECT_TRUE(looks_like_ipv6("2001:db8::8a2e:370:7334"));
  EXPECT_FALSE(looks_like_ipv6("12:30"));
  EXPECT_TRUE(looks_like_payment_card("4111 1111 1111 1111"));
  EXPECT_TRUE(looks_like_payment_card("5500-0000-0000-0004"));
  EXPECT_FALSE(looks_like_payment_card("4111 1111 1111 1112"));  // fails Luhn
  EXPECT_FALSE(looks_like_payment_card("9999 9999 9999 9995"));  // no brand
  EXPECT_TRUE(looks_like_iban("DE89 3704 0044 0532 0130 00"));
  EXPECT_TRUE(looks_like_iban("GB82WEST12345698765432"));
  EXPECT_FALSE(looks_like_iban("GB82WEST12345698765433"));  // wrong check digits
  EXPECT_TRUE(looks_like_postal_code("SW1A 1AA"));
  EXPECT_TRUE(looks_like_postal_code("T6G 2C7"));
  EXPECT_TRUE(looks_like_postal_code("1016 AB"));
  EXPECT_FALSE(looks_like_postal_code("ABC"));
  EXPECT_TRUE(looks_like_date("1962-02-18 00:00:00"));
  EXPECT_TRUE(holds_email_or_phone("Please call me on +44 20 7946 0958 tomorrow"));
  EXPECT_TRUE(holds_email_or_phone("write to jane@example.com about it"));
  EXPECT_FALSE(holds_email_or_phone("The parcel arrived damaged, order 2024-000123"));
}

TEST(Classify, AColumnIsJudgedByMostOfItsValuesThenByItsName) {
  const auto& names = given_names();
  ASSERT_GT(names.size(), 300u);
  auto email = classify_column(sample("contact", {"a@example.com", "b@example.org", "c@example.net", "n/a"}), names);
  ASSERT_TRUE(email);
  EXPECT_EQ(email->category, "user.contact.email");
  EXPECT_EQ(email->matched, 3u);
  EXPECT_EQ(email->sampled, 4u);
  EXPECT_EQ(email->evidence, "3/4 values look like email addresses");
  EXPECT_NE(email->evidence.find("3/4"), std::string::npos);
  // A column of given names; a column of band names is not one.
  auto first = classify_column(sample("FirstName", {"Luís", "Leonie", "François", "Bjørn", "Zed"}), names);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->category, "user.name");
  EXPECT_FALSE(classify_column(sample("Name", {"AC/DC", "Accept", "Aerosmith", "Led Zeppelin", "Metallica"}), names));
  // Versions are not IP addresses, even four-part ones, and order numbers are not phones.
  EXPECT_FALSE(classify_column(sample("version", {"10.2.0.1", "10.2.0.2", "11.0.1.4"}), names));
  EXPECT_FALSE(classify_column(sample("build", {"1.2.3.4", "2.0.0.1"}), names));
  EXPECT_FALSE(classify_column(sample("order_number", {"2024-000123-07", "2024-000124-01", "2024-000125-03"}), names));
  auto ip = classify_column(sample("seen_from", {"203.0.113.7", "198.51.100.23", "2001:db8::1"}), names);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->category, "user.device.ip_address");
  // Free text that holds contact details somewhere.
  auto text = classify_column(sample("body", {"The parcel arrived damaged, please refund it soon",
                                              "Call me back on +44 20 7946 0958 after six please",
                                              "It is fine now, thank you for the quick help"}),
                              names);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->category, "user.content.private");
  EXPECT_EQ(text->matched, 1u);
  // The name alone, with a lower confidence and saying so.
  auto city = classify_column(sample("BillingCity", {"Paris", "Oslo"}), names);
  ASSERT_TRUE(city);
  EXPECT_EQ(city->category, "user.contact.address.city");
  EXPECT_EQ(city->evidence, "its name says city");
  EXPECT_LT(city->confidence, 0.7);
  EXPECT_FALSE(classify_column(sample("Total", {"1.98", "3.96"}), names));
  // A key pointing at an address is not an address; a card's code is its security code.
  EXPECT_FALSE(classify_column(sample("shipping_address_id", {"1", "2"}), names));
  ColumnSample code{"code", "payment_card", "SMALLINT", {"321", "123"}, 2};
  ASSERT_TRUE(classify_column(code, names));
  EXPECT_EQ(classify_column(code, names)->category, "user.financial.credit_card");
  code.table = "discount";
  EXPECT_FALSE(classify_column(code, names));
}

TEST(Classify, LogLinesAreJudgedByTheIdentifiersAnywhereInThem) {
  auto ssh = classify_log_lines({"Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for root from 173.234.31.186 port 38926",
                                 "Dec 10 06:55:48 LabSZ sshd[24200]: Connection closed by 212.47.254.145 [preauth]",
                                 "Dec 10 06:55:49 LabSZ sshd[24201]: pam_unix(sshd:session): session opened",
                                 "mail for jane.doe@example.com queued, call +44 20 7946 0958 if late"});
  ASSERT_TRUE(ssh);
  EXPECT_EQ(ssh->category, "user.device.ip_address");
  EXPECT_EQ(ssh->evidence, "2/4 lines hold an IP address, 1 an email address, 1 a phone number");
  EXPECT_EQ(ssh->also, (std::vector<std::string>{"user.contact.email", "user.contact.phone_number"}));
  // Versions, counters, times and order numbers are nobody's.
  EXPECT_FALSE(classify_log_lines({"built with toolchain 1.4.0.2 in 12:30:45, step 3 of 12",
                                   "order 2024-000123 shipped, build 2.0.1.0", "uptime 10:20:30 load 0.15"}));
  EXPECT_TRUE(classify_log_lines({"client [2001:db8::1]:443 refused"}));
  EXPECT_TRUE(classify_log_lines({"from 10.20.30.40:22"}));
}

}  // namespace
}  // namespace maestro
