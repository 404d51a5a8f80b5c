#include "notify/mail_message.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

TEST(ParseMail, HeadersAreDecodedAndTheBodyIsText) {
  auto m = parse_mail(
      "From: =?ISO-8859-1?Q?Ren=E9e_Dupr=E9?= <Renee@Example.FR>\r\nSubject: =?UTF-8?B?RGVtYW5kZSBk4oCZYWNjw6hz?=\r\n"
      "Message-ID: <x1@example.fr>\r\nIn-Reply-To: <maestro-7@dpo.example.com>\r\n"
      "References: <a@b> <maestro-7@dpo.example.com>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0100\r\n"
      "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Acc=E8s =E0 mes donn=E9es.\r\n");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->from_address, "renee@example.fr");
  EXPECT_EQ(m->from_name, "Renée Dupré");
  EXPECT_EQ(m->subject, "Demande d’accès");
  EXPECT_EQ(m->message_id, "x1@example.fr");
  EXPECT_EQ(m->in_reply_to, "maestro-7@dpo.example.com");
  EXPECT_EQ(m->references.size(), 2u);
  ASSERT_TRUE(m->date);
  EXPECT_EQ(format_instant(*m->date), "2026-03-02T09:00:00Z");
  EXPECT_EQ(m->text, "Accès à mes données.\n");
  EXPECT_FALSE(m->html_only);
}

TEST(ParseMail, AnHtmlOnlyMessageIsReadAsText) {
  auto m = parse_mail(
      "From: a@example.com\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
      "<html><head><style>p{}</style></head><body><p>Please&nbsp;delete</p><p>my data &amp; account<br>Ann</p>"
      "<script>x()</script></body></html>");
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->html_only);
  EXPECT_EQ(m->text, "\nPlease delete\nmy data & account\nAnn\n");
}

TEST(ParseMail, AttachmentsAreDecodedAndMachineHeadersKept) {
  auto m = parse_mail(
      "From: x@example.com\r\nAuto-Submitted: auto-replied\r\nX-Spam-Flag: NO\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nhi\r\n--zz\r\n"
      "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"pass\r\n port.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--zz--\r\n");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->attachments.size(), 1u);
  EXPECT_EQ(m->attachments[0].content_type, "application/pdf");
  EXPECT_EQ(m->attachments[0].bytes, "%PDF-1.4\n");
  EXPECT_EQ(m->attachments[0].filename.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(m->machine_headers.at("auto-submitted"), "auto-replied");
  EXPECT_EQ(m->machine_headers.at("x-spam-flag"), "NO");
}

TEST(ParseMail, TextWithoutHeadersIsNoMessage) {
  EXPECT_EQ(parse_mail("just some words\n").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(parse_mail("").error().code, ErrorCode::invalid_argument);
}

TEST(HtmlToText, EntitiesAndBlocks) {
  EXPECT_EQ(html_to_text("a&lt;b&gt; &#233;&#x20AC; <b>x</b><div>y</div>"), "a<b> é€ x\ny\n");
}

}  // namespace
}  // namespace maestro
