// Mailer: hands a message to whatever delivers it. SMTP (smtp_mailer.cpp, through libcurl) when
// mail is configured; otherwise .eml files in a folder for an operator to send by hand.
//
// Contract: send() returns once the message is accepted for delivery (by the SMTP server, or as
// a file); `unavailable` when the server cannot be reached or refuses for now (retry later),
// `invalid_argument` when the message itself is refused (bad address).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/result.hpp"
#include "common/time.hpp"

namespace maestro {

struct MailMessage {
  std::string from;
  std::string to;
  std::string subject;
  std::string body;  // plain text, UTF-8
  std::string message_id;
  Instant date{};
  std::string reply_to;  // empty: none
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual Status send(const MailMessage& message) = 0;
  // Whether a sent message has reached the requester (SMTP) or waits for an operator (files).
  virtual bool delivers() const = 0;
  virtual std::string describe() const = 0;
};

struct SmtpSettings {
  std::string url;          // smtp://host:port or smtps://host:port
  std::string tls = "try";  // try, required, none (STARTTLS on smtp://)
  std::string user;
  std::string password;
  long timeout_seconds = 20;
};

std::unique_ptr<Mailer> make_smtp_mailer(SmtpSettings settings);
std::unique_ptr<Mailer> make_eml_mailer(std::filesystem::path folder);

// The message as RFC 5322 text (CRLF line ends; non-ASCII subjects RFC 2047 encoded).
std::string format_rfc5322(const MailMessage& message);

}  // namespace maestro
