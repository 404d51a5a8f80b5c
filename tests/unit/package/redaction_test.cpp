// Other people's names, emails and phone numbers in the requester's text (Art. 15(4)).
#include "package/redaction.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

const std::string k_marker(k_redaction_marker);

Redactor jane() {
  Redactor r({{"email", "jane@example.com"}, {"phone", "+442079461001"}}, {});
  r.learn_own("Jane Example");
  return r;
}

TEST(Redaction, OtherPeoplesEmailsAndPhonesGoTheRequestersStay) {
  Redactor r = jane();
  std::vector<Redaction> found;
  std::string out = r.redact("Mail Jane@Example.com or bob@other.org. Call 020 7946 1001, not +1 (555) 010-2345.",
                             "t.body", [&](const Redaction& x) { found.push_back(x); });
  EXPECT_EQ(out, "Mail Jane@Example.com or " + k_marker + ". Call 020 7946 1001, not " + k_marker + ".");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].kind, "email");
  EXPECT_EQ(found[0].value, "bob@other.org");
  EXPECT_EQ(found[1].kind, "phone");
  EXPECT_EQ(found[1].value, "+1 (555) 010-2345");
  EXPECT_NE(found[1].before.find("+1 (555) 010-2345"), std::string::npos);
  EXPECT_NE(found[1].after.find(k_marker), std::string::npos);
  EXPECT_EQ(found[1].field, "t.body");
}

TEST(Redaction, NumbersThatAreNotPhoneNumbersStay) {
  Redactor r = jane();
  for (const char* text :
       {"Order 123456789012 shipped", "On 2026-03-02 at 10:00", "From 192.168.100.200", "Version 1.2.3456789",
        "Total 1234.56", "Ref ABC-123-456-789", "ID 4111111111111111x", "Between 2020-2021"}) {
    EXPECT_EQ(r.redact(text, "f", {}), text) << text;
  }
}

TEST(Redaction, KnownNamesAreRedactedAsWholeWordsInAnyScript) {
  Redactor r = jane();
  r.learn_other("Bob Other");
  r.learn_other("Иван Петров");
  r.learn_other("42");            // an id, not a name
  r.learn_other("Jane Example");  // the requester's own name is never redacted
  EXPECT_EQ(
      r.redact("Bob Other and bob other met Иван Петров; Bobby Otherton did not. Jane Example was there.", "f", {}),
      k_marker + " and " + k_marker + " met " + k_marker + "; Bobby Otherton did not. Jane Example was there.");
  EXPECT_EQ(r.redact("Ticket 42", "f", {}), "Ticket 42");
}

TEST(Redaction, AnAddressOrNumberThatIsAWholeValueOfTheirOwnRecordsIsTheirs) {
  Redactor r({{"email", "jane@example.com"}}, {});
  r.learn_own_if_contact("+44 7700 900123");                    // their mobile, in a field of any category
  r.learn_own_if_contact("Call bob@other.org on +1 555 0100");  // free text teaches nothing
  EXPECT_EQ(r.redact("+44 7700 900123", "f", {}), "+44 7700 900123");
  EXPECT_EQ(r.redact("my mobile 07700 900123, Bob's bob@other.org", "f", {}),
            "my mobile 07700 900123, Bob's " + k_marker);
}

TEST(Redaction, ARestoredValueStaysButIsStillLookedUp) {
  Redactor r({{"email", "jane@example.com"}}, {"bob@other.org"});
  EXPECT_EQ(r.redact("cc bob@other.org", "f", {}), "cc bob@other.org");
  std::set<std::string> emails, phones;
  r.other_contacts("cc bob@other.org and jane@example.com, +44 20 7946 2002", emails, phones);
  EXPECT_EQ(emails, std::set<std::string>{"bob@other.org"});
  EXPECT_EQ(phones, std::set<std::string>{"+44 20 7946 2002"});
}

}  // namespace
}  // namespace maestro
