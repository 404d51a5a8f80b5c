// The dashboard's privacy inbox (desk/mail_intake.hpp): the drafts the inbox made of each message,
// a draft's page where an operator confirms or corrects the guess (the case is logged, and
// acknowledged if asked) or sets the message aside, and the evidence a reply brought to its case:
// looked at one attachment at a time (audited) and destroyed by the check that records it.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "cases/rights.hpp"
#include "desk/case_actions.hpp"
#include "desk/mail_intake.hpp"
#include "desk/verification_service.hpp"
#include "server/api_support.hpp"
#include "server/dashboard_page.hpp"

namespace maestro::dashboard_ui {

namespace {

std::optional<std::int64_t> draft_number(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(text);
}

// The inbox's address without its user name.
std::string inbox_place(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  return url.substr(0, scheme + 3) + url.substr(at + 1);
}

std::string outcome_of(const MailDraft& d) {
  if (d.state == "pending") return "waiting for an operator";
  if (d.state == "logged") return "logged as a case";
  if (d.state == "joined") return "a reply: joined its case";
  return "set aside: " + d.ignored_reason;
}

// What a browser may show of a requester's attachment in place; anything else is downloaded.
bool shown_in_place(const std::string& content_type) {
  static const std::vector<std::string> k_safe{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"};
  return std::find(k_safe.begin(), k_safe.end(), content_type) != k_safe.end();
}

std::string safe_filename(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') out += c;
  }
  return out.empty() ? std::string("evidence") : out.substr(0, 100);
}

}  // namespace

HttpResponse Page::mail_inbox() {
  std::string state = m_r.query.count("state") ? m_r.query.at("state") : "pending";
  static const std::vector<std::pair<std::string, std::string>> k_tabs{
      {"pending", "Waiting"}, {"logged", "Logged"}, {"joined", "Replies"}, {"ignored", "Set aside"}, {"all", "All"}};
  auto tab = std::find_if(k_tabs.begin(), k_tabs.end(), [&](const auto& t) { return t.first == state; });
  if (tab == k_tabs.end()) return message(400, "Not found", "There is no such list of drafts.", "/dashboard/mail", "Go to the inbox");
  auto drafts = m_desk->mail_drafts(state == "all" ? "" : state, 100);
  if (!drafts) return message(503, "Unavailable", drafts.error().message, "/dashboard", "Go to the queue");
  mstch::array rows;
  for (const auto& d : *drafts) {
    auto view = mail_draft_view(*m_desk, d.id);
    if (!view) return message(503, "Unavailable", view.error().message, "/dashboard", "Go to the queue");
    rows.push_back(mstch::map{{"id", std::to_string(d.id)},
                              {"received", format_instant(d.received_at)},
                              {"from", view->from.empty() ? std::string("(unreadable)") : view->from},
                              {"subject", view->subject},
                              {"rights", d.rights.empty() ? std::string("none named") : words(d.rights)},
                              {"confidence", d.confidence},
                              {"case_number", d.case_number},
                              {"outcome", outcome_of(d)}});
  }
  mstch::array tabs;
  for (const auto& [value, label] : k_tabs)
    tabs.push_back(mstch::map{{"value", value}, {"label", label}, {"selected", value == state}});
  std::string place = m_inst.settings.imap_url.empty() ? std::string("not configured: mail.imap in maestro.yaml")
                                                       : inbox_place(m_inst.settings.imap_url);
  return page(200, "Privacy inbox", "mail-inbox",
              {{"drafts", rows}, {"states", tabs}, {"caption", tab->second}, {"inbox", place}});
}

HttpResponse Page::mail_draft_page(const std::string& id_text, int status, const std::string& problem_text) {
  auto id = draft_number(id_text);
  if (!id) return message(404, "Not found", "There is no such mail draft.", "/dashboard/mail", "Go to the inbox");
  auto view = mail_draft_view(*m_desk, *id);
  if (!view) {
    if (view.error().code == ErrorCode::not_found)
      return message(404, "Not found", view.error().message, "/dashboard/mail", "Go to the inbox");
    return message(503, "Unavailable", view.error().message, "/dashboard/mail", "Go to the inbox");
  }
  const MailDraft& d = view->draft;
  const MailGuess& g = view->guess;
  mstch::array reasons, attachments;
  for (const auto& r : g.reasons) reasons.push_back(r);
  for (const auto& a : view->attachments) attachments.push_back(a);
  std::string subjects;
  for (const auto& s : g.subjects) subjects += s + "\n";
  mstch::array right_choices;
  for (const auto& r : k_rights()) {
    bool guessed = std::any_of(g.rights.begin(), g.rights.end(), [&](Right x) { return right_name(x) == r; });
    right_choices.push_back(mstch::map{{"value", r}, {"label", words(r)}, {"selected", guessed}});
  }
  std::vector<std::string> jurisdictions;
  for (const auto& entry : m_inst.policy.jurisdictions) jurisdictions.push_back(entry.first);
  std::string jurisdiction = g.jurisdiction.empty() ? std::string("gdpr") : g.jurisdiction;
  mstch::map context{{"id", std::to_string(d.id)},
                     {"state", d.state},
                     {"case_number", d.case_number},
                     {"ignored_reason", d.ignored_reason},
                     {"from", view->from},
                     {"subject", view->subject},
                     {"received", format_instant(d.received_at)},
                     {"rights", d.rights.empty() ? std::string("no right named") : words(d.rights)},
                     {"jurisdiction", g.jurisdiction.empty() ? std::string("not said") : g.jurisdiction},
                     {"language", g.language},
                     {"confidence", d.confidence},
                     {"reasons", reasons},
                     {"attachments", attachments},
                     {"text", view->text},
                     {"name", g.name},
                     {"subjects", subjects},
                     {"right_choices", right_choices},
                     {"jurisdictions", options(jurisdictions, jurisdiction)},
                     {"can_decide", d.state == "pending" && role_allows(m_signed_in->role, Role::operator_)}};
  if (!problem_text.empty()) context.emplace("problem", problem_text);
  if (m_r.query.count("done") && m_r.query.at("done") == "ignored") context.emplace("notice", std::string("Set aside."));
  return page(status, "Mail draft #" + std::to_string(d.id), "mail-draft", context);
}

HttpResponse Page::log_mail(const std::string& id_text) {
  auto id = draft_number(id_text);
  if (!id) return message(404, "Not found", "There is no such mail draft.", "/dashboard/mail", "Go to the inbox");
  if (!role_allows(m_signed_in->role, Role::operator_))
    return mail_draft_page(id_text, 403, "This needs the operator role.");
  MailConfirmation confirm;
  std::string rights;
  for (const auto& r : k_rights()) {
    if (field(("right-" + r).c_str()) == "yes") rights += (rights.empty() ? "" : ",") + r;
  }
  if (rights.empty()) return mail_draft_page(id_text, 400, "Tick at least one right the requester asks for.");
  confirm.rights = rights;
  confirm.jurisdiction = field("jurisdiction");
  confirm.name = field("name");
  for (const auto& line : lines_of(field("subjects"))) confirm.subjects.push_back(line);
  if (confirm.subjects.empty()) return mail_draft_page(id_text, 400, "Give at least one identifier, e.g. email:...");
  auto logged = log_mail_draft(*m_desk, *id, confirm);
  if (!logged) return mail_draft_page(id_text, http_status_for(logged.error().code), logged.error().message);
  std::string to = "/dashboard/cases/" + logged->c.number;
  if (field("acknowledge") != "yes") return redirect_to(to);
  auto mail = Correspondence::open(*m_desk, m_inst.settings);
  auto ack = run_case_action(*m_desk, mail ? mail->get() : nullptr, logged->c.number,
                             CaseActionRequest{.action = "acknowledge"});
  if (!ack) return case_page(logged->c.number, http_status_for(ack.error().code),
                             "Logged, but not acknowledged: " + ack.error().message, "");
  return redirect_to(to + "?done=acknowledge" +
                     (ack->letter ? "&letter=" + std::string(ack->sent ? ack->sent->message.state : "not-sent") : ""));
}

HttpResponse Page::ignore_mail(const std::string& id_text) {
  auto id = draft_number(id_text);
  if (!id) return message(404, "Not found", "There is no such mail draft.", "/dashboard/mail", "Go to the inbox");
  if (!role_allows(m_signed_in->role, Role::operator_))
    return mail_draft_page(id_text, 403, "This needs the operator role.");
  auto done = ignore_mail_draft(*m_desk, *id, field("reason"));
  if (!done) return mail_draft_page(id_text, http_status_for(done.error().code), done.error().message);
  return redirect_to("/dashboard/mail/" + id_text + "?done=ignored");
}

// One attachment of a reply, for the operator to look at. It is a stranger's file: served with
// no script, no plugin but the PDF viewer, sandboxed, never cached, and downloaded rather than
// shown unless it is an image or a PDF.
HttpResponse Page::evidence_file(const std::string& id_text, const std::string& index_text) {
  auto id = draft_number(id_text);
  auto index = draft_number(index_text);
  if (!id || !index) return message(404, "Not found", "There is no such attachment.", "/dashboard", "Go to the queue");
  if (!role_allows(m_signed_in->role, Role::operator_))
    return message(403, "Not allowed", "Evidence is for the operator role.", "/dashboard", "Go to the queue");
  auto attachment = mail_evidence(*m_desk, *id, static_cast<std::size_t>(*index));
  if (!attachment)
    return message(http_status_for(attachment.error().code), "Not available", attachment.error().message, "/dashboard",
                   "Go to the queue");
  bool in_place = shown_in_place(attachment->content_type);
  HttpResponse out{200, in_place ? attachment->content_type : std::string("application/octet-stream"),
                   std::move(attachment->bytes), {}};
  out.headers.emplace_back("Content-Disposition", std::string(in_place ? "inline" : "attachment") + "; filename=\"" +
                                                      safe_filename(attachment->filename) + "\"");
  out.headers.emplace_back("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                                                      "object-src 'self'; frame-ancestors 'none'; sandbox");
  out.headers.emplace_back("Referrer-Policy", "no-referrer");
  return out;
}

HttpResponse Page::check_evidence(const std::string& id_text) {
  auto id = draft_number(id_text);
  if (!id) return message(404, "Not found", "There is no such mail draft.", "/dashboard", "Go to the queue");
  auto draft = m_desk->mail_draft(*id);
  if (!draft) return message(404, "Not found", draft.error().message, "/dashboard", "Go to the queue");
  const std::string& number = draft->case_number;
  if (!role_allows(m_signed_in->role, Role::operator_)) return case_page(number, 403, "This needs the operator role.", "");
  auto outcome = parse_verification_outcome(field("outcome"));
  if (!outcome || (*outcome != VerificationOutcome::passed && *outcome != VerificationOutcome::failed))
    return case_page(number, 400, "Say whether the check passed or failed.", "");
  const auto& kinds = document_kinds();
  std::string document = field("document");
  if (std::find(kinds.begin(), kinds.end(), document) == kinds.end())
    return case_page(number, 400, "Say what the evidence is (passport, driving licence, ...).", "");
  if (field("finding").empty()) return case_page(number, 400, "Say what the check found.", "");
  auto mail = Correspondence::open(*m_desk, m_inst.settings);
  if (!mail) return case_page(number, 503, mail.error().message, "");
  auto done = check_mail_evidence(*m_desk, **mail, *id, "document", *outcome, words(document) + ": " + field("finding"));
  if (!done) return case_page(number, http_status_for(done.error().code), done.error().message, "");
  std::string notice = *outcome == VerificationOutcome::passed ? "check" : "check-failed";
  return redirect_to("/dashboard/cases/" + done->view.c.number + "?done=" + notice + "&evidence=destroyed");
}

void Page::add_evidence(mstch::map& context, const Case& c) {
  auto found = evidence_of_case(*m_desk, c.number);
  if (!found || found->empty()) return;
  bool can_check = role_allows(m_signed_in->role, Role::operator_);
  mstch::array evidence;
  for (const auto& e : *found) {
    mstch::array attachments;
    for (const auto& a : e.attachments) {
      attachments.push_back(mstch::map{{"index", std::to_string(a.index)},
                                       {"name", a.filename.empty() ? std::string("the unnamed attachment") : a.filename},
                                       {"type", a.content_type},
                                       {"bytes", std::to_string(a.bytes)}});
    }
    evidence.push_back(mstch::map{{"draft", std::to_string(e.draft_id)},
                                  {"received", format_instant(e.received_at)},
                                  {"subject", e.subject},
                                  {"attachments", attachments},
                                  {"can_check", can_check}});
  }
  context.emplace("has_evidence", true);
  context.emplace("evidence", evidence);
}

}  // namespace maestro::dashboard_ui
