// The privacy inbox (`mail: imap:` in maestro.yaml): the messages waiting in one IMAP folder,
// read one by one and moved to another folder once Maestro has recorded them, so that nothing
// is read twice and nothing is deleted. Spoken through libcurl's IMAP client over TLS (imaps://,
// or imap:// with STARTTLS required), the server's certificate always verified.
//
//   auto inbox = open_imap_inbox({"imaps://privacy@mail.example.com/INBOX", password, "", 25 << 20});
//   for (auto uid : *(*inbox)->waiting()) { auto raw = (*inbox)->fetch(uid); ...; (*inbox)->move(uid, "Maestro/Processed"); }
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace maestro {

class Inbox {
 public:
  virtual ~Inbox() = default;
  // The UIDs of the messages in the folder, oldest first.
  virtual Result<std::vector<std::uint64_t>> waiting() = 0;
  // A message's size in bytes, before fetching it.
  virtual Result<std::uint64_t> size(std::uint64_t uid) = 0;
  // The message as the server keeps it (RFC 5322).
  virtual Result<std::string> fetch(std::uint64_t uid) = 0;
  // Moves the message to `folder` (made when missing): it leaves the inbox, and is kept.
  virtual Status move(std::uint64_t uid, const std::string& folder) = 0;
  // Deletes the message for good (flag \Deleted, then expunge it): evidence that must not outlive
  // its check (an ID scan kept sealed in the case store until then).
  virtual Status remove(std::uint64_t uid) = 0;
  // The mailbox without its password, for messages.
  virtual std::string name() const = 0;
};

struct ImapSettings {
  std::string url;       // imaps://user@host[:port]/FOLDER (or imap://, with STARTTLS)
  std::string password;  // from mail.imap_password_env or _file, never in the URL
  std::string ca_file;   // a CA to trust besides the system's (a private mail server)
};

Result<std::unique_ptr<Inbox>> open_imap_inbox(const ImapSettings& settings);

}  // namespace maestro
