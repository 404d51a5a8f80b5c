#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "crypto/keyring.hpp"
#include "notify/mailer.hpp"

namespace maestro {

namespace fs = std::filesystem;

namespace {

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Header values must not carry line breaks (header injection).
std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace(out.begin(), out.end(), '\r', ' ');
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

std::string rfc5322_date(Instant at) {
  std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

class SmtpMailer final : public Mailer {
 public:
  explicit SmtpMailer(SmtpSettings s) : m_settings(std::move(s)) {}

  bool delivers() const override { return true; }
  std::string describe() const override { return m_settings.url; }

  Status send(const MailMessage& message) override {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return fail(ErrorCode::internal, "cannot start libcurl");
    std::string payload = format_rfc5322(message);
    std::size_t offset = 0;
    auto read = +[](char* buffer, std::size_t size, std::size_t items, void* user) -> std::size_t {
      auto* state = static_cast<std::pair<const std::string*, std::size_t*>*>(user);
      std::size_t left = state->first->size() - *state->second;
      std::size_t n = std::min(left, size * items);
      std::memcpy(buffer, state->first->data() + *state->second, n);
      *state->second += n;
      return n;
    };
    std::pair<const std::string*, std::size_t*> state{&payload, &offset};
    std::string from = "<" + one_line(message.from) + ">";
    curl_slist* recipients = curl_slist_append(nullptr, ("<" + one_line(message.to) + ">").c_str());
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> guard(recipients, &curl_slist_free_all);
    char error[CURL_ERROR_SIZE] = {0};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, m_settings.url.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read);
    curl_easy_setopt(c, CURLOPT_READDATA, &state);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, m_settings.timeout_seconds);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long tls = m_settings.tls == "required" ? CURLUSESSL_ALL
               : m_settings.tls == "none"   ? CURLUSESSL_NONE
                                            : CURLUSESSL_TRY;
    curl_easy_setopt(c, CURLOPT_USE_SSL, tls);
    if (!m_settings.user.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, m_settings.user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, m_settings.password.c_str());
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) return {};
    std::string why = error[0] ? error : curl_easy_strerror(rc);
    long response = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
    // 5xx answers to the recipient are permanent; everything else may work later.
    if (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_COULDNT_CONNECT ||
        rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_RESOLVE_HOST || response < 500) {
      return fail(ErrorCode::unavailable, "mail server " + m_settings.url + ": " + why);
    }
    return fail(ErrorCode::invalid_argument, "mail server " + m_settings.url + " refused the message: " + why);
  }

 private:
  SmtpSettings m_settings;
};

class EmlMailer final : public Mailer {
 public:
  explicit EmlMailer(fs::path folder) : m_folder(std::move(folder)) {}

  bool delivers() const override { return false; }
  std::string describe() const override { return m_folder.string(); }

  Status send(const MailMessage& message) override {
    std::error_code ec;
    fs::create_directories(m_folder, ec);
    std::string name = message.message_id;
    std::replace_if(
        name.begin(), name.end(),
        [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.'; }, '_');
    fs::path file = m_folder / (name + ".eml");
    std::ofstream out(file, std::ios::binary);
    out << format_rfc5322(message);
    if (!out) return fail(ErrorCode::unavailable, "cannot write " + file.string());
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, ec);  // it holds personal data
    return {};
  }

 private:
  fs::path m_folder;
};

}  // namespace

std::string format_rfc5322(const MailMessage& m) {
  std::string subject = one_line(m.subject);
  if (!is_ascii(subject)) subject = "=?UTF-8?B?" + base64(subject) + "?=";
  std::string out = "Date: " + rfc5322_date(m.date) + "\r\nFrom: " + one_line(m.from) + "\r\nTo: " + one_line(m.to) +
                    (m.reply_to.empty() ? "" : "\r\nReply-To: " + one_line(m.reply_to)) +
                    "\r\nSubject: " + subject + "\r\nMessage-ID: <" + one_line(m.message_id) +
                    ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n\r\n";
  // Bare LF line ends become CRLF, as SMTP requires.
  for (std::size_t i = 0; i < m.body.size(); ++i) {
    if (m.body[i] == '\n' && (i == 0 || m.body[i - 1] != '\r')) out += '\r';
    out += m.body[i];
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  return out;
}

std::unique_ptr<Mailer> make_smtp_mailer(SmtpSettings settings) {
  return std::make_unique<SmtpMailer>(std::move(settings));
}

std::unique_ptr<Mailer> make_eml_mailer(std::filesystem::path folder) {
  return std::make_unique<EmlMailer>(std::move(folder));
}

}  // namespace maestro
