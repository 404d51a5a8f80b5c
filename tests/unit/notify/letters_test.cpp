// Letters from templates, and the RFC 5322 form of a message.
#include "notify/letters.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "notify/mailer.hpp"
#include "support/test_support.hpp"

namespace maestro {
namespace {

LetterFields case_fields() {
  LetterFields f;
  f.values = {{"case_number", "DSAR-2026-001"}, {"subject_name", "Jane <Example>"},
              {"received_date", "2026-03-02"},  {"legal_due", "2026-04-02"},
              {"rights_text", "access"},        {"organisation", "Example Ltd"},
              {"dpo_email", "dpo@example.com"}, {"authority", "the ICO"}};
  return f;
}

TEST(Letters, EveryLetterHasATemplateWithASubject) {
  for (const auto& name : letter_names()) {
    auto l = render_letter(name, "en", case_fields(), std::nullopt);
    ASSERT_TRUE(l) << name << ": " << l.error().message;
    EXPECT_NE(l->subject.find("DSAR-2026-001"), std::string::npos) << name;
    EXPECT_FALSE(l->body.empty()) << name;
    EXPECT_EQ(l->body.find("{{"), std::string::npos) << name;
  }
}

TEST(Letters, TemplateAFollowsSeed001AndNothingIsHtmlEscaped) {
  auto l = render_letter("acknowledgement", "en", case_fields(), std::nullopt);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->subject, "DSAR Received [Case #DSAR-2026-001]");
  EXPECT_NE(l->body.find("Dear Jane <Example>,"), std::string::npos);
  EXPECT_NE(l->body.find("we received on 2026-03-02"), std::string::npos);
}

TEST(Letters, TheDeletionConfirmationListsWhatIsKept) {
  LetterFields f = case_fields();
  auto none = render_letter("deletion-confirmation", "en", f, std::nullopt);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->body.find("must be kept"), std::string::npos);
  f.lists["retained"] = {
      {{"records", "3"}, {"collection", "shop.orders"}, {"reason", "Tax law"}, {"erasable_from", "2033-03-16"}}};
  auto kept = render_letter("deletion-confirmation", "en", f, std::nullopt);
  ASSERT_TRUE(kept);
  EXPECT_NE(kept->body.find("- 3 record(s) of shop.orders: Tax law. They will be erased from 2033-03-16."),
            std::string::npos);
}

TEST(Letters, AnOperatorsTemplateAndLanguageWin_EnglishIsTheFallback) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "de");
  std::ofstream(dir / "de/acknowledgement.mustache")
      << "Subject: Eingang bestätigt [{{case_number}}]\n\nHallo {{subject_name}}\n";
  auto de = render_letter("acknowledgement", "de", case_fields(), dir.path());
  ASSERT_TRUE(de);
  EXPECT_EQ(de->subject, "Eingang bestätigt [DSAR-2026-001]");
  auto fallback = render_letter("refusal", "de", case_fields(), dir.path());
  ASSERT_TRUE(fallback);
  EXPECT_EQ(fallback->subject, "About your request [Case #DSAR-2026-001]");
}

TEST(Letters, BadNamesLanguagesAndTemplatesAreRefused) {
  EXPECT_EQ(render_letter("ransom-note", "en", {}, std::nullopt).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(render_letter("refusal", "../../etc", {}, std::nullopt).error().code, ErrorCode::invalid_argument);
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "en");
  std::ofstream(dir / "en/refusal.mustache") << "no subject line\n";
  EXPECT_EQ(render_letter("refusal", "en", {}, dir.path()).error().code, ErrorCode::invalid_argument);
}

TEST(Rfc5322, HeadersCannotBeInjectedAndUtf8SubjectsAreEncoded) {
  MailMessage m{
      "dpo@example.com", "jane@example.com\r\nBcc: evil@example.com", "Ihre Anfrage – erledigt", "line one\nline two",
      "id-1@maestro",    testing::at("2026-03-02T09:00:00Z")};
  std::string text = format_rfc5322(m);
  EXPECT_EQ(text.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(text.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(text.find("Date: Mon, 02 Mar 2026 09:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(text.find("\r\n\r\nline one\r\nline two\r\n"), std::string::npos);
}

TEST(EmlMailer, WritesAPrivateFile) {
  testing::TempDir dir;
  auto mailer = make_eml_mailer(dir / "outbox");
  ASSERT_TRUE(mailer->send({"a@example.com", "b@example.com", "S", "B", "m/1@x", testing::at("2026-03-02T09:00:00Z")}));
  EXPECT_FALSE(mailer->delivers());
  auto file = dir / "outbox/m_1_x.eml";
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST(SmtpMailer, AServerThatIsNotThereIsUnavailable) {
  auto mailer = make_smtp_mailer({"smtp://127.0.0.1:1", "none", "", "", 5});
  auto sent = mailer->send({"a@example.com", "b@example.com", "S", "B", "m1@x", testing::at("2026-03-02T09:00:00Z")});
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::unavailable);
}

}  // namespace
}  // namespace maestro
