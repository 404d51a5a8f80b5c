#include "notify/imap_inbox.hpp"

#include <curl/curl.h>

#include <regex>
#include <set>

#include "common/http_capture.hpp"

namespace maestro {

namespace {

// "privacy%40example.com" -> "privacy@example.com" (a user name that is an address).
std::string decode_user(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

struct MailboxUrl {
  std::string scheme, user, host_port, folder;
};

Result<MailboxUrl> parse_mailbox_url(const std::string& url) {
  static const std::regex pattern(R"((imaps?)://([^@/\s]+)@([A-Za-z0-9.\-\[\]:]+)/([^\s;?#]+))");
  std::smatch m;
  if (!std::regex_match(url, m, pattern)) {
    return invalid("mail.imap must be imaps://USER@HOST[:PORT]/FOLDER (e.g. imaps://privacy@mail.example.com/INBOX)");
  }
  if (m[2].str().find(':') != std::string::npos) {
    return invalid("mail.imap must not hold the password: use mail.imap_password_env or imap_password_file");
  }
  return MailboxUrl{m[1], decode_user(m[2]), m[3], m[4]};
}

class ImapInbox final : public Inbox {
 public:
  ImapInbox(MailboxUrl url, ImapSettings settings) : m_url(std::move(url)), m_settings(std::move(settings)) {}

  Result<std::vector<std::uint64_t>> waiting() override {
    auto answer = command(m_url.folder, "UID SEARCH ALL");
    if (!answer) return propagate(answer.error());
    std::vector<std::uint64_t> uids;
    auto at = answer->find("* SEARCH");
    if (at == std::string::npos) return uids;
    std::string line = answer->substr(at + 8, answer->find('\n', at) - at - 8);
    for (std::size_t i = 0; i < line.size();) {
      if (!std::isdigit(static_cast<unsigned char>(line[i]))) {
        ++i;
        continue;
      }
      std::size_t end = line.find_first_not_of("0123456789", i);
      uids.push_back(std::stoull(line.substr(i, end - i)));
      i = end == std::string::npos ? line.size() : end;
    }
    return uids;
  }

  Result<std::uint64_t> size(std::uint64_t uid) override {
    auto answer = command(m_url.folder, "UID FETCH " + std::to_string(uid) + " RFC822.SIZE");
    if (!answer) return propagate(answer.error());
    static const std::regex pattern(R"(RFC822\.SIZE (\d+))");
    std::smatch m;
    if (!std::regex_search(*answer, m, pattern)) return fail(ErrorCode::not_found, "message " + std::to_string(uid) + " is not in " + name());
    return std::stoull(m[1]);
  }

  Result<std::string> fetch(std::uint64_t uid) override {
    return transfer(base() + "/" + m_url.folder + ";UID=" + std::to_string(uid), "");
  }

  Status move(std::uint64_t uid, const std::string& folder) override {
    if (!m_made.contains(folder)) {
      (void)command("", "CREATE \"" + folder + "\"");  // fails harmlessly when it exists
      m_made.insert(folder);
    }
    auto moved = command(m_url.folder, "UID MOVE " + std::to_string(uid) + " \"" + folder + "\"");
    if (!moved) return propagate(moved.error());
    return {};
  }

  Status remove(std::uint64_t uid) override {
    auto flagged = command(m_url.folder, "UID STORE " + std::to_string(uid) + " +FLAGS.SILENT (\\Deleted)");
    if (!flagged) return propagate(flagged.error());
    auto expunged = command(m_url.folder, "UID EXPUNGE " + std::to_string(uid));
    if (!expunged) return propagate(expunged.error());
    return {};
  }

  std::string name() const override { return m_url.scheme + "://" + m_url.user + "@" + m_url.host_port + "/" + m_url.folder; }

 private:
  std::string base() const { return m_url.scheme + "://" + m_url.host_port; }

  Result<std::string> command(const std::string& folder, const std::string& request) {
    return transfer(base() + "/" + folder, request);
  }

  // One IMAP session: log in over TLS, select the URL's folder, run `request` (a FETCH of the
  // URL's message when empty), and return what the server answered.
  Result<std::string> transfer(const std::string& url, const std::string& request) {
    CURL* curl = curl_easy_init();
    if (!curl) return fail(ErrorCode::internal, "cannot start libcurl");
    std::string body;
    HttpHeaders unused;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, m_url.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, m_settings.password.c_str());
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!m_settings.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, m_settings.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (!request.empty()) curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.c_str());
    capture_response(curl, body, unused);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    if (rc == CURLE_LOGIN_DENIED) return fail(ErrorCode::permission_denied, name() + " refused the login (user or password)");
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
      return fail(ErrorCode::permission_denied, name() + ": the server's certificate is not trusted (" +
                                                    curl_easy_strerror(rc) + "); mail.imap_ca_file names a CA to trust");
    }
    if (rc != CURLE_OK) return fail(ErrorCode::unavailable, "cannot read " + name() + ": " + curl_easy_strerror(rc));
    return body;
  }

  MailboxUrl m_url;
  ImapSettings m_settings;
  std::set<std::string> m_made;
};

}  // namespace

Result<std::unique_ptr<Inbox>> open_imap_inbox(const ImapSettings& settings) {
  auto url = parse_mailbox_url(settings.url);
  if (!url) return propagate(url.error());
  return std::unique_ptr<Inbox>(std::make_unique<ImapInbox>(std::move(*url), settings));
}

}  // namespace maestro
