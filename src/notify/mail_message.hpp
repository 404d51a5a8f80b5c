// An email as Maestro reads it from the privacy inbox: who sent it, what it says as plain text
// (from text/plain, else from the HTML part), its attachments decoded, and the headers that tell
// a person's message from a machine's (auto-replies, bounces, spam). MIME is parsed by GMime:
// every transfer encoding, charset and RFC 2047 header word is decoded to UTF-8.
//
//   auto m = parse_mail(raw);   // invalid_argument: not a message
//   m->from_address, m->subject, m->text, m->attachments[0].bytes
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"

namespace maestro {

struct MailAttachment {
  std::string filename;      // as the sender named it ("" when unnamed)
  std::string content_type;  // e.g. image/jpeg
  std::string bytes;         // decoded
};

struct ReceivedMail {
  std::string from_address;  // lower-case; "" when the From header holds no address
  std::string from_name;     // the display name, without line breaks or control characters
  std::string subject;
  std::string message_id;  // without the angle brackets
  std::string in_reply_to;
  std::vector<std::string> references;
  std::optional<Instant> date;
  std::string text;  // the body as plain text
  bool html_only = false;
  std::vector<MailAttachment> attachments;
  // Lower-case names of the headers that mark machine mail, with their values: auto-submitted,
  // precedence, x-autoreply, x-autorespond, x-auto-response-suppress, x-spam-flag, return-path,
  // list-id.
  std::map<std::string, std::string> machine_headers;
  std::string report_type;  // multipart/report's report-type (delivery-status: a bounce)
};

Result<ReceivedMail> parse_mail(std::string_view raw);

// The text of an HTML body: tags removed, block ends as line breaks, entities decoded.
std::string html_to_text(std::string_view html);

}  // namespace maestro
