// Letters from templates, and the RFC 5322 form of a message.
#include "notify/letters.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "config/embedded.hpp"
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

// The {{names}} (and {{#sections}}) a template uses.
std::set<std::string> placeholders(std::string_view text) {
  std::set<std::string> out;
  for (std::size_t open = text.find("{{"); open != std::string_view::npos; open = text.find("{{", open + 2)) {
    std::size_t close = text.find("}}", open);
    if (close == std::string_view::npos) break;
    std::string name(text.substr(open + 2, close - open - 2));
    if (!name.empty() && (name[0] == '#' || name[0] == '^' || name[0] == '/')) name = name.substr(1);
    out.insert(name);
  }
  return out;
}

// Every translation uses exactly the placeholders of the English letter (nothing the letter
// gives is lost, nothing it does not give is asked for), and every letter renders in every
// language (a language without a translation of a letter falls back to English).
TEST(Letters, EveryLanguageUsesTheEnglishPlaceholdersAndRenders) {
  std::map<std::string, std::map<std::string, std::string>> by_language;  // language -> letter -> text
  for (const auto& f : embedded::files()) {
    std::string_view name = f.name;
    if (!name.starts_with("templates/") || !name.ends_with(".mustache")) continue;
    auto slash = name.find('/', 10);
    by_language[std::string(name.substr(10, slash - 10))]
               [std::string(name.substr(slash + 1, name.size() - slash - 1 - 9))] = std::string(f.content);
  }
  ASSERT_TRUE(by_language.contains("de"));
  for (const auto& [language, letters] : by_language) {
    for (const auto& [letter, text] : letters) {
      ASSERT_TRUE(by_language["en"].contains(letter)) << language << "/" << letter << " has no English original";
      EXPECT_EQ(placeholders(text), placeholders(by_language["en"][letter])) << language << "/" << letter;
    }
  }
  for (const char* language : {"en", "de", "fr", "es", "nl", "pt-br"}) {
    for (const auto& name : letter_names()) {
      auto l = render_letter(name, language, case_fields(), std::nullopt);
      ASSERT_TRUE(l) << language << "/" << name << ": " << l.error().message;
      EXPECT_NE(l->subject.find("DSAR-2026-001"), std::string::npos) << language << "/" << name;
    }
  }
  auto german = render_letter("acknowledgement", "de", case_fields(), std::nullopt);
  EXPECT_NE(german->body.find("wir bestätigen den Eingang Ihrer Anfrage"), std::string::npos) << german->body;
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
  // A letter the operator did not translate: the built-in translation, else English.
  auto built_in = render_letter("refusal", "de", case_fields(), dir.path());
  ASSERT_TRUE(built_in);
  EXPECT_EQ(built_in->subject, "Zu Ihrer Anfrage [Vorgang #DSAR-2026-001]");
  auto fallback = render_letter("manual-task", "de", case_fields(), dir.path());
  ASSERT_TRUE(fallback);
  EXPECT_NE(fallback->subject.find("Action needed"), std::string::npos) << fallback->subject;
}

TEST(Letters, BadNamesLanguagesAndTemplatesAreRefused) {
  EXPECT_EQ(render_letter("ransom-note", "en", {}, std::nullopt).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(render_letter("refusal", "../../etc", {}, std::nullopt).error().code, ErrorCode::invalid_argument);
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "en");
  std::ofstream(dir / "en/refusal.mustache") << "no subject line\n";
  EXPECT_EQ(render_letter("refusal", "en", {}, dir.path()).error().code, ErrorCode::invalid_argument);
}

// Placeholders are filled with "X" here, so proper names such as the ICO's, which come from
// the policy, do not count.
TEST(Letters, NoEnglishIsLeftInAnotherLanguagesLetters) {
  LetterFields f;
  for (const auto& f_ : embedded::files()) {
    std::string_view name = f_.name;
    if (!name.starts_with("templates/en/") || !name.ends_with(".mustache")) continue;
    for (const auto& p : placeholders(f_.content)) f.values[p] = "X";  // every optional part shown too
  }
  f.lists["retained"] = {{{"records", "X"}, {"collection", "X"}, {"reason", "X"}, {"erasable_from", "X"}}};
  f.values.erase("retained");
  for (const char* language : {"de", "fr", "es", "nl", "pt-br"}) {
    for (const auto& name : letter_names()) {
      if (name == "manual-task") continue;  // to colleagues, in the installation's language
      auto l = render_letter(name, language, f, std::nullopt);
      ASSERT_TRUE(l) << language << "/" << name << ": " << l.error().message;
      auto english = testing::english_words_in(l->subject + "\n" + l->body);
      EXPECT_TRUE(english.empty()) << language << "/" << name << " holds English (\"" << english.front() << "\"):\n"
                                   << l->body;
    }
  }
}

TEST(Letters, EachLanguageHasItsOwnLetters) {
  const std::map<std::string, std::pair<std::string, std::string>> expected{
      {"de", {"Ihre Anfrage ist eingegangen", "Guten Tag"}},
      {"fr", {"Demande reçue", "Bonjour"}},
      {"es", {"Solicitud recibida", "Estimado/a"}},
      {"nl", {"Verzoek ontvangen", "Beste"}},
      {"pt-br", {"Solicitação recebida", "Olá"}}};
  for (const auto& [language, words] : expected) {
    for (const auto& name : letter_names()) {
      if (name == "manual-task") continue;  // to colleagues, in the installation's language
      auto l = render_letter(name, language, case_fields(), std::nullopt);
      ASSERT_TRUE(l) << language << "/" << name;
      EXPECT_NE(l->subject, render_letter(name, "en", case_fields(), std::nullopt)->subject) << language << "/" << name;
      EXPECT_EQ(l->body.find("Sincerely"), std::string::npos) << language << "/" << name;
    }
    auto ack = render_letter("acknowledgement", language, case_fields(), std::nullopt);
    EXPECT_EQ(ack->subject.find(words.first), 0u) << language << ": " << ack->subject;
    EXPECT_EQ(ack->body.find(words.second), 0u) << language;
  }
}

TEST(Letters, EveryBuiltInTemplateIsValid) {
  for (const auto& f : embedded::files()) {
    std::string_view name = f.name;
    if (!name.starts_with("templates/") || !name.ends_with(".mustache")) continue;
    EXPECT_TRUE(check_letter_template(f.content, std::string(name))) << name;
  }
}

// An operator's broken letter is refused when the settings are loaded (config/settings calls
// check_letter_templates), naming the file and line, not when the letter would be sent.
TEST(Letters, AnOperatorsBrokenTemplateIsNamedWithItsLine) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "fr");
  std::ofstream(dir / "fr/refusal.mustache") << "Subject: Votre demande [{{case_number}}]\n\n{{#reasons}}\n- {{.}}\n";
  auto checked = check_letter_templates(dir.path());
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().message,
            (dir / "fr/refusal.mustache").string() + ":3: the section 'reasons' is never closed (add {{/reasons}})");
  EXPECT_FALSE(render_letter("refusal", "fr", case_fields(), dir.path()));  // never sent blank
  std::ofstream(dir / "fr/refusal.mustache", std::ios::trunc) << "Subject: Votre demande\n\nBonjour\n";
  EXPECT_TRUE(check_letter_templates(dir.path()));
  std::ofstream(dir / "fr/refusel.mustache") << "Subject: x\n\ny\n";
  checked = check_letter_templates(dir.path());
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("no letter called 'refusel'"), std::string::npos);
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
