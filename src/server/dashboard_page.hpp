// The dashboard's pages (server/dashboard.hpp), split by subject over several files:
// dashboard.cpp (sign-in, the queue, the case page and its actions), dashboard_work.cpp (identity
// checks, jobs, previews of changes, manual tasks), dashboard_records.cpp (legal holds,
// reports, the audit check) and dashboard_mail.cpp (the privacy inbox, a reply's evidence). Internal to server/: one Page answers one request.
#pragma once

#include <mstch/mstch.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/settings.hpp"
#include "datamap/datamap.hpp"
#include "desk/desk.hpp"
#include "jobs/worker_pool.hpp"
#include "server/http_server.hpp"
#include "server/web_support.hpp"

namespace maestro::dashboard_ui {

bool same_secret(const std::string& a, const std::string& b);
// "in_progress" -> "in progress"
std::string words(std::string_view code);
// Text first, colour second (WCAG 1.4.1): "overdue by 3 days", "due in 5 days"; and the CSS class.
std::pair<std::string, std::string> urgency(bool closed, bool overdue, int days_left);
const char* action_label(std::string_view action);
mstch::array reason_list(const std::map<std::string, std::string>& reasons);
// The lines of a textarea, trimmed; blank lines skipped.
std::vector<std::string> lines_of(const std::string& text);

// One request's work: the desk as the signed-in operator, and page rendering.
class Page {
 public:
  Page(const Installation& inst, const Clock& clock, WorkerPool* pool, const DataMap* map, CaseStore& store,
       const HttpRequest& r, std::string client, bool secure)
      : m_inst(inst),
        m_clock(clock),
        m_pool(pool),
        m_map(map),
        m_store(store),
        m_r(r),
        m_client(std::move(client)),
        m_secure(secure),
        m_anonymous(store, *inst.keys, inst.policy, clock, "dashboard") {}
  HttpResponse route(std::string& route);

 private:
  std::string cookie(const std::string& value, long max_age) const;

  SessionLimits limits() const {
    return {std::chrono::minutes{m_inst.settings.server.session_idle_minutes},
            std::chrono::hours{m_inst.settings.server.session_hours}};
  }
  const std::optional<SignedIn>& current();

  std::map<std::string, std::string>& form() {
    if (!m_form) m_form = parse_form(m_r.body);
    return *m_form;
  }

  std::string field(const char* name) {
    auto it = form().find(name);
    return it == form().end() ? std::string() : it->second;
  }

  bool csrf_ok() { return m_signed_in && same_secret(field("csrf"), m_signed_in->session.csrf_token); }
  HttpResponse page(int status, const std::string& title, const std::string& content, mstch::map context);

  HttpResponse message(int status, const std::string& heading, const std::string& text, const std::string& href,
                       const std::string& link_text) {
    return page(status, heading, "message",
                {{"heading", heading}, {"text", text}, {"link_href", href}, {"link_text", link_text}});
  }
  HttpResponse login();

  HttpResponse password_form() {
    std::string link = m_r.query.count("link") ? m_r.query.at("link") : "";
    return page(200, "Choose your password", "password", {{"link", link}});
  }
  HttpResponse set_password();
  HttpResponse queue();
  static const std::vector<std::string>& k_states();
  static const std::vector<std::string>& k_rights();

  static mstch::array options(const std::vector<std::string>& values, const std::string& chosen) {
    mstch::array out;
    for (const auto& v : values)
      out.push_back(mstch::map{{"value", v}, {"label", words(v)}, {"selected", v == chosen}});
    return out;
  }
  std::string notice_for_done();
  mstch::map action_form(const std::string& number, const std::string& action);
  HttpResponse case_page(const std::string& number, int status, const std::string& problem_text,
                         const std::string& notice);
  HttpResponse run_action(const std::string& number, const std::string& action);
  HttpResponse start_job(const std::string& number);
  HttpResponse erasure_preview(const std::string& number, int status = 200, const std::string& problem_text = "");
  HttpResponse holds_page(int status, const std::string& problem_text, const std::string& notice);
  HttpResponse place_hold();
  HttpResponse release_hold(const std::string& id_text);
  int report_year();
  HttpResponse reports();
  HttpResponse dsr_log(bool csv);
  HttpResponse record_check(const std::string& number);
  HttpResponse change_preview(const std::string& number, int status = 200, const std::string& problem_text = "");
  HttpResponse complete_task(const std::string& id_text);
  // Art. 15(4): the latest package's redactions, before and after, for the DPO to restore or release.
  void add_redactions(mstch::map& context, const Case& c);
  HttpResponse review_redaction(const std::string& number);
  std::vector<std::string> corrections();
  void add_work(mstch::map& context, const CaseView& view, const std::vector<JobRecord>& jobs);
  // The privacy inbox (dashboard_mail.cpp).
  HttpResponse mail_route(const std::vector<std::string>& parts, std::string& route);
  HttpResponse mail_inbox();
  HttpResponse mail_draft_page(const std::string& id_text, int status = 200, const std::string& problem_text = "");
  HttpResponse log_mail(const std::string& id_text);
  HttpResponse ignore_mail(const std::string& id_text);
  HttpResponse evidence_file(const std::string& id_text, const std::string& index_text);
  HttpResponse check_evidence(const std::string& id_text);
  void add_evidence(mstch::map& context, const Case& c);

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

}  // namespace maestro::dashboard_ui
