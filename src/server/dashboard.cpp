#include "server/dashboard.hpp"

#include <openssl/crypto.h>
#include <mstch/mstch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/text.hpp"
#include "desk/case_actions.hpp"
#include "desk/correspondence.hpp"
#include "desk/verification_service.hpp"
#include "server/api_support.hpp"
#include "server/dashboard_page.hpp"

namespace maestro {

namespace dashboard_ui {

namespace {
constexpr const char* k_cookie = "maestro_session";

std::string plural_days(int n) {
  return std::to_string(n) + (n == 1 ? " day" : " days");
}
}  // namespace

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string words(std::string_view code) {
  std::string out(code);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::pair<std::string, std::string> urgency(bool closed, bool overdue, int days_left) {
  if (closed) return {"closed", ""};
  if (overdue) return {"overdue by " + plural_days(-days_left), "overdue"};
  if (days_left <= 7) return {"due in " + plural_days(days_left), "soon"};
  return {plural_days(days_left) + " left", ""};
}

const char* action_label(std::string_view a) {
  if (a == "acknowledge") return "Acknowledge";
  if (a == "start") return "Start work";
  if (a == "review") return "Send for review";
  if (a == "fulfil") return "Approve and close as fulfilled";
  if (a == "deny") return "Refuse the request";
  if (a == "withdraw") return "Record withdrawal";
  if (a == "pause") return "Pause the clock";
  if (a == "resume") return "Resume the clock";
  if (a == "extend") return "Extend the deadline";
  if (a == "note") return "Add a note";
  if (a == "assign") return "Assign";
  if (a == "close-by-exception") return "Close by exception";
  if (a == "appeal") return "Log the requester's appeal";
  return "Override verification";
}

mstch::array reason_list(const std::map<std::string, std::string>& reasons) {
  mstch::array out;
  for (const auto& [code, text] : reasons) out.push_back(code);
  return out;
}

HttpResponse Page::route(std::string& route) {
  const std::string& p = m_r.path;
  if (p == "/static/maestro.css") {
    route = "/static";
    HttpResponse css{200, "text/css; charset=utf-8", web_file("maestro.css"), {}};
    return css;
  }
  // A form posted from another site is refused before anything else (SameSite=Strict is the
  // first guard, the CSRF token the second, this the third).
  if (cross_site_post(m_r, m_secure)) {
    route = "/dashboard (cross-site)";
    return message(403, "Not allowed", "This form was sent from another site.", "/dashboard", "Go to the queue");
  }
  if (p == "/dashboard/login") {
    route = "/dashboard/login";
    return m_r.method == "POST" ? login() : page(200, "Sign in", "login", {{"email", std::string()}});
  }
  if (p == "/dashboard/password") {
    route = "/dashboard/password";
    return m_r.method == "POST" ? set_password() : password_form();
  }
  if (auto signed_in = current(); !signed_in) {
    route = "/dashboard (sign-in needed)";
    if (m_r.method == "POST")
      return message(401, "Signed out", "Your session has ended: sign in again.", "/dashboard/login", "Sign in");
    return redirect_to("/dashboard/login");
  }
  if (m_r.method == "POST" && !csrf_ok()) {
    route = "/dashboard (csrf)";
    return message(403, "Not allowed",
                   "This form is out of date or was not sent from the dashboard. Go back, "
                   "reload the page and try again.",
                   "/dashboard", "Go to the queue");
  }
  auto parts = split_path(p);
  if (p == "/dashboard/logout" && m_r.method == "POST") {
    route = "/dashboard/logout";
    (void)m_anonymous.sign_out(cookie_value(m_r, k_cookie));
    HttpResponse out = redirect_to("/dashboard/login");
    out.headers.emplace_back("Set-Cookie", cookie("", 0));
    return out;
  }
  if (parts.size() == 1) {
    route = "/dashboard";
    return queue();
  }
  if (parts.size() == 2 && parts[1] == "holds") {
    route = "/dashboard/holds";
    if (m_r.method == "POST") return place_hold();
    std::string notice;
    auto number_in = [&](const char* key) {
      auto it = m_r.query.find(key);
      bool digits = it != m_r.query.end() && !it->second.empty() && it->second.size() < 19 &&
                    it->second.find_first_not_of("0123456789") == std::string::npos;
      return digits ? it->second : std::string();
    };
    if (auto placed = number_in("placed"); !placed.empty())
      notice = "Legal hold #" + placed + " placed: this person's erasure is refused until it is released.";
    if (auto released = number_in("released"); !released.empty()) notice = "Legal hold #" + released + " released.";
    return holds_page(200, "", notice);
  }
  if (parts.size() == 4 && parts[1] == "holds" && parts[3] == "release" && m_r.method == "POST") {
    route = "/dashboard/holds/{id}/release";
    return release_hold(parts[2]);
  }
  if (parts.size() == 2 && parts[1] == "reports") {
    route = "/dashboard/reports";
    return reports();
  }
  if (parts.size() == 3 && parts[1] == "reports" && (parts[2] == "dsr-log.csv" || parts[2] == "dsr-log.md")) {
    route = "/dashboard/reports/dsr-log";
    return dsr_log(parts[2].ends_with(".csv"));
  }
  if (parts.size() == 2 && parts[1] == "audit") {
    route = "/dashboard/audit";
    auto check = m_desk->verify_audit();
    if (!check) return message(503, "Unavailable", check.error().message, "/dashboard", "Go to the queue");
    return page(200, "The audit trail", "audit",
                {{"intact", check->intact},
                 {"events", std::to_string(check->events)},
                 {"head_hash", check->head_hash},
                 {"problem", check->problem},
                 {"first_broken", std::to_string(check->first_broken.value_or(0))}});
  }
  if (parts.size() >= 2 && parts[1] == "mail") return mail_route(parts, route);
  if (parts.size() == 3 && parts[1] == "cases") {
    route = "/dashboard/cases/{number}";
    return case_page(parts[2], 200, "", m_r.query.count("done") ? notice_for_done() : "");
  }
  if (parts.size() == 5 && parts[1] == "cases" && parts[3] == "actions" && m_r.method == "POST") {
    route = "/dashboard/cases/{number}/actions/{action}";
    return run_action(parts[2], parts[4]);
  }
  if (parts.size() == 4 && parts[1] == "cases" && parts[3] == "erasure" && m_r.method == "GET") {
    route = "/dashboard/cases/{number}/erasure";
    return erasure_preview(parts[2]);
  }
  if (parts.size() == 4 && parts[1] == "cases" && parts[3] == "checks" && m_r.method == "POST") {
    route = "/dashboard/cases/{number}/checks";
    return record_check(parts[2]);
  }
  if (parts.size() == 4 && parts[1] == "cases" && parts[3] == "preview" && m_r.method == "POST") {
    route = "/dashboard/cases/{number}/preview";
    return change_preview(parts[2]);
  }
  if (parts.size() == 4 && parts[1] == "cases" && parts[3] == "redactions" && m_r.method == "POST") {
    route = "/dashboard/cases/{number}/redactions";
    return review_redaction(parts[2]);
  }
  if (parts.size() == 4 && parts[1] == "tasks" && parts[3] == "done" && m_r.method == "POST") {
    route = "/dashboard/tasks/{id}/done";
    return complete_task(parts[2]);
  }
  if (parts.size() == 4 && parts[1] == "cases" && parts[3] == "jobs" && m_r.method == "POST") {
    route = "/dashboard/cases/{number}/jobs";
    return start_job(parts[2]);
  }
  route = "/dashboard (not found)";
  return message(404, "Not found", "There is no such page.", "/dashboard", "Go to the queue");
}

HttpResponse Page::mail_route(const std::vector<std::string>& parts, std::string& route) {
  bool post = m_r.method == "POST";
  if (parts.size() == 2 && !post) {
    route = "/dashboard/mail";
    return mail_inbox();
  }
  if (parts.size() == 3 && !post) {
    route = "/dashboard/mail/{id}";
    return mail_draft_page(parts[2]);
  }
  if (parts.size() == 4 && post && parts[3] == "log") {
    route = "/dashboard/mail/{id}/log";
    return log_mail(parts[2]);
  }
  if (parts.size() == 4 && post && parts[3] == "ignore") {
    route = "/dashboard/mail/{id}/ignore";
    return ignore_mail(parts[2]);
  }
  if (parts.size() == 4 && post && parts[3] == "check") {
    route = "/dashboard/mail/{id}/check";
    return check_evidence(parts[2]);
  }
  if (parts.size() == 5 && !post && parts[3] == "evidence") {
    route = "/dashboard/mail/{id}/evidence/{n}";
    return evidence_file(parts[2], parts[4]);
  }
  route = "/dashboard (not found)";
  return message(404, "Not found", "There is no such page.", "/dashboard/mail", "Go to the inbox");
}

std::string Page::cookie(const std::string& value, long max_age) const {
  // HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure under TLS.
  return std::string(k_cookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict" + (m_secure ? "; Secure" : "") +
         (max_age >= 0 ? "; Max-Age=" + std::to_string(max_age) : "");
}

const std::optional<SignedIn>& Page::current() {
  if (!m_checked) {
    m_checked = true;
    std::string secret = cookie_value(m_r, k_cookie);
    if (!secret.empty()) {
      auto live = m_anonymous.session(secret, limits());
      if (live && *live) m_signed_in = std::move(**live);
    }
    if (m_signed_in) m_desk.emplace(m_store, *m_inst.keys, m_inst.policy, m_clock, m_signed_in->account.email);
  }
  return m_signed_in;
}

HttpResponse Page::page(int status, const std::string& title, const std::string& content, mstch::map context) {
  if (m_signed_in) {
    context.emplace("signed_in", true);
    context.emplace("csrf", m_signed_in->session.csrf_token);
    context.emplace("operator_email", m_signed_in->account.email);
    context.emplace("operator_role", std::string(role_name(m_signed_in->role)));
    context.emplace("dashboard", true);
  }
  return html_page(status, title, content, std::move(context));
}

HttpResponse Page::login() {
  std::string email = field("email");
  auto signed_in = m_anonymous.sign_in(email, field("password"), m_client);
  if (!signed_in) {
    bool locked = signed_in.error().code == ErrorCode::failed_precondition;
    bool wrong = signed_in.error().code == ErrorCode::permission_denied;
    if (!locked && !wrong)
      return message(503, "Unavailable", signed_in.error().message, "/dashboard/login", "Try again");
    mstch::map context{{"email", email.substr(0, 200)}, {"problem", signed_in.error().message}};
    return page(locked ? 429 : 401, "Sign in", "login", context);
  }
  HttpResponse out = redirect_to("/dashboard");
  out.headers.emplace_back("Set-Cookie", cookie(signed_in->secret, -1));
  return out;
}

HttpResponse Page::set_password() {
  std::string link = field("link");
  if (field("password") != field("again")) {
    return page(400, "Choose your password", "password",
                {{"link", link}, {"problem", std::string("The two passwords differ.")}});
  }
  auto set = m_anonymous.set_password(link, field("password"));
  if (!set) {
    if (set.error().code == ErrorCode::invalid_argument)
      return page(400, "Choose your password", "password", {{"link", link}, {"problem", set.error().message}});
    return message(http_status_for(set.error().code), "This link does not work", set.error().message,
                   "/dashboard/login", "Sign in");
  }
  return message(200, "Password set", "Your password is set. Sign in with " + set->email + ".", "/dashboard/login",
                 "Sign in");
}

HttpResponse Page::queue() {
  auto q = [&](const char* key) { return m_r.query.count(key) ? m_r.query.at(key) : std::string(); };
  CaseQuery query;
  std::string problem_text;
  if (auto state = q("state"); !state.empty()) {
    if (auto parsed = parse_state(state))
      query.state = *parsed;
    else
      problem_text = parsed.error().message;
  }
  if (auto right = q("right"); !right.empty()) {
    if (auto parsed = parse_right(right))
      query.right = *parsed;
    else
      problem_text = parsed.error().message;
  }
  if (auto j = q("jurisdiction"); !j.empty()) query.jurisdiction = j;
  if (m_r.query.count("assignee") && !q("assignee").empty()) query.assignee = q("assignee");
  query.overdue_only = q("overdue") == "true";
  std::string search = q("q");
  if (!search.empty()) {
    // A case number goes straight to its page; anything else is an identifier, found through
    // the keyed index (no case is opened to search).
    std::string upper = search;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    if (upper.starts_with("DSAR-")) {
      if (m_desk->find(search)) return redirect_to("/dashboard/cases/" + upper);
      problem_text = "There is no case " + search.substr(0, 40) + ".";
    } else if (auto id = parse_identifier(search)) {
      query.subject = *id;
    } else {
      problem_text = id.error().message;
    }
  }
  auto page_of_cases = m_desk->queue(query, 50, q("cursor"));
  if (!page_of_cases) {
    problem_text = page_of_cases.error().message;
    page_of_cases = m_desk->queue(CaseQuery{}, 50, "");
    if (!page_of_cases) return message(503, "Unavailable", page_of_cases.error().message, "/dashboard", "Try again");
  }
  mstch::array rows;
  for (const auto& item : page_of_cases->items) {
    auto [left, css] = urgency(item.entry.closed_at.has_value(), item.overdue, item.days_left);
    std::string rights = item.entry.rights;
    for (std::size_t at = rights.find(','); at != std::string::npos; at = rights.find(',', at + 2))
      rights.replace(at, 1, ", ");
    rows.push_back(mstch::map{{"number", item.entry.number},
                              {"state", words(item.entry.state)},
                              {"paused", item.paused},
                              {"rights", rights},
                              {"jurisdiction", item.entry.jurisdiction},
                              {"received", format_date(date_of(item.entry.received_at))},
                              {"legal_due", format_date(item.legal_due)},
                              {"time_left", left},
                              {"urgency", css},
                              {"assignee", item.assignee.empty() ? std::string("nobody") : item.assignee}});
  }
  mstch::map context{{"cases", rows}, {"assignee", q("assignee")}, {"q", search}, {"overdue", query.overdue_only}};
  context.emplace("states", options(k_states(), q("state")));
  context.emplace("rights", options(k_rights(), q("right")));
  std::vector<std::string> jurisdictions;
  for (const auto& entry : m_inst.policy.jurisdictions) jurisdictions.push_back(entry.first);
  context.emplace("jurisdictions", options(jurisdictions, q("jurisdiction")));
  if (page_of_cases->next_cursor) {
    std::string next = "/dashboard?cursor=" + percent_encode(*page_of_cases->next_cursor, ":@");
    for (const char* key : {"state", "right", "jurisdiction", "assignee", "q", "overdue"}) {
      if (!q(key).empty()) next += std::string("&") + key + "=" + percent_encode(q(key), ":@");
    }
    context.emplace("next_href", next);
  }
  if (auto counts = m_desk->queue_counts(7)) {
    long open = 0;
    for (const auto& [state, n] : counts->by_state) {
      if (state != "fulfilled" && state != "denied" && state != "withdrawn") open += n;
    }
    context.emplace("open_count", std::to_string(open));
    context.emplace("overdue_count", std::to_string(counts->overdue));
    context.emplace("due_soon_count", std::to_string(counts->due_soon));
  }
  if (!problem_text.empty()) context.emplace("problem", problem_text);
  return page(problem_text.empty() ? 200 : 400, "Requests", "queue", context);
}

const std::vector<std::string>& Page::k_states() {
  static const std::vector<std::string> states{"received",  "acknowledged", "awaiting_verification",
                                               "verified",  "in_progress",  "in_review",
                                               "fulfilled", "denied",       "withdrawn"};
  return states;
}

const std::vector<std::string>& Page::k_rights() {
  static const std::vector<std::string> rights{"access",
                                               "portability",
                                               "rectification",
                                               "erasure",
                                               "restriction",
                                               "objection",
                                               "automated-decision-opt-out",
                                               "ccpa-know",
                                               "ccpa-delete",
                                               "ccpa-opt-out-of-sale",
                                               "ccpa-opt-in-to-sale"};
  return rights;
}

std::string Page::notice_for_done() {
  std::string action = m_r.query.at("done");
  static const std::map<std::string, std::string> k_work{
      {"export", "export job queued"},
      {"erase", "erasure job queued; its proof appears below"},
      {"locate", "search queued; the records found appear below"},
      {"change", "change queued; the records changed appear below"},
      {"check", "identity check recorded and passed"},
      {"check-failed", "identity check recorded: it did NOT pass (failed checks count)"},
      {"code-sent", "a code was emailed to the requester; enter it here when they read it to you"},
      {"task", "manual task recorded as done"},
      {"redaction-restore", "value restored: export the package again to deliver it"},
      {"redaction-release", "redaction released"}};
  auto work = k_work.find(action);
  if (!role_for_case_action(action) && work == k_work.end()) return "";
  std::string text = "Done: " + (work != k_work.end() ? work->second : std::string(action_label(action))) + ".";
  auto letter = m_r.query.find("letter");
  if (letter != m_r.query.end()) {
    if (letter->second == "sent" || letter->second == "manual" || letter->second == "pending")
      text += " The letter to the requester is " + letter->second + ".";
    else if (letter->second == "not-sent")
      text += " The letter to the requester could not be queued: see the outbox.";
  }
  if (m_r.query.count("evidence") && m_r.query.at("evidence") == "destroyed")
    text += " The evidence's attachments are destroyed; their SHA-256 are in the audit trail.";
  return text;
}

mstch::map Page::action_form(const std::string& number, const std::string& action) {
  mstch::map f{{"name", action},
               {"label", std::string(action_label(action))},
               {"number", number},
               {"csrf", m_signed_in->session.csrf_token}};
  const Policy& policy = m_inst.policy;
  auto with_reasons = [&](const std::map<std::string, std::string>& reasons) {
    f.emplace("has_reasons", true);
    f.emplace("reasons", reason_list(reasons));
  };
  if (action == "deny") {
    with_reasons(policy.denial_reasons);
    f.emplace("details", true);
    f.emplace("hint", std::string("Sends the refusal letter with the reason and the right to complain."));
  } else if (action == "pause") {
    with_reasons(policy.pause_reasons);
  } else if (action == "extend") {
    with_reasons(policy.extension_reasons);
    f.emplace("hint", std::string("Sends the extension notice with the new due date."));
  } else if (action == "override-verification") {
    f.emplace("free_reason", true);
    f.emplace("hint", std::string("Only when identity was checked outside Maestro."));
  } else if (action == "note") {
    f.emplace("text", true);
    f.emplace("text_label", std::string("Note (kept encrypted)"));
    f.emplace("text_required", true);
  } else if (action == "assign") {
    // Anyone who may run requests, from the accounts (an auditor changes nothing).
    mstch::array choices{mstch::map{{"value", std::string()}, {"label", std::string("nobody")}}};
    if (auto accounts = m_desk->operators()) {
      for (const auto& a : *accounts) {
        if (a.disabled_at || a.role == "auditor") continue;
        choices.push_back(mstch::map{{"value", a.email}, {"label", a.email + " (" + a.role + ")"}});
      }
    }
    f.emplace("choices", choices);
    f.emplace("choice_label", std::string("Operator"));
  } else if (action == "acknowledge") {
    f.emplace("hint", std::string("Sends the acknowledgement letter (template A)."));
  } else if (action == "fulfil") {
    f.emplace("hint", std::string("Delivers the reviewed package and closes the case: the requester gets the "
                                  "fulfilment letter, then the password apart, and the confirmation of what "
                                  "else was done."));
  } else if (action == "appeal") {
    f.emplace("hint", std::string("The appeal becomes a case of its own, with the law's time to answer it; refusing "
                                  "it again sends the authority's contact."));
  } else if (action == "close-by-exception") {
    auto view = m_desk->find(number);
    std::string owed;
    if (view) {
      for (const auto& b : closing_blockers(view->c)) owed += (owed.empty() ? "" : "; ") + b;
    }
    f.emplace("free_reason", true);
    f.emplace("hint", "Work is still owed (" + owed + "). Close anyway only with the reason, which is kept.");
  }
  return f;
}

HttpResponse Page::case_page(const std::string& number, int status, const std::string& problem_text,
                             const std::string& notice) {
  auto view = m_desk->find(number);
  if (!view) {
    if (view.error().code == ErrorCode::not_found || view.error().code == ErrorCode::invalid_argument)
      return message(404, "Not found", "There is no case " + number.substr(0, 40) + ".", "/dashboard",
                     "Go to the queue");
    return message(503, "Unavailable", view.error().message, "/dashboard", "Try again");
  }
  const Case& c = view->c;
  auto [left, css] = urgency(is_closed(c.state), view->deadlines.overdue, view->deadlines.days_left);
  std::string rights;
  for (Right r : c.rights) rights += (rights.empty() ? "" : ", ") + std::string(right_name(r));
  mstch::array identifiers;
  for (const auto& id : c.identifiers) identifiers.push_back(id.kind + ":" + id.value);
  mstch::map context{{"number", c.number},
                     {"state", words(state_name(c.state))},
                     {"paused", c.is_paused()},
                     {"rights", rights},
                     {"jurisdiction", c.jurisdiction},
                     {"received", format_instant(c.received_at)},
                     {"channel", c.channel},
                     {"legal_due", format_date(view->deadlines.legal_due)},
                     {"time_left", left},
                     {"urgency", css},
                     {"subject_name", c.subject_name.empty() ? std::string("(not given)") : c.subject_name},
                     {"identifiers", identifiers},
                     {"assignee", c.assignee.empty() ? std::string("nobody") : c.assignee},
                     {"csrf", m_signed_in->session.csrf_token}};
  if (!c.denial_reason.empty()) context.emplace("denial_reason", c.denial_reason);
  // While `datamap drift` last found personal data the map does not know, every case's search
  // and erasure proof may have missed a copy: said on the case itself.
  if (auto drift = m_desk->latest_drift(); drift && !drift->empty()) {
    auto summary = nlohmann::json::parse(*drift, nullptr, false);
    if (summary.is_object() && summary.value("personal_unmapped", 0) > 0) {
      context.emplace("drift", true);
      context.emplace("drift_count", std::to_string(summary.value("personal_unmapped", 0)));
      context.emplace("drift_at", summary.value("at", ""));
      std::string columns;
      for (const auto& column : summary["columns"]) columns += (columns.empty() ? "" : "; ") + column.get<std::string>();
      context.emplace("drift_columns", columns);
    }
  }
  if (auto by_agent = m_desk->agent_request_of_case(c.number); by_agent && *by_agent) {
    const AgentRequestRecord& r = **by_agent;
    auto agent = m_desk->agent(r.agent_id);
    context.emplace("agent", true);
    context.emplace("agent_id", r.agent_id);
    context.emplace("agent_name", agent && *agent ? (*agent)->name : r.agent_id);
    context.emplace("agent_reference", r.agent_request_id.empty() ? std::string("(none)") : r.agent_request_id);
    context.emplace("agent_request", r.request_id);
    context.emplace("agent_callback", !r.status_callback.empty());
  }
  mstch::array actions;
  for (const auto& a : case_actions_available(*view, m_signed_in->role, &m_inst.policy))
    actions.push_back(action_form(c.number, a));
  context.emplace("actions", actions);
  mstch::array jobs;
  auto job_list = m_desk->jobs(c.number, "", 20);
  if (job_list) {
    for (const auto& j : *job_list) {
      std::string progress = j.progress_total > 0
                                 ? std::to_string(j.progress_done) + " of " + std::to_string(j.progress_total)
                                 : std::string("-");
      if (!j.progress_note.empty()) progress += " (" + j.progress_note + ")";
      std::string outcome = "-";
      auto result = nlohmann::json::parse(j.result.empty() ? "{}" : j.result, nullptr, false);
      if (j.kind == "erase" && result.is_object() && result.contains("clean")) {
        std::size_t sent = result.value("sent_by_identifier", 0);
        outcome = "Proof: " + std::to_string(result.value("verified_rows", 0)) + " row(s) read again, " +
                  (sent > 0 ? std::to_string(sent) + " delete(s) accepted by identifier, " : std::string()) +
                  std::to_string(result.value("remaining", 0)) + " left" +
                  (result.value("clean", false) ? ": nothing erasable remains" : ": NOT CLEAN, see the audit trail");
      } else if (j.kind == "locate" && result.is_object() && result.contains("total")) {
        outcome = std::to_string(result.value("total", 0L)) + " record(s) found; see Records found";
      } else if ((j.kind == "rectify" || j.kind == "restrict" || j.kind == "object") && result.contains("clean")) {
        outcome = std::to_string(result.value("verified_rows", 0L)) + " record(s) changed and read again" +
                  (result.value("clean", false) ? "" : ": NOT CLEAN, see the audit trail");
      } else if (j.kind == "export" && result.is_object() && result.contains("sha256")) {
        outcome = "Package staged for review, SHA-256 " + result.value("sha256", std::string()).substr(0, 16) + "...";
      } else if (j.state == "failed") {
        outcome = "Failed: see the job's error (maestro jobs show " + std::to_string(j.id) + ")";
      }
      jobs.push_back(mstch::map{{"id", std::to_string(j.id)},
                                {"kind", j.kind},
                                {"state", j.state},
                                {"progress", progress},
                                {"created_by", j.created_by},
                                {"outcome", outcome},
                                // host:pid/thread of the worker running it, on whichever machine
                                {"worker", j.state == "running" ? j.lease_owner : std::string()}});
    }
  }
  context.emplace("jobs", jobs);
  add_work(context, *view, job_list ? *job_list : std::vector<JobRecord>{});
  mstch::array letters;
  if (auto messages = m_desk->messages_of_case(c.number)) {
    for (const auto& m : *messages) {
      letters.push_back(mstch::map{{"letter", m.letter},
                                   {"state", m.state},
                                   {"created", format_instant(m.created_at)},
                                   {"attempts", std::to_string(m.attempts)}});
    }
  }
  context.emplace("letters", letters);
  mstch::array notes;
  for (const auto& n : c.notes)
    notes.push_back(mstch::map{{"at", format_instant(n.at)}, {"actor", n.actor}, {"text", n.text}});
  context.emplace("notes", notes);
  add_redactions(context, c);
  add_evidence(context, c);
  mstch::array packages;
  for (const auto& d : c.deliveries) {
    mstch::array gaps;
    for (const auto& g : d.map_gaps) gaps.push_back(g);
    // Staged: waiting for the DPO's approval, nothing sent to the requester yet.
    std::string package_status = d.status == "staged" ? "staged for review (nothing sent yet)" : "delivered";
    if (!d.complete()) package_status += ", INCOMPLETE";
    packages.push_back(mstch::map{{"status", package_status},
                                  {"at", format_instant(d.at)},
                                  {"sha256", d.sha256.substr(0, 16) + "..."},
                                  {"gaps", gaps},
                                  {"has_gaps", !d.map_gaps.empty()}});
  }
  context.emplace("packages", packages);
  mstch::array events;
  (void)m_desk->audit_events(c.number, [&](const AuditEvent& e) -> Status {
    events.push_back(
        mstch::map{{"at", format_instant(e.at)}, {"actor", e.actor}, {"action", e.action}, {"outcome", e.outcome}});
    return {};
  });
  context.emplace("events", events);
  if (!problem_text.empty()) context.emplace("problem", problem_text);
  if (!notice.empty()) context.emplace("notice", notice);
  return page(status, "Case " + c.number, "case", context);
}

HttpResponse Page::run_action(const std::string& number, const std::string& action) {
  auto needed = role_for_case_action(action);
  if (!needed) return message(404, "Not found", "There is no such action.", "/dashboard", "Go to the queue");
  if (!role_allows(m_signed_in->role, *needed))
    return case_page(number, 403, std::string("This needs the ") + role_name(*needed) + " role.", "");
  CaseActionRequest request{action, field("reason"), field("details"), field("text"), true};
  auto mail = Correspondence::open(*m_desk, m_inst.settings);  // without one the letter is "not sent"
  auto done = run_case_action(*m_desk, mail ? mail->get() : nullptr, number, request);
  if (!done) return case_page(number, http_status_for(done.error().code), done.error().message, "");
  std::string to = "/dashboard/cases/" + done->view.c.number + "?done=" + action;
  if (done->letter) to += "&letter=" + std::string(done->sent ? done->sent->message.state : "not-sent");
  return redirect_to(to);
}

}  // namespace dashboard_ui

Dashboard::Dashboard(const Installation& installation, const Clock& clock, WorkerPool* pool, const DataMap* map)
    : m_installation(installation), m_clock(clock), m_pool(pool), m_map(map) {}

HttpResponse Dashboard::handle(const HttpRequest& r, CaseStore& store, const std::string& client, bool secure,
                               std::string& route) {
  dashboard_ui::Page page(m_installation, m_clock, m_pool, m_map, store, r, client, secure);
  return page.route(route);
}

}  // namespace maestro
