#include "desk/mail_intake.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

ReceivedMail message(std::string subject, std::string text, std::string from = "someone@example.com") {
  ReceivedMail m;
  m.from_address = std::move(from);
  m.subject = std::move(subject);
  m.text = std::move(text);
  return m;
}

TEST(GuessRequest, RightsAreReadInEachLanguage) {
  struct Case {
    const char* subject;
    const char* text;
    Right right;
    const char* language;
  };
  const std::vector<Case> cases{
      {"Privacy Request - Delete My Data", "Please delete my account and data.", Right::erasure, "en"},
      {"Antrag auf Löschung", "Ich bitte um Löschung meiner Daten.", Right::erasure, "de"},
      {"Demande d'effacement", "Je vous demande la suppression de mes données.", Right::erasure, "fr"},
      {"Derecho de acceso", "Solicito el acceso a mis datos por favor.", Right::access, "es"},
      {"Inzageverzoek", "Ik wil graag inzage in mijn gegevens.", Right::access, "nl"},
      {"Pedido de portabilidade", "Eu solicito a portabilidade dos meus dados, por favor.", Right::portability, "pt-br"},
  };
  for (const auto& c : cases) {
    MailGuess g = guess_request(message(c.subject, c.text));
    ASSERT_FALSE(g.rights.empty()) << c.subject;
    EXPECT_EQ(g.rights.front(), c.right) << c.subject;
    EXPECT_EQ(g.language, c.language) << c.subject;
    EXPECT_EQ(g.confidence, "high") << c.subject;
    EXPECT_TRUE(g.ignore_reason.empty());
  }
}

TEST(GuessRequest, CaliforniaRequestsGetCcpaRights) {
  MailGuess g = guess_request(message("Do not sell my personal information", "I am a California resident."));
  EXPECT_EQ(g.jurisdiction, "ccpa");
  ASSERT_EQ(g.rights.size(), 1u);
  EXPECT_EQ(g.rights[0], Right::ccpa_opt_out_of_sale);
}

TEST(GuessRequest, AMessageThatNamesNoRightIsLowConfidenceNotIgnored) {
  MailGuess g = guess_request(message("Question", "Where is my parcel?"));
  EXPECT_TRUE(g.rights.empty());
  EXPECT_EQ(g.confidence, "low");
  EXPECT_TRUE(g.ignore_reason.empty());  // a person wrote it: an operator decides
}

TEST(GuessRequest, MachineMailIsSetAsideWithItsReason) {
  ReceivedMail spam = message("Delete my data", "x");
  spam.machine_headers["x-spam-flag"] = "YES";
  EXPECT_EQ(guess_request(spam).ignore_reason, "spam");
  EXPECT_EQ(guess_request(message("Abwesenheitsnotiz: Ihre Anfrage", "")).ignore_reason, "auto-reply");
  EXPECT_EQ(guess_request(message("Réponse automatique", "")).ignore_reason, "auto-reply");
  ReceivedMail human = message("Re: access", "copy of my data");
  human.machine_headers["auto-submitted"] = "no";
  EXPECT_EQ(guess_request(human).ignore_reason, "");
  EXPECT_EQ(guess_request(message("Failure", "", "postmaster@example.com")).ignore_reason, "bounce");
  ReceivedMail list = message("Newsletter", "");
  list.machine_headers["list-id"] = "<news.example.com>";
  EXPECT_EQ(guess_request(list).ignore_reason, "mailing list");
}

TEST(GuessRequest, IdentifiersAndTheSignatureNameAreFound) {
  MailGuess g = guess_request(message("Access request",
                                      "Hello,\nmy account email is old.me@example.org, Bestellnummer: 100234, phone "
                                      "0044 20 7946 0000.\n\nBest regards,\nSam Lee\n",
                                      "new.me@example.com"));
  EXPECT_EQ(g.name, "Sam Lee");
  std::vector<std::string> expected{"email:new.me@example.com", "email:old.me@example.org", "order_number:100234",
                                    "phone:+442079460000"};
  EXPECT_EQ(g.subjects, expected);
}

TEST(GuessRequest, TheGuessRoundTripsAsJson) {
  MailGuess g = guess_request(message("Löschung nach Art. 17", "Bitte löschen Sie meine Daten. Max Muster"));
  auto back = guess_from_json(guess_json(g));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->rights, g.rights);
  EXPECT_EQ(back->subjects, g.subjects);
  EXPECT_EQ(back->language, "de");
  EXPECT_EQ(guess_from_json("{}").error().code, ErrorCode::data_loss);
}

}  // namespace
}  // namespace maestro
