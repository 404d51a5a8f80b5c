#include "server/dashboard.hpp"

#include <mstch/mstch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include <algorithm>

#include "desk/case_actions.hpp"
#include "desk/desk.hpp"
#include "desk/erasure_service.hpp"
#include "desk/reports.hpp"
#include "server/charts.hpp"
#include "desk/verification_service.hpp"
#include "notify/mailer.hpp"
#include "common/text.hpp"
#include "server/web_support.hpp"
#include "server/api_support.hpp"

namespace maestro {

namespace {

constexpr const char* k_cookie = "maestro_session";

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string words(std::string_view code) {
  std::string out(code);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string plural_days(int n) {
  return std::to_string(n) + (n == 1 ? " day" : " days");
}

// Text first, colour second (WCAG 1.4.1): "overdue by 3 days", "due in 5 days".
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
  return "Override verification";
}

mstch::array reason_list(const std::map<std::string, std::string>& reasons) {
  mstch::array out;
  for (const auto& [code, text] : reasons) out.push_back(code);
  return out;
}

}  // namespace

Dashboard::Dashboard(const Installation& installation, const Clock& clock, WorkerPool* pool, const DataMap* map)
    : m_installation(installation), m_clock(clock), m_pool(pool), m_map(map) {}

namespace {

// One request's work: the desk as the signed-in operator, and page rendering.
class Page {
 public:
  Page(const Installation& inst, const Clock& clock, WorkerPool* pool, const DataMap* map, CaseStore& store,
       const HttpRequest& r, std::string client, bool secure)
      : m_inst(inst), m_clock(clock), m_pool(pool), m_map(map), m_store(store), m_r(r), m_client(std::move(client)),
        m_secure(secure), m_anonymous(store, *inst.keys, inst.policy, clock, "dashboard") {}

  HttpResponse route(std::string& route) {
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
      if (m_r.method == "POST") return message(401, "Signed out", "Your session has ended: sign in again.",
                                               "/dashboard/login", "Sign in");
      return redirect_to("/dashboard/login");
    }
    if (m_r.method == "POST" && !csrf_ok()) {
      route = "/dashboard (csrf)";
      return message(403, "Not allowed", "This form is out of date or was not sent from the dashboard. Go back, "
                     "reload the page and try again.", "/dashboard", "Go to the queue");
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
                  {{"intact", check->intact}, {"events", std::to_string(check->events)},
                   {"head_hash", check->head_hash}, {"problem", check->problem},
                   {"first_broken", std::to_string(check->first_broken.value_or(0))}});
    }
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
    if (parts.size() == 4 && parts[1] == "cases" && parts[3] == "jobs" && m_r.method == "POST") {
      route = "/dashboard/cases/{number}/jobs";
      return start_job(parts[2]);
    }
    route = "/dashboard (not found)";
    return message(404, "Not found", "There is no such page.", "/dashboard", "Go to the queue");
  }

 private:
  std::string cookie(const std::string& value, long max_age) const {
    // HttpOnly: no script reads it; SameSite=Strict: no other site's page sends it; Secure under TLS.
    return std::string(k_cookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict" +
           (m_secure ? "; Secure" : "") + (max_age >= 0 ? "; Max-Age=" + std::to_string(max_age) : "");
  }

  SessionLimits limits() const {
    return {std::chrono::minutes{m_inst.settings.server.session_idle_minutes},
            std::chrono::hours{m_inst.settings.server.session_hours}};
  }

  const std::optional<SignedIn>& current() {
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

  std::map<std::string, std::string>& form() {
    if (!m_form) m_form = parse_form(m_r.body);
    return *m_form;
  }

  std::string field(const char* name) {
    auto it = form().find(name);
    return it == form().end() ? std::string() : it->second;
  }

  bool csrf_ok() { return m_signed_in && same_secret(field("csrf"), m_signed_in->session.csrf_token); }

  HttpResponse page(int status, const std::string& title, const std::string& content, mstch::map context) {
    if (m_signed_in) {
      context.emplace("signed_in", true);
      context.emplace("csrf", m_signed_in->session.csrf_token);
      context.emplace("operator_email", m_signed_in->account.email);
      context.emplace("operator_role", std::string(role_name(m_signed_in->role)));
      context.emplace("dashboard", true);
    }
    return html_page(status, title, content, std::move(context));
  }

  HttpResponse message(int status, const std::string& heading, const std::string& text, const std::string& href,
                       const std::string& link_text) {
    return page(status, heading, "message",
                {{"heading", heading}, {"text", text}, {"link_href", href}, {"link_text", link_text}});
  }

  HttpResponse login() {
    std::string email = field("email");
    auto signed_in = m_anonymous.sign_in(email, field("password"), m_client);
    if (!signed_in) {
      bool locked = signed_in.error().code == ErrorCode::failed_precondition;
      bool wrong = signed_in.error().code == ErrorCode::permission_denied;
      if (!locked && !wrong) return message(503, "Unavailable", signed_in.error().message, "/dashboard/login", "Try again");
      mstch::map context{{"email", email.substr(0, 200)}, {"problem", signed_in.error().message}};
      return page(locked ? 429 : 401, "Sign in", "login", context);
    }
    HttpResponse out = redirect_to("/dashboard");
    out.headers.emplace_back("Set-Cookie", cookie(signed_in->secret, -1));
    return out;
  }

  HttpResponse password_form() {
    std::string link = m_r.query.count("link") ? m_r.query.at("link") : "";
    return page(200, "Choose your password", "password", {{"link", link}});
  }

  HttpResponse set_password() {
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

  HttpResponse queue() {
    auto q = [&](const char* key) { return m_r.query.count(key) ? m_r.query.at(key) : std::string(); };
    CaseQuery query;
    std::string problem_text;
    if (auto state = q("state"); !state.empty()) {
      if (auto parsed = parse_state(state)) query.state = *parsed;
      else problem_text = parsed.error().message;
    }
    if (auto right = q("right"); !right.empty()) {
      if (auto parsed = parse_right(right)) query.right = *parsed;
      else problem_text = parsed.error().message;
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
    mstch::map context{{"cases", rows}, {"assignee", q("assignee")}, {"q", search},
                       {"overdue", query.overdue_only}};
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

  static const std::vector<std::string>& k_states() {
    static const std::vector<std::string> states{"received", "acknowledged", "awaiting_verification", "verified",
                                                 "in_progress", "in_review", "fulfilled", "denied", "withdrawn"};
    return states;
  }

  static const std::vector<std::string>& k_rights() {
    static const std::vector<std::string> rights{"access", "portability", "rectification", "erasure", "restriction",
                                                 "objection", "automated-decision-opt-out", "ccpa-know",
                                                 "ccpa-delete", "ccpa-opt-out-of-sale"};
    return rights;
  }

  static mstch::array options(const std::vector<std::string>& values, const std::string& chosen) {
    mstch::array out;
    for (const auto& v : values) out.push_back(mstch::map{{"value", v}, {"label", words(v)}, {"selected", v == chosen}});
    return out;
  }

  std::string notice_for_done() {
    std::string action = m_r.query.at("done");
    if (!role_for_case_action(action) && action != "export" && action != "erase" && action != "check") return "";
    std::string text = "Done: " + std::string(action == "export"  ? "export job queued"
                                              : action == "erase" ? "erasure job queued; its proof appears below"
                                              : action == "check" ? "identity check recorded"
                                                                  : action_label(action)) +
                       ".";
    auto letter = m_r.query.find("letter");
    if (letter != m_r.query.end()) {
      if (letter->second == "sent" || letter->second == "manual" || letter->second == "pending")
        text += " The letter to the requester is " + letter->second + ".";
      else if (letter->second == "not-sent")
        text += " The letter to the requester could not be queued: see the outbox.";
    }
    return text;
  }

  mstch::map action_form(const std::string& number, const std::string& action) {
    mstch::map f{{"name", action}, {"label", std::string(action_label(action))}, {"number", number},
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
      f.emplace("text", true);
      f.emplace("text_label", std::string("Operator (empty: nobody)"));
    } else if (action == "acknowledge") {
      f.emplace("hint", std::string("Sends the acknowledgement letter (template A)."));
    } else if (action == "fulfil") {
      f.emplace("hint", std::string("Closes the case; erasure and similar rights get their confirmation letter."));
    }
    return f;
  }

  HttpResponse case_page(const std::string& number, int status, const std::string& problem_text,
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
    mstch::array actions;
    for (const auto& a : case_actions_available(*view, m_signed_in->role)) actions.push_back(action_form(c.number, a));
    context.emplace("actions", actions);
    bool can_run = role_allows(m_signed_in->role, Role::operator_) && c.state == CaseState::in_progress;
    context.emplace("can_run_jobs", can_run);
    bool erasure_right = std::any_of(c.rights.begin(), c.rights.end(),
                                     [](Right r) { return r == Right::erasure || r == Right::ccpa_delete; });
    context.emplace("can_preview_erasure", can_run && erasure_right && m_map != nullptr);
    mstch::array documents;
    for (const auto& kind : document_kinds()) documents.push_back(mstch::map{{"value", kind}, {"label", words(kind)}});
    context.emplace("documents", documents);
    context.emplace("can_record_check", role_allows(m_signed_in->role, Role::operator_) &&
                                            (c.state == CaseState::acknowledged ||
                                             c.state == CaseState::awaiting_verification));
    context.emplace("default_destination", "exports/" + c.number + "/");
    mstch::array jobs;
    if (auto list = m_desk->jobs(c.number, "", 20)) {
      for (const auto& j : *list) {
        std::string progress = j.progress_total > 0
                                   ? std::to_string(j.progress_done) + " of " + std::to_string(j.progress_total)
                                   : std::string("-");
        if (!j.progress_note.empty()) progress += " (" + j.progress_note + ")";
        std::string outcome = "-";
        auto result = nlohmann::json::parse(j.result.empty() ? "{}" : j.result, nullptr, false);
        if (j.kind == "erase" && result.is_object() && result.contains("clean")) {
          outcome = "Proof: " + std::to_string(result.value("verified_rows", 0)) + " row(s) read again, " +
                    std::to_string(result.value("remaining", 0)) + " left" +
                    (result.value("clean", false) ? ": nothing erasable remains" : ": NOT CLEAN, see the audit trail");
        } else if (j.kind == "export" && result.is_object() && result.contains("sha256")) {
          outcome = "Package delivered, SHA-256 " + result.value("sha256", std::string()).substr(0, 16) + "...";
        } else if (j.state == "failed") {
          outcome = "Failed: see the job's error (maestro jobs show " + std::to_string(j.id) + ")";
        }
        jobs.push_back(mstch::map{{"id", std::to_string(j.id)}, {"kind", j.kind}, {"state", j.state},
                                  {"progress", progress}, {"created_by", j.created_by}, {"outcome", outcome}});
      }
    }
    context.emplace("jobs", jobs);
    mstch::array letters;
    if (auto messages = m_desk->messages()) {
      for (const auto& m : *messages) {
        if (m.case_number != c.number) continue;
        letters.push_back(mstch::map{{"letter", m.letter}, {"state", m.state},
                                     {"created", format_instant(m.created_at)},
                                     {"attempts", std::to_string(m.attempts)}});
      }
    }
    context.emplace("letters", letters);
    mstch::array notes;
    for (const auto& n : c.notes) notes.push_back(mstch::map{{"at", format_instant(n.at)}, {"actor", n.actor}, {"text", n.text}});
    context.emplace("notes", notes);
    mstch::array events;
    (void)m_desk->audit_events(c.number, [&](const AuditEvent& e) -> Status {
      events.push_back(mstch::map{{"at", format_instant(e.at)}, {"actor", e.actor}, {"action", e.action},
                                  {"outcome", e.outcome}});
      return {};
    });
    context.emplace("events", events);
    if (!problem_text.empty()) context.emplace("problem", problem_text);
    if (!notice.empty()) context.emplace("notice", notice);
    return page(status, "Case " + c.number, "case", context);
  }

  HttpResponse run_action(const std::string& number, const std::string& action) {
    auto needed = role_for_case_action(action);
    if (!needed) return message(404, "Not found", "There is no such action.", "/dashboard", "Go to the queue");
    if (!role_allows(m_signed_in->role, *needed))
      return case_page(number, 403, std::string("This needs the ") + role_name(*needed) + " role.", "");
    CaseActionRequest request{action, field("reason"), field("details"), field("text"), true};
    std::unique_ptr<Mailer> mailer;
    std::optional<Correspondence> mail;
    if (auto opened = open_mailer(m_inst.settings)) {
      mailer = std::move(*opened);
      mail.emplace(*m_desk, *mailer, m_inst.settings);
    }
    auto done = run_case_action(*m_desk, mail ? &*mail : nullptr, number, request);
    if (!done) return case_page(number, http_status_for(done.error().code), done.error().message, "");
    std::string to = "/dashboard/cases/" + done->view.c.number + "?done=" + action;
    if (done->letter) to += "&letter=" + std::string(done->sent ? done->sent->message.state : "not-sent");
    return redirect_to(to);
  }

  HttpResponse start_job(const std::string& number) {
    if (!role_allows(m_signed_in->role, Role::operator_))
      return case_page(number, 403, "This needs the operator role.", "");
    auto view = m_desk->find(number);
    if (!view) return case_page(number, 404, view.error().message, "");
    if (field("kind") == "erase") {
      // The erasure runs only from its preview page, after the operator ticked that they read it.
      if (field("confirm") != "yes")
        return erasure_preview(number, 400, "Tick the box to confirm you checked the preview.");
      std::string parameters = nlohmann::json{{"case", view->c.number}}.dump();
      auto job = m_desk->enqueue_job({"erase", view->c.number, parameters, 3, ""});
      if (!job) return case_page(number, http_status_for(job.error().code), job.error().message, "");
      if (m_pool) m_pool->wake();
      return redirect_to("/dashboard/cases/" + view->c.number + "?done=erase");
    }
    if (field("kind") != "export") return case_page(number, 400, "Only exports and erasures start here.", "");
    std::string destination = field("destination");
    std::string formats = field("formats").empty() ? "json,csv,html" : field("formats");
    if (destination.empty()) return case_page(number, 400, "Say where the package goes.", "");
    std::string parameters = nlohmann::json{{"case", view->c.number},
                                            {"destination", destination},
                                            {"formats", formats},
                                            {"notify", false}}
                                 .dump();
    auto job = m_desk->enqueue_job({"export", view->c.number, parameters, 3, ""});
    if (!job) return case_page(number, http_status_for(job.error().code), job.error().message, "");
    if (m_pool) m_pool->wake();
    return redirect_to("/dashboard/cases/" + view->c.number + "?done=export");
  }

  HttpResponse erasure_preview(const std::string& number, int status = 200, const std::string& problem_text = "") {
    if (!role_allows(m_signed_in->role, Role::operator_))
      return case_page(number, 403, "This needs the operator role.", "");
    if (!m_map) return case_page(number, 409, "No data map is configured (datamap: in maestro.yaml).", "");
    auto view = m_desk->find(number);
    if (!view) return case_page(number, 404, view.error().message, "");
    ErasureRequest request;
    request.case_number = view->c.number;
    request.preview = true;
    auto preview = erase_subject(*m_desk, *m_map, request);
    if (!preview) return case_page(number, http_status_for(preview.error().code), preview.error().message, "");
    mstch::array lines;
    std::size_t erased = 0;
    for (const auto& line : preview->summary) {
      if (line.action != "retain") erased += line.records;
      lines.push_back(mstch::map{{"collection", line.collection + (line.tenant.empty() ? "" : " (" + line.tenant + ")")},
                                 {"records", std::to_string(line.records)},
                                 {"action", line.action},
                                 {"reason", line.reason.empty() ? std::string("-") : line.reason},
                                 {"erasable_from", line.erasable_from ? format_date(*line.erasable_from) : std::string("-")}});
    }
    mstch::array holds;
    for (const auto& h : preview->holds) holds.push_back(mstch::map{{"reason", h.reason}, {"since", format_instant(h.created_at)}});
    bool can_erase = preview->holds.empty() && view->c.state == CaseState::in_progress;
    mstch::map context{{"number", view->c.number}, {"lines", lines}, {"holds", holds},
                       {"erased", std::to_string(erased)}, {"can_erase", can_erase},
                       {"csrf", m_signed_in->session.csrf_token}};
    if (!can_erase && preview->holds.empty())
      context.emplace("why_not", std::string("The case must be in progress (verified and started) to erase."));
    if (!problem_text.empty()) context.emplace("problem", problem_text);
    return page(status, "Erasure preview " + view->c.number, "erasure-preview", context);
  }

  HttpResponse holds_page(int status, const std::string& problem_text, const std::string& notice) {
    bool all = m_r.query.count("all") > 0;
    auto holds = m_desk->list_holds(all);
    if (!holds) return message(503, "Unavailable", holds.error().message, "/dashboard", "Go to the queue");
    bool dpo = role_allows(m_signed_in->role, Role::dpo);
    mstch::array rows;
    for (const auto& h : *holds) {
      rows.push_back(mstch::map{{"id", std::to_string(h.hold.id)},
                                {"reason", h.hold.reason},
                                {"details", h.details},
                                {"subjects", std::to_string(h.hold.pseudonyms.size())},
                                {"placed", format_instant(h.hold.created_at) + " by " + h.hold.created_by},
                                {"released", h.hold.released_at ? format_instant(*h.hold.released_at) : std::string("-")},
                                {"can_release", dpo && !h.hold.released_at},
                                {"csrf", m_signed_in->session.csrf_token}});
    }
    mstch::array reasons;
    for (const auto& r : hold_reasons()) reasons.push_back(r);
    mstch::map context{{"holds", rows}, {"all", all}, {"reasons", reasons},
                       {"can_place", role_allows(m_signed_in->role, Role::operator_)}};
    if (!problem_text.empty()) context.emplace("problem", problem_text);
    if (!notice.empty()) context.emplace("notice", notice);
    return page(status, "Legal holds", "holds", context);
  }

  HttpResponse place_hold() {
    if (!role_allows(m_signed_in->role, Role::operator_)) return holds_page(403, "This needs the operator role.", "");
    std::vector<SubjectIdentifier> subjects;
    std::string lines = field("subjects");
    for (std::size_t start = 0; start < lines.size();) {
      std::size_t end = std::min(lines.find('\n', start), lines.size());
      std::string line = lines.substr(start, end - start);
      start = end + 1;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      while (!line.empty() && line.front() == ' ') line.erase(0, 1);
      if (line.empty()) continue;
      auto id = parse_identifier(line);
      if (!id) return holds_page(400, id.error().message, "");
      subjects.push_back(*id);
    }
    if (subjects.empty()) return holds_page(400, "Give at least one identifier of the person.", "");
    auto id = m_desk->add_hold(subjects, field("reason"), field("details"));
    if (!id) return holds_page(http_status_for(id.error().code), id.error().message, "");
    return redirect_to("/dashboard/holds?placed=" + std::to_string(*id));  // a reload must not place it twice
  }

  HttpResponse release_hold(const std::string& id_text) {
    if (!role_allows(m_signed_in->role, Role::dpo)) return holds_page(403, "Only a DPO releases a legal hold.", "");
    if (id_text.empty() || id_text.size() > 18 || id_text.find_first_not_of("0123456789") != std::string::npos)
      return holds_page(404, "There is no such hold.", "");
    if (auto released = m_desk->release_hold(std::stoll(id_text)); !released)
      return holds_page(http_status_for(released.error().code), released.error().message, "");
    return redirect_to("/dashboard/holds?released=" + id_text);
  }

  int report_year() {
    Date today = date_of(m_clock.now());
    int year = static_cast<int>(today.year());
    auto it = m_r.query.find("year");
    if (it != m_r.query.end() && it->second.size() == 4 && it->second.find_first_not_of("0123456789") == std::string::npos)
      year = std::clamp(std::stoi(it->second), 2000, 2100);
    return year;
  }

  HttpResponse reports() {
    int year = report_year();
    auto views = m_desk->list({});
    if (!views) return message(503, "Unavailable", views.error().message, "/dashboard", "Go to the queue");
    Date from{std::chrono::year{year}, std::chrono::January, std::chrono::day{1}};
    Date to{std::chrono::year{year}, std::chrono::December, std::chrono::day{31}};
    Metrics m = compute_metrics(*views, from, to);
    static const char* k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::vector<std::string> categories(std::begin(k_months), std::end(k_months));
    std::map<std::string, std::vector<int>> per_right;
    for (const auto& v : *views) {
      Date received = date_of(v.c.received_at);
      if (static_cast<int>(received.year()) != year) continue;
      unsigned month = static_cast<unsigned>(received.month()) - 1;
      for (Right r : v.c.rights) {
        auto& counts = per_right[std::string(right_name(r))];
        counts.resize(12, 0);
        ++counts[month];
      }
    }
    std::vector<BarSeries> series;
    mstch::array series_names;
    for (const auto& [right, counts] : per_right) {
      series.push_back({right, counts});
      series_names.push_back(right);
    }
    mstch::array months;
    for (std::size_t i = 0; i < 12; ++i) {
      mstch::array counts;
      int total = 0;
      for (const auto& s : series) {
        counts.push_back(std::to_string(s.values[i]));
        total += s.values[i];
      }
      months.push_back(mstch::map{{"name", categories[i]}, {"counts", counts}, {"total", std::to_string(total)}});
    }
    auto percent = [](std::optional<double> rate) {
      return rate ? std::to_string(static_cast<int>(*rate * 100.0 + 0.5)) + "%" : std::string("-");
    };
    auto days = [](std::optional<double> d) {
      if (!d) return std::string("-");
      char text[32];
      std::snprintf(text, sizeof text, "%.1f", *d);
      return std::string(text);
    };
    mstch::map context{
        {"year", std::to_string(year)},
        {"total", std::to_string(m.total)},
        {"completed", std::to_string(m.completed)},
        {"on_time", percent(m.on_time_rate) + " (" + std::to_string(m.completed_on_time) + " of " +
                        std::to_string(m.completed) + ")"},
        {"median_days", days(m.median_days_to_complete)},
        {"open_overdue", std::to_string(m.open_overdue)},
        {"extended", std::to_string(m.extended)},
        {"chart", stacked_bar_chart_svg("Requests received per month in " + std::to_string(year) + ", by right",
                                        categories, series)},
        {"series", series_names},
        {"months", months}};
    return page(200, "Reports", "reports", context);
  }

  HttpResponse dsr_log(bool csv) {
    int year = report_year();
    auto views = m_desk->list({});
    if (!views) return message(503, "Unavailable", views.error().message, "/dashboard", "Go to the queue");
    // Names stay out of a file that leaves the service (as `report dsr-log` without --include-names).
    std::string body = csv ? render_dsr_log_csv(*views, year, m_inst.policy, false)
                           : render_dsr_log_markdown(*views, year, m_inst.policy, false);
    HttpResponse out{200, csv ? "text/csv; charset=utf-8" : "text/markdown; charset=utf-8", std::move(body), {}};
    out.headers.emplace_back("Content-Disposition", "attachment; filename=\"dsr-log-" + std::to_string(year) +
                                                        (csv ? ".csv\"" : ".md\""));
    return out;
  }

  HttpResponse record_check(const std::string& number) {
    if (!role_allows(m_signed_in->role, Role::operator_))
      return case_page(number, 403, "This needs the operator role.", "");
    auto outcome = parse_verification_outcome(field("outcome"));
    if (!outcome || (*outcome != VerificationOutcome::passed && *outcome != VerificationOutcome::failed))
      return case_page(number, 400, "Say whether the check passed or failed.", "");
    if (field("document").empty()) return case_page(number, 400, "Say what was checked (e.g. passport seen).", "");
    auto done = record_document(*m_desk, number, field("document"), *outcome);
    if (!done) return case_page(number, http_status_for(done.error().code), done.error().message, "");
    return redirect_to("/dashboard/cases/" + done->view.c.number + "?done=check");
  }

  const Installation& m_inst;
  const Clock& m_clock;
  WorkerPool* m_pool;
  const DataMap* m_map;
  CaseStore& m_store;
  const HttpRequest& m_r;
  std::string m_client;
  bool m_secure;
  Desk m_anonymous;
  bool m_checked = false;
  std::optional<SignedIn> m_signed_in;
  std::optional<Desk> m_desk;
  std::optional<std::map<std::string, std::string>> m_form;
};

}  // namespace

HttpResponse Dashboard::handle(const HttpRequest& r, CaseStore& store, const std::string& client, bool secure,
                               std::string& route) {
  Page page(m_installation, m_clock, m_pool, m_map, store, r, client, secure);
  return page.route(route);
}

}  // namespace maestro
