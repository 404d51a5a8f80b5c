#include "desk/portal.hpp"

#include <openssl/crypto.h>

#include <algorithm>

#include "desk/verification_service.hpp"

namespace maestro {

namespace {

std::string secret_mac(const KeyRing& keys, std::string_view secret) {
  return keys.integrity_mac("status-link:" + std::string(secret));
}

constexpr std::string_view k_status_prefix = "st_";

// The right a wish becomes under a law: CCPA names its own rights.
std::optional<std::string> right_for(const std::string& wish, bool ccpa) {
  if (wish == "copy") return ccpa ? "ccpa-know" : "access";
  if (wish == "delete") return ccpa ? "ccpa-delete" : "erasure";
  if (wish == "opt-out") return ccpa ? "ccpa-opt-out-of-sale" : "objection";
  if (ccpa && wish != "correct") return std::nullopt;  // CCPA has no portability, restriction, objection
  if (wish == "correct") return "rectification";
  if (wish == "portable") return "portability";
  if (wish == "restrict") return "restriction";
  if (wish == "object") return "objection";
  return std::nullopt;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& portal_wishes() {
  static const std::vector<std::pair<std::string, std::string>> wishes{
      {"copy", "A copy of the personal data you hold about me"},
      {"portable", "My data in a format I can take to another service"},
      {"correct", "Correct data about me that is wrong"},
      {"delete", "Delete my data"},
      {"restrict", "Stop using my data while something is checked"},
      {"object", "Stop using my data for marketing or profiling"},
      {"opt-out", "Do not sell or share my personal information"},
  };
  return wishes;
}

const std::vector<std::pair<std::string, std::string>>& portal_residences() {
  static const std::vector<std::pair<std::string, std::string>> places{
      {"uk", "United Kingdom"},          {"eu", "European Union, Iceland, Liechtenstein or Norway"},
      {"california", "California, USA"}, {"brazil", "Brazil"},
      {"virginia", "Virginia, USA"},     {"other", "Somewhere else"},
  };
  return places;
}

const std::vector<std::pair<std::string, std::string>>& portal_languages() {
  static const std::vector<std::pair<std::string, std::string>> languages{
      {"en", "English"}, {"de", "Deutsch"},    {"fr", "Français"},
      {"es", "Español"}, {"nl", "Nederlands"}, {"pt-br", "Português (Brasil)"}};
  return languages;
}

Result<IntakeRequest> portal_intake_request(const PortalSubmission& s, const std::string& default_jurisdiction) {
  static const std::map<std::string, std::string> law{
      {"uk", "uk-gdpr"}, {"eu", "gdpr"}, {"california", "ccpa"}, {"brazil", "lgpd"}, {"virginia", "vcdpa"}};
  IntakeRequest r;
  if (s.residence == "other") {
    r.jurisdiction = default_jurisdiction;
  } else if (auto it = law.find(s.residence); it != law.end()) {
    r.jurisdiction = it->second;
  } else {
    return invalid("choose where you live");
  }
  bool ccpa = r.jurisdiction == "ccpa";
  if (s.wishes.empty()) return invalid("choose at least one thing you would like us to do");
  for (const auto& wish : s.wishes) {
    bool known =
        std::any_of(portal_wishes().begin(), portal_wishes().end(), [&](const auto& w) { return w.first == wish; });
    if (!known) return invalid("unknown choice '" + wish.substr(0, 40) + "'");
    auto right = right_for(wish, ccpa);
    if (!right) continue;  // not a right under this law: the case keeps the others
    if (r.rights.find(*right) == std::string::npos) r.rights += (r.rights.empty() ? "" : ",") + *right;
  }
  if (r.rights.empty()) return invalid("none of your choices is a right under the law where you live");
  if (s.email.empty()) return invalid("give your email address: we answer there");
  r.subjects.push_back("email:" + s.email);
  for (const auto& id : s.other_identifiers) {
    if (!id.empty()) r.subjects.push_back(id);
  }
  r.name = s.name;
  r.channel = "portal";
  r.formats = s.formats.empty() ? "json,csv" : s.formats;
  if (!s.language.empty()) {
    bool known = std::any_of(portal_languages().begin(), portal_languages().end(),
                             [&](const auto& l) { return l.first == s.language; });
    if (!known) return invalid("choose a language from the list");
    r.language = s.language;
  }
  r.gpc = s.gpc;
  return r;
}

Result<PortalReceipt> submit_portal_request(Desk& desk, Correspondence& mail, const PortalSubmission& s,
                                            const std::string& public_url, const std::string& default_jurisdiction) {
  if (s.details.size() > 5000) return invalid("the details are at most 5000 characters");
  auto request = portal_intake_request(s, default_jurisdiction);
  if (!request) return propagate(request.error());
  auto made = desk.intake(*request);
  if (!made) return propagate(made.error());
  const std::string number = made->c.number;
  PortalReceipt receipt;
  if (!s.details.empty()) {
    if (auto noted = desk.add_note(number, "The requester wrote: " + s.details); !noted)
      receipt.warnings.push_back("the details were not kept: " + noted.error().message);
  }
  auto secret = desk.add_status_link(number);
  if (!secret) return propagate(secret.error());
  receipt.status_url = public_url + "/portal/s/" + *secret;
  auto acknowledged = desk.acknowledge(number);
  if (!acknowledged) return propagate(acknowledged.error());
  LetterFields fields;
  fields.values["status_url"] = receipt.status_url;
  if (auto sent = mail.send_letter(*acknowledged, "acknowledgement", fields); !sent)
    receipt.warnings.push_back("the acknowledgement was not queued: " + sent.error().message);
  auto code = start_verification(desk, mail, number, "email-code", "");
  if (!code) return propagate(code.error());
  receipt.view = code->view;
  return receipt;
}

RequesterStatus requester_status(const CaseView& v, const Policy& policy) {
  const Case& c = v.c;
  RequesterStatus s;
  std::string due = "We must answer by " + format_date(v.deadlines.legal_due) + ".";
  if (!c.extensions.empty())
    due += " We extended this deadline because the request is " +
           std::string(c.extensions.back().reason == "numerous" ? "one of several from you" : "complex") + ".";
  if (c.is_paused()) {
    auto it = policy.pause_reasons.find(c.pauses.back().reason);
    s.headline = "We are waiting for you";
    s.explanation = (it == policy.pause_reasons.end() ? c.pauses.back().reason : it->second) +
                    ". The clock stops until you answer. " + due;
    s.next_step = "none";
    return s;
  }
  switch (c.state) {
    case CaseState::received:
    case CaseState::acknowledged:
      s.headline = "We have your request";
      s.explanation = "We will check that it is really you before we act on it. " + due;
      s.next_step = "enter-code";
      break;
    case CaseState::awaiting_verification: {
      int passed = passed_factors(c);
      bool code_passed = std::any_of(c.verifications.begin(), c.verifications.end(), [](const VerificationAttempt& a) {
        return a.method == "email-code" && a.outcome == "passed";
      });
      s.headline = "Please confirm it is you";
      if (code_passed || passed > 0) {
        s.explanation =
            "Your email address is confirmed. For this request we need one more check: answer a "
            "question about your account. " +
            due;
        s.next_step = "answer-questions";
      } else {
        s.explanation = "Enter the code we emailed you. It works once and for a short time. " + due;
        s.next_step = "enter-code";
      }
      break;
    }
    case CaseState::verified:
    case CaseState::in_progress:
      s.headline = "We are working on your request";
      s.explanation = "We have confirmed it is you and are finding your data in our systems. " + due;
      s.next_step = "none";
      break;
    case CaseState::in_review:
      s.headline = "Your answer is being checked";
      s.explanation = "Our data protection officer is checking the answer before it goes to you. " + due;
      s.next_step = "none";
      break;
    case CaseState::fulfilled:
      s.headline = "Your request is done";
      s.explanation =
          "We completed it on " + format_date(date_of(*c.closed_at)) + ". We sent you the details by email.";
      s.next_step = "none";
      break;
    case CaseState::denied: {
      auto it = policy.denial_reasons.find(c.denial_reason);
      s.headline = "We could not carry out your request";
      s.explanation = "The reason: " + (it == policy.denial_reasons.end() ? c.denial_reason : it->second) +
                      ". Our letter explains how to complain to the supervisory authority.";
      s.next_step = "none";
      break;
    }
    case CaseState::withdrawn:
      s.headline = "You withdrew this request";
      s.explanation = "Nothing more will be done. You can make a new request at any time.";
      s.next_step = "none";
      break;
  }
  return s;
}

DownloadWindow download_window(const CaseView& v, Instant now, std::chrono::hours length, int limit) {
  const Case& c = v.c;
  DownloadWindow w;
  if (c.state != CaseState::fulfilled || c.deliveries.empty() || !c.closed_at) {
    w.why_not = "There is nothing to download for this request.";
    return w;
  }
  w.package = c.deliveries.back();
  w.closes_at = *c.closed_at + length;
  w.left = std::max(0, limit - c.downloads);
  if (now >= w.closes_at) {
    w.why_not = "The download closed on " + format_instant(w.closes_at) +
                ". To get your data again, make a new request: it is free unless requests are repeated often.";
  } else if (w.left == 0) {
    w.why_not = "The package was downloaded " + std::to_string(c.downloads) +
                " times, the most we allow. To get it again, make a new request.";
  } else {
    w.open = true;
  }
  return w;
}

namespace {

std::string download_code_mac(const KeyRing& keys, const std::string& number, std::string_view code) {
  return keys.integrity_mac("download-code:" + number + ":" + std::string(code));
}

}  // namespace

Status send_download_code(Desk& desk, Correspondence& mail, const CaseView& v) {
  std::string code = generate_code(desk.policy().verification.code_digits);
  Instant now = desk.clock().now();
  VerificationChallenge challenge{v.c.number, download_code_mac(desk.keys(), v.c.number, code), now,
                                  now + std::chrono::minutes{10}, std::nullopt};
  if (auto ok = desk.save_challenge(challenge); !ok) return ok;
  LetterFields fields;
  fields.values["code"] = code;
  fields.values["code_valid_minutes"] = "10";
  auto sent = mail.send_letter(v, "download-code", fields);
  if (!sent) return propagate(sent.error());
  return desk.record_action(v.c.number, "download-code", "sent", "{}");
}

Result<std::string> unlock_download(Desk& desk, const CaseView& v, std::string_view code) {
  if (code.empty() || code.size() > 12 ||
      !std::all_of(code.begin(), code.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return invalid("a code is digits only");
  auto challenge = desk.challenge(v.c.number);
  if (!challenge) return propagate(challenge.error());
  Instant now = desk.clock().now();
  if (!*challenge || (*challenge)->used_at || (*challenge)->expires_at < now)
    return precondition("this code has expired or was used: ask for a new one");
  VerificationChallenge c = **challenge;
  std::string mac = download_code_mac(desk.keys(), v.c.number, code);
  bool matches = mac.size() == c.code_mac.size() && CRYPTO_memcmp(mac.data(), c.code_mac.data(), mac.size()) == 0;
  c.used_at = now;  // one try: a wrong code spends it, so codes cannot be guessed
  if (auto ok = desk.save_challenge(c); !ok) return propagate(ok.error());
  if (!matches) {
    (void)desk.record_action(v.c.number, "download-code", "refused", "{}");
    return fail(ErrorCode::permission_denied, "that code is not right: ask for a new one");
  }
  return desk.open_download_session(v.c.number, std::chrono::minutes{15});
}

Result<PackageDelivery> take_download(Desk& desk, const CaseView& v, std::string_view session_secret,
                                      std::chrono::hours length, int limit) {
  auto session_case = desk.download_session_case(session_secret);
  if (!session_case) return propagate(session_case.error());
  if (!*session_case || **session_case != v.c.number)
    return fail(ErrorCode::permission_denied, "confirm with a fresh code from your email first");
  DownloadWindow window = download_window(v, desk.clock().now(), length, limit);
  if (!window.open) return precondition(window.why_not);
  auto counted = desk.record_download(v.c.number);
  if (!counted) return propagate(counted.error());
  return *window.package;
}

Status check_portal_questions(const DataMap& map, const std::vector<ServerSettings::Question>& questions) {
  for (const auto& q : questions) {
    auto dot = q.field.rfind('.');
    if (dot == std::string::npos || q.question.empty())
      return invalid("portal question '" + q.field + "': give the field as collection.field and a question");
    std::string owner = q.field.substr(0, dot), column = q.field.substr(dot + 1);
    bool found = std::any_of(map.collections.begin(), map.collections.end(), [&](const auto& entry) {
      const Collection& c = entry.second;
      return (c.name == owner || c.key() == owner) && c.field(column) != nullptr;
    });
    if (!found) return invalid("portal question '" + q.field + "': no such field in the data map");
  }
  return {};
}

std::string rights_in_words(const Case& c) {
  std::string out;
  for (Right r : c.rights) {
    std::string_view name = right_name(r);
    std::string words = name == "access" || name == "ccpa-know"      ? "a copy of your data"
                        : name == "portability"                      ? "your data in a reusable format"
                        : name == "rectification"                    ? "to correct your data"
                        : name == "erasure" || name == "ccpa-delete" ? "to delete your data"
                        : name == "restriction"                      ? "to restrict the use of your data"
                        : name == "ccpa-opt-out-of-sale"             ? "not to sell or share your data"
                        : name == "ccpa-opt-in-to-sale"              ? "to allow the sale of your data again"
                                                                     : "to stop some uses of your data";
    if (out.find(words) == std::string::npos) out += (out.empty() ? "" : "; ") + words;
  }
  return out;
}

Result<std::string> Desk::add_status_link(std::string_view number) {
  auto c = load(number);
  if (!c) return propagate(c.error());
  std::string secret = std::string(k_status_prefix) + to_hex(random_bytes(32));
  Status done = m_store.transaction([&]() -> Status {
    if (auto ok = m_store.add_status_link(secret_mac(m_keys, secret), c->number, m_clock.now()); !ok) return ok;
    return append_audit(c->number, "status-link", "ok", "{}");
  });
  if (!done) return propagate(done.error());
  return secret;
}

Result<std::string> Desk::open_download_session(std::string_view number, std::chrono::minutes lifetime) {
  std::string secret = "dl_" + to_hex(random_bytes(32));
  Status done = m_store.transaction([&]() -> Status {
    auto mac = m_keys.integrity_mac("download-session:" + secret);
    if (auto ok = m_store.add_download_session(mac, number, m_clock.now() + lifetime); !ok) return ok;
    return append_audit(std::string(number), "download-unlocked", "ok", "{}");
  });
  if (!done) return propagate(done.error());
  return secret;
}

Result<std::optional<std::string>> Desk::download_session_case(std::string_view secret) {
  if (!secret.starts_with("dl_") || secret.size() != 67) return std::optional<std::string>{};
  auto session = m_store.download_session(m_keys.integrity_mac("download-session:" + std::string(secret)));
  if (!session) return propagate(session.error());
  if (!*session || (*session)->second <= m_clock.now()) return std::optional<std::string>{};
  return std::optional<std::string>{(*session)->first};
}

Result<CaseView> Desk::record_download(std::string_view number) {
  return change_case(number, "download", [](Case& c) -> Status {
    ++c.downloads;
    return {};
  });
}

Result<std::optional<CaseView>> Desk::case_by_status_link(std::string_view secret) {
  if (!secret.starts_with(k_status_prefix) || secret.size() != k_status_prefix.size() + 64)
    return std::optional<CaseView>{};
  auto number = m_store.case_for_status_link(secret_mac(m_keys, secret));
  if (!number) return propagate(number.error());
  if (!*number) return std::optional<CaseView>{};
  auto v = find(**number);
  if (!v) return propagate(v.error());
  return std::optional<CaseView>{std::move(*v)};
}

}  // namespace maestro
