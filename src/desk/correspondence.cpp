#include "desk/correspondence.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "fulfil/erasure.hpp"

namespace maestro {

using nlohmann::json;

namespace {

constexpr int k_max_attempts = 8;
constexpr std::chrono::minutes k_longest_pause{6 * 60};

std::optional<std::string> case_email(const Case& c) {
  for (const auto& id : c.identifiers) {
    if (id.kind == "email") return id.value;
  }
  return std::nullopt;
}

std::chrono::minutes pause_after(int attempts) {
  std::chrono::minutes pause{1};
  for (int i = 1; i < attempts && pause < k_longest_pause; ++i) pause *= 2;
  return std::min(pause, k_longest_pause);
}

}  // namespace

Correspondence::Correspondence(Desk& desk, Mailer& mailer, const Settings& settings)
    : m_desk(desk), m_mailer(mailer), m_settings(settings) {}

Correspondence::Correspondence(Desk& desk, std::unique_ptr<Mailer> owned, const Settings& settings)
    : m_desk(desk), m_owned(std::move(owned)), m_mailer(*m_owned), m_settings(settings) {}

Result<std::unique_ptr<Correspondence>> Correspondence::open(Desk& desk, const Settings& settings) {
  auto mailer = open_mailer(settings);
  if (!mailer) return propagate(mailer.error());
  return std::unique_ptr<Correspondence>(new Correspondence(desk, std::move(*mailer), settings));
}

std::string Correspondence::language_of(const Case& c) const {
  return c.language.empty() ? m_settings.language : c.language;
}

const ReportTexts* Correspondence::texts_for(const Case& c) const {
  std::string language = language_of(c);
  auto known = m_dates.find(language);
  if (known == m_dates.end()) {
    auto texts = ReportTexts::load(language, m_settings.templates_dir);
    known = m_dates.emplace(language, texts ? std::make_shared<const ReportTexts>(std::move(*texts)) : nullptr).first;
  }
  return known->second.get();
}

std::string Correspondence::date_for(const Case& c, Date date) const {
  const ReportTexts* texts = texts_for(c);
  return texts ? texts->date(date) : format_date(date);
}

std::string Correspondence::word_for(const Case& c, const std::string& key, const std::string& fallback,
                                     const std::map<std::string, std::string>& values) const {
  const ReportTexts* texts = texts_for(c);
  if (!texts || !texts->has(key)) return fallback;
  auto text = texts->text(key, values);
  return text ? *text : fallback;
}

namespace {

// "access, erasure and portability", in the case's language.
std::string rights_text(const Correspondence& mail, const Case& c) {
  std::string out;
  for (std::size_t i = 0; i < c.rights.size(); ++i) {
    std::string name(right_name(c.rights[i]));
    std::string fallback = name;
    std::replace(fallback.begin(), fallback.end(), '-', ' ');
    std::string word = mail.word_for(c, "letters.rights." + name, fallback);
    out += (i == 0 ? "" : i + 1 == c.rights.size() ? " " + mail.word_for(c, "letters.and", "and") + " " : ", ") + word;
  }
  return out;
}

}  // namespace

LetterFields Correspondence::case_fields(const CaseView& v) const {
  LetterFields f;
  const Case& c = v.c;
  f.values["case_number"] = c.number;
  f.values["subject_name"] =
      c.subject_name.empty() ? word_for(c, "letters.dear_nobody", "Sir or Madam") : c.subject_name;
  f.values["received_date"] = date_for(c, date_of(c.received_at));
  f.values["legal_due"] = date_for(c, v.deadlines.legal_due);
  f.values["rights_text"] = rights_text(*this, c);
  f.values["organisation"] = m_settings.organisation;
  f.values["dpo_email"] = m_settings.dpo_email;
  if (auto j = m_desk.policy().jurisdiction(c.jurisdiction)) f.values["authority"] = (*j)->authority_in(language_of(c));
  return f;
}

Result<OutboxView> Correspondence::send_letter(const CaseView& view, std::string_view letter, const LetterFields& extra,
                                               const std::optional<std::string>& to) {
  std::optional<std::string> recipient = to ? to : case_email(view.c);
  if (!recipient) {
    return precondition("case " + view.c.number + " has no email address to write to: add one at intake, or send the " +
                        std::string(letter) + " letter another way");
  }
  LetterFields fields = case_fields(view);
  for (const auto& [k, v] : extra.values) fields.values[k] = v;
  // Words the caller gave as codes, written in the case's language.
  if (auto method = fields.values.find("requested_proof_method"); method != fields.values.end()) {
    if (fields.values["requested_proof"].empty())
      fields.values["requested_proof"] = word_for(view.c, "letters.proof." + method->second, method->second);
  }
  if (auto minutes = fields.values.find("code_valid_minutes"); minutes != fields.values.end())
    fields.values["code_valid_for"] =
        word_for(view.c, "letters.minutes", minutes->second + " minutes", {{"n", minutes->second}});
  for (const auto& [k, v] : extra.lists) fields.lists[k] = v;
  // A task goes to a colleague, in the installation's language; the rest to the requester, in theirs.
  std::string language = letter == "manual-task" ? m_settings.language : language_of(view.c);
  auto rendered = render_letter(letter, language, fields, m_settings.templates_dir);
  if (!rendered) return propagate(rendered.error());
  Instant now = m_desk.clock().now();
  // The case number leads a reply back to its case (desk/mail_intake.cpp follows In-Reply-To);
  // the domain is the sender's, so the id is unique in the world.
  std::string domain = m_settings.mail_from.substr(m_settings.mail_from.rfind('@') + 1);
  if (domain.empty() || domain == m_settings.mail_from) domain = "maestro.invalid";
  std::string message_id = view.c.number + "." + std::string(letter) + "." + to_hex(random_bytes(6)) + "@" + domain;
  json sealed{{"from", m_settings.mail_from},
              {"reply_to", m_settings.mail_reply_to.empty() ? m_settings.mail_from : m_settings.mail_reply_to},
              {"to", *recipient},
              {"subject", rendered->subject},
              {"body", rendered->body},
              {"message_id", message_id}};
  OutboxMessage m;
  m.case_number = view.c.number;
  m.letter = std::string(letter);
  m.created_at = now;
  m.state = "pending";
  m.next_attempt_at = now;
  m.sealed = m_desk.keys().seal(sealed.dump());
  json details{{"letter", m.letter}, {"recipient", m_desk.keys().pseudonym("email:" + *recipient)}};
  auto id = m_desk.add_message(m, details.dump());
  if (!id) return propagate(id.error());
  m.id = *id;
  SendReport report;
  if (auto ok = attempt(m, report); !ok) return propagate(ok.error());
  if (auto others = send_due(); !others) return propagate(others.error());
  return open(m);
}

Status Correspondence::attempt(OutboxMessage& m, SendReport& report) {
  // At most once: the message is marked as being sent before the mail server has it, so that
  // no other sender (another worker, serve) sends it too. One that dies while sending leaves it
  // "sending", for a person to check against the mail server's log (never sent twice).
  auto claimed = m_desk.claim_message(m.id);
  if (!claimed) return propagate(claimed.error());
  if (!*claimed) return {};
  auto opened = open(m);
  if (!opened) return propagate(opened.error());
  MailMessage mail{opened->from, opened->to, opened->subject, opened->body, opened->message_id, m_desk.clock().now(),
                   opened->reply_to};
  Status sent = m_mailer.send(mail);
  Instant now = m_desk.clock().now();
  ++m.attempts;
  std::string outcome;
  if (sent) {
    m.state = m_mailer.delivers() ? "sent" : "manual";
    m.sent_at = now;
    m.last_error.clear();
    outcome = m.state;
    (m_mailer.delivers() ? report.sent : report.written)++;
    if (m.letter == "package-password") {
      // Delivered: the password has no further use here, so it is not kept even sealed.
      json stored{{"from", opened->from},
                  {"reply_to", opened->reply_to},
                  {"to", opened->to},
                  {"subject", opened->subject},
                  {"body", "[the password was removed after sending]"},
                  {"message_id", opened->message_id}};
      m.sealed = m_desk.keys().seal(stored.dump());
    }
  } else {
    m.last_error = sent.error().message;
    bool permanent = sent.error().code == ErrorCode::invalid_argument;
    if (permanent || m.attempts >= k_max_attempts) {
      m.state = "failed";
      outcome = "failed";
      ++report.failed;
    } else {
      m.next_attempt_at = now + pause_after(m.attempts);
      outcome = "retry";
      ++report.waiting;
    }
    report.errors.push_back("message #" + std::to_string(m.id) + ": " + m.last_error);
  }
  json details{{"message", m.id}, {"letter", m.letter}, {"attempts", m.attempts}};
  return m_desk.update_message(m, outcome, details.dump());
}

Result<SendReport> Correspondence::send_due() {
  auto all = m_desk.messages();
  if (!all) return propagate(all.error());
  SendReport report;
  Instant now = m_desk.clock().now();
  for (auto& m : *all) {
    if (m.state != "pending") continue;
    if (m.next_attempt_at > now) {
      ++report.waiting;
      continue;
    }
    if (auto ok = attempt(m, report); !ok) return propagate(ok.error());
  }
  return report;
}

Result<OutboxView> Correspondence::open(const OutboxMessage& m) const {
  auto text = m_desk.keys().open(m.sealed);
  if (!text) return propagate(text.error());
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::data_loss, "outbox message #" + std::to_string(m.id) + " is unreadable");
  return OutboxView{m,
                    j.value("from", ""),
                    j.value("to", ""),
                    j.value("subject", ""),
                    j.value("body", ""),
                    j.value("message_id", std::to_string(m.id) + "@maestro"),
                    j.value("reply_to", "")};
}

Result<std::vector<OutboxView>> Correspondence::list() {
  auto all = m_desk.messages();
  if (!all) return propagate(all.error());
  std::vector<OutboxView> out;
  for (const auto& m : *all) {
    auto v = open(m);
    if (!v) return propagate(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

Result<OutboxView> Correspondence::show(std::int64_t id) {
  auto all = m_desk.messages();
  if (!all) return propagate(all.error());
  for (const auto& m : *all) {
    if (m.id == id) return open(m);
  }
  return not_found("no outbox message #" + std::to_string(id));
}

Status Correspondence::settle_sending(std::int64_t id, bool went, const std::string& checked) {
  if (checked.empty()) return invalid("say how the mail server's log was checked (--checked)");
  auto all = m_desk.messages();
  if (!all) return propagate(all.error());
  auto m = std::find_if(all->begin(), all->end(), [&](const OutboxMessage& x) { return x.id == id; });
  if (m == all->end()) return not_found("no outbox message #" + std::to_string(id));
  if (m->state != "sending") {
    return precondition("message #" + std::to_string(id) + " is " + m->state +
                        ", not sending: only a letter whose sender died while sending it is settled by hand");
  }
  Instant now = m_desk.clock().now();
  if (went) {
    m->state = "sent";
    m->sent_at = now;
  } else {
    m->state = "pending";
    m->next_attempt_at = now;
  }
  json details{{"message", m->id}, {"letter", m->letter}, {"settled_by_hand", true}, {"checked", checked}};
  return m_desk.update_message(*m, went ? "sent" : "retry", details.dump());
}

std::optional<std::string> confirmation_letter(const Case& c) {
  for (Right r : c.rights) {
    if (r == Right::erasure || r == Right::ccpa_delete) return "deletion-confirmation";
  }
  for (Right r : c.rights) {
    if (r == Right::ccpa_opt_in_to_sale) return "consent-confirmation";
  }
  for (Right r : c.rights) {
    if (r == Right::rectification) return "rectification-confirmation";
    if (r == Right::restriction) return "restriction-confirmation";
    if (r == Right::objection || r == Right::automated_decision_opt_out || r == Right::ccpa_opt_out_of_sale)
      return "objection-confirmation";
  }
  return std::nullopt;
}

namespace {

// A denial reason's policy text, lowercased to sit inside a sentence.
std::string reason_text(const Policy& p, const std::string& code) {
  auto it = p.denial_reasons.find(code);
  std::string text = it == p.denial_reasons.end() ? code : it->second;
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

Result<LetterFields> Correspondence::closing_fields(const CaseView& v, std::string_view letter) {
  LetterFields f;
  if (letter == "refusal") {
    f.values["denial_reason_text"] =
        word_for(v.c, "letters.denial." + v.c.denial_reason, reason_text(m_desk.policy(), v.c.denial_reason));
    f.values["denial_details"] = v.c.denial_details;
    // Where the law gives an appeal (VCDPA), the refusal says how to appeal; the answer to an
    // appeal says so, and points to the authority.
    if (!v.c.appeal_of.empty()) {
      f.values["appeal_of"] = v.c.appeal_of;
    } else if (auto j = m_desk.policy().jurisdiction(v.c.jurisdiction); j && (*j)->appeal) {
      const Duration& period = *(*j)->appeal;
      std::string n = std::to_string(period.amount);
      f.values["appeal_period"] = period.unit == DurationUnit::days
                                      ? word_for(v.c, "letters.days", n + " days", {{"n", n}})
                                      : format_duration(period);
    }
  } else if (letter == "extension-notice") {
    std::string reason = v.c.extensions.empty() ? "complex" : v.c.extensions.back().reason;
    f.values["extension_reason"] = word_for(v.c, "letters.extension." + reason,
                                            reason == "numerous" ? "one of a number of requests from you" : "complex");
  } else if (letter == "fulfilment" && !v.c.deliveries.empty()) {
    return fulfilment_fields(v, v.c.deliveries.back().destination);
  } else if (letter == "package-password") {
    if (v.c.package_password.empty())
      return precondition(v.c.number + " holds no package password to send (it was shown to the operator)");
    f.values["password"] = v.c.package_password;
  } else if (letter == "deletion-confirmation") {
    auto job = m_desk.erasure_job(v.c.number);
    if (!job) return propagate(job.error());
    auto& retained = f.lists["retained"];
    if (*job) {
      auto plan = plan_from_json((*job)->second);
      if (!plan) return propagate(plan.error());
      for (const auto& r : plan->retained) {
        retained.push_back({{"records", std::to_string(r.records)},
                            {"collection", r.collection},
                            {"reason", r.reason},
                            {"erasable_from", date_for(v.c, r.erasable_from)}});
      }
    }
  }
  return f;
}

Result<LetterFields> Correspondence::fulfilment_fields(const CaseView& v, const std::string& delivered_to) {
  LetterFields f;
  f.values["package_name"] = std::filesystem::path(delivered_to).filename().string();
  f.values["package_location"] = delivered_to;
  if (!v.c.deliveries.empty() && !v.c.deliveries.back().complete()) {
    std::string systems;
    for (const auto& s : v.c.deliveries.back().unsearched) systems += (systems.empty() ? "" : ", ") + s;
    f.values["not_searched"] = systems;
  }
  if (!m_settings.server.public_url.empty()) {
    auto secret = m_desk.add_status_link(v.c.number);
    if (!secret) return propagate(secret.error());
    f.values["status_url"] = m_settings.server.public_url + "/portal/s/" + *secret;
    f.values["download_hours"] = std::to_string(m_settings.server.download_hours);
  }
  return f;
}

Result<OutboxView> Correspondence::mail_task(const ManualTask& t, bool reminder) {
  static const std::map<std::string, std::string> instructions{
      {"export", "send the DPO a copy of everything this system holds about the person"},
      {"erase",
       "erase or anonymize everything this system holds about the person (keep only what the law requires, "
       "and say what and why)"}};
  auto v = m_desk.find(t.case_number);
  if (!v) return propagate(v.error());
  LetterFields f;
  std::string ids;
  for (const auto& id : v->c.identifiers) ids += (ids.empty() ? "" : ", ") + id.kind + " " + id.value;
  f.values["subject_identifiers"] = ids;
  f.values["task_id"] = std::to_string(t.id);
  f.values["task_kind"] = t.kind;
  f.values["task_system"] = t.system;
  f.values["task_due"] = format_date(t.due);
  auto it = instructions.find(t.kind);
  f.values["task_instructions"] = it == instructions.end() ? t.kind : it->second;
  if (reminder) f.values["reminder"] = "yes";
  return send_letter(*v, "manual-task", f, t.owner);
}

}  // namespace maestro
