#include "server/dashboard_page.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "desk/case_jobs.hpp"
#include "desk/erasure_service.hpp"
#include "desk/rectification_service.hpp"
#include "desk/verification_service.hpp"
#include "server/api_support.hpp"

namespace maestro::dashboard_ui {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = std::min(text.find('\n', start), text.size());
    std::string line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    while (!line.empty() && line.front() == ' ') line.erase(0, 1);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

namespace {

bool requests(const Case& c, std::initializer_list<Right> rights) {
  return std::any_of(c.rights.begin(), c.rights.end(),
                     [&](Right r) { return std::find(rights.begin(), rights.end(), r) != rights.end(); });
}

const char* done_word(const std::string& kind) {
  if (kind == "locate") return "locate";
  if (kind == "export") return "export";
  if (kind == "erase") return "erase";
  return "change";
}

}  // namespace

// The corrections of a preview form: c0, c1, ... (hidden fields), else the textarea's lines.
std::vector<std::string> Page::corrections() {
  std::vector<std::string> out;
  for (int i = 0; i < 1000; ++i) {
    auto it = form().find("c" + std::to_string(i));
    if (it == form().end()) break;
    out.push_back(it->second);
  }
  return out.empty() ? lines_of(field("corrections")) : out;
}

HttpResponse Page::start_job(const std::string& number) {
  if (!role_allows(m_signed_in->role, Role::operator_))
    return case_page(number, 403, "This needs the operator role.", "");
  CaseJobRequest request;
  request.kind = field("kind");
  bool changes_data = request.kind != "locate" && request.kind != "export";
  // A change to the person's data runs only from its preview page, after the operator ticked
  // that they read it.
  if (changes_data && field("confirm") != "yes") {
    if (request.kind == "erase")
      return erasure_preview(number, 400, "Tick the box to confirm you checked the preview.");
    return change_preview(number, 400, "Tick the box to confirm you checked the preview.");
  }
  if (request.kind == "export") {
    request.destination = field("destination");
    request.formats = field("formats");
  }
  if (request.kind == "rectify") request.corrections = corrections();
  if (request.kind == "restrict" || request.kind == "object") request.lift = field("lift") == "yes";
  auto job = queue_case_job(*m_desk, number, request);
  if (!job) return case_page(number, http_status_for(job.error().code), job.error().message, "");
  if (m_pool) m_pool->wake();
  return redirect_to("/dashboard/cases/" + job->case_number + "?done=" + done_word(request.kind));
}

HttpResponse Page::change_preview(const std::string& number, int status, const std::string& problem_text) {
  if (!role_allows(m_signed_in->role, Role::operator_))
    return case_page(number, 403, "This needs the operator role.", "");
  if (!m_map) return case_page(number, 409, "No data map is configured (datamap: in maestro.yaml).", "");
  std::string kind = field("kind");
  bool lift = field("lift") == "yes";
  Result<RectifyOutcome> preview = invalid("kind must be rectify, restrict or object");
  std::vector<std::string> wanted = corrections();
  if (kind == "rectify") {
    if (wanted.empty()) return case_page(number, 400, "Write at least one correction: collection.field=new value.", "");
    preview = rectify_subject(*m_desk, *m_map, {number, wanted, {}, true});
  } else if (kind == "restrict" || kind == "object") {
    MarkRequest request;
    request.case_number = number;
    request.kind = kind == "restrict" ? MarkerKind::restriction : MarkerKind::objection;
    request.lift = lift;
    request.preview = true;
    preview = mark_subject(*m_desk, *m_map, request);
  }
  if (!preview) return case_page(number, http_status_for(preview.error().code), preview.error().message, "");
  mstch::array lines;
  std::size_t records = 0;
  for (const auto& line : preview->summary) {
    records += line.records;
    lines.push_back(mstch::map{{"collection", line.collection + (line.tenant.empty() ? "" : " (" + line.tenant + ")")},
                               {"records", std::to_string(line.records)},
                               {"action", line.action}});
  }
  mstch::array unsearched;
  for (const auto& f : preview->unsearched)
    unsearched.push_back(f.system + (f.tenant.empty() ? "" : " (" + f.tenant + ")"));
  mstch::array recipients;
  for (const auto& r : preview->recipients) recipients.push_back(r);
  mstch::array hidden;
  for (std::size_t i = 0; i < wanted.size() && kind == "rectify"; ++i)
    hidden.push_back(mstch::map{{"name", "c" + std::to_string(i)}, {"value", wanted[i]}});
  std::string what = kind == "rectify" ? "Correction" : kind == "restrict" ? "Restriction" : "Objection";
  if (lift) what = "Lifting the " + std::string(kind == "restrict" ? "restriction" : "objection");
  mstch::map context{{"number", preview->case_number},
                     {"what", what},
                     {"kind", kind},
                     {"lift", lift},
                     {"lines", lines},
                     {"records", std::to_string(records)},
                     {"unsearched", unsearched},
                     {"recipients", recipients},
                     {"has_recipients", !recipients.empty()},
                     {"corrections", hidden},
                     {"can_apply", records > 0},
                     {"csrf", m_signed_in->session.csrf_token}};
  if (!problem_text.empty()) context.emplace("problem", problem_text);
  return page(status, what + " preview " + preview->case_number, "change-preview", context);
}

HttpResponse Page::erasure_preview(const std::string& number, int status, const std::string& problem_text) {
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
    lines.push_back(
        mstch::map{{"collection", line.collection + (line.tenant.empty() ? "" : " (" + line.tenant + ")")},
                   {"records", std::to_string(line.records)},
                   {"action", line.action},
                   {"reason", line.reason.empty() ? std::string("-") : line.reason},
                   {"erasable_from", line.erasable_from ? format_date(*line.erasable_from) : std::string("-")}});
  }
  mstch::array holds;
  for (const auto& h : preview->holds)
    holds.push_back(mstch::map{{"reason", h.reason}, {"since", format_instant(h.created_at)}});
  bool can_erase = preview->holds.empty() && view->c.state == CaseState::in_progress;
  mstch::map context{{"number", view->c.number}, {"lines", lines},
                     {"holds", holds},           {"erased", std::to_string(erased)},
                     {"can_erase", can_erase},   {"csrf", m_signed_in->session.csrf_token}};
  if (!can_erase && preview->holds.empty())
    context.emplace("why_not", std::string("The case must be in progress (verified and started) to erase."));
  if (!problem_text.empty()) context.emplace("problem", problem_text);
  return page(status, "Erasure preview " + view->c.number, "erasure-preview", context);
}

HttpResponse Page::record_check(const std::string& number) {
  if (!role_allows(m_signed_in->role, Role::operator_))
    return case_page(number, 403, "This needs the operator role.", "");
  std::string method = field("method");
  Result<VerificationResult> done = invalid("choose a kind of check");
  std::string notice = "check";
  auto mail = Correspondence::open(*m_desk, m_inst.settings);  // any check may deny: the letter goes then
  if (!mail) return case_page(number, 503, mail.error().message, "");
  if (method == "send-code") {
    done = start_verification(*m_desk, **mail, number, "email-code", "");
    notice = "code-sent";
  } else if (method == "code") {
    if (field("code").empty()) return case_page(number, 400, "Enter the code the requester read to you.", "");
    done = check_code(*m_desk, **mail, number, field("code"));
  } else if (method == "knowledge") {
    if (!m_map) return case_page(number, 409, "No data map is configured (datamap: in maestro.yaml).", "");
    KnowledgeAnswers answers;
    for (const auto& line : lines_of(field("answers"))) {
      auto eq = line.find('=');
      if (eq == std::string::npos || eq == 0)
        return case_page(number, 400, "Write each answer as field=answer, e.g. invoices.InvoiceId=98.", "");
      answers.answers[line.substr(0, eq)] = line.substr(eq + 1);
    }
    if (answers.answers.empty()) return case_page(number, 400, "Give at least one answer: field=answer.", "");
    done = check_knowledge(*m_desk, **mail, *m_map, number, answers);
  } else {
    auto outcome = parse_verification_outcome(field("outcome"));
    if (!outcome || (*outcome != VerificationOutcome::passed && *outcome != VerificationOutcome::failed))
      return case_page(number, 400, "Say whether the check passed or failed.", "");
    if (field("document").empty()) return case_page(number, 400, "Say what was checked (e.g. passport seen).", "");
    done = record_document(*m_desk, **mail, number, field("document"), *outcome);
  }
  if (!done) return case_page(number, http_status_for(done.error().code), done.error().message, "");
  if (method != "send-code" && !done->passed) notice = "check-failed";
  return redirect_to("/dashboard/cases/" + done->view.c.number + "?done=" + notice);
}

HttpResponse Page::complete_task(const std::string& id_text) {
  if (!role_allows(m_signed_in->role, Role::operator_))
    return message(403, "Not allowed", "This needs the operator role.", "/dashboard", "Go to the queue");
  if (id_text.empty() || id_text.size() > 18 || id_text.find_first_not_of("0123456789") != std::string::npos)
    return message(404, "Not found", "There is no such task.", "/dashboard", "Go to the queue");
  if (field("note").empty())
    return message(400, "Say what was done", "Write what the system's owner confirmed (kept encrypted).", "/dashboard",
                   "Go to the queue");
  auto done = m_desk->complete_task(std::stoll(id_text), field("note"));
  if (!done)
    return message(http_status_for(done.error().code), "Not done", done.error().message, "/dashboard",
                   "Go to the queue");
  return redirect_to("/dashboard/cases/" + done->case_number + "?done=task");
}

void Page::add_redactions(mstch::map& context, const Case& c) {
  bool dpo = role_allows(m_signed_in->role, Role::dpo);
  mstch::array list;
  for (const auto& r : c.redactions) {
    list.push_back(mstch::map{{"id", std::to_string(r.id)},
                              {"field", r.field},
                              {"kind", r.kind},
                              {"before", r.before},
                              {"after", r.after},
                              {"status", r.status},
                              {"pending", r.status == "pending" && dpo},
                              {"number", c.number},
                              {"csrf", m_signed_in->session.csrf_token}});
  }
  context.emplace("has_redactions", !c.redactions.empty());
  context.emplace("redactions", list);
}

HttpResponse Page::review_redaction(const std::string& number) {
  if (!role_allows(m_signed_in->role, Role::dpo))
    return message(403, "Not allowed", "Reviewing redactions needs the DPO role.", "/dashboard", "Go to the queue");
  const std::string& id_text = field("id");
  if (id_text.empty() || id_text.size() > 6 || id_text.find_first_not_of("0123456789") != std::string::npos)
    return case_page(number, 400, "Choose a redaction.", "");
  const std::string& decision = field("decision");
  if (decision != "restore" && decision != "release")
    return case_page(number, 400, "Choose to restore or to release the redaction.", "");
  auto done = m_desk->review_redaction(number, std::stoi(id_text), decision == "restore", field("reason"));
  if (!done) return case_page(number, http_status_for(done.error().code), done.error().message, "");
  return redirect_to("/dashboard/cases/" + done->c.number + "?done=redaction-" + decision);
}

// What the case page offers for the work itself: checks, jobs, records found, changes, tasks.
void Page::add_work(mstch::map& context, const CaseView& view, const std::vector<JobRecord>& jobs) {
  const Case& c = view.c;
  bool operator_ = role_allows(m_signed_in->role, Role::operator_);
  bool can_run = operator_ && c.state == CaseState::in_progress;
  context.emplace("can_run_jobs", can_run);
  context.emplace("can_preview_erasure", can_run && m_map && requests(c, {Right::erasure, Right::ccpa_delete}));
  context.emplace("can_rectify", can_run && m_map && requests(c, {Right::rectification}));
  context.emplace("can_restrict", can_run && m_map && requests(c, {Right::restriction}));
  context.emplace("can_object",
                  can_run && m_map &&
                      requests(c, {Right::objection, Right::automated_decision_opt_out, Right::ccpa_opt_out_of_sale,
                                   Right::ccpa_opt_in_to_sale}));
  mstch::array documents;
  for (const auto& kind : document_kinds()) documents.push_back(mstch::map{{"value", kind}, {"label", words(kind)}});
  context.emplace("documents", documents);
  context.emplace("can_record_check",
                  operator_ && (c.state == CaseState::acknowledged || c.state == CaseState::awaiting_verification));
  context.emplace("can_ask_knowledge", m_map != nullptr);
  std::string root = m_inst.settings.exports_root.string();
  // The formats the requester chose (the portal asks), else the usual ones.
  context.emplace("export_formats", c.formats.empty() ? std::string("json,csv,html") : c.formats);
  context.emplace("default_destination",
                  (root == "." || root.empty() ? std::string("exports") : root) + "/" + c.number + "/");

  // The newest finished search: records per collection (counts only: no value is shown).
  for (const auto& j : jobs) {
    if (j.kind != "locate" || j.state != "succeeded") continue;
    auto result = nlohmann::json::parse(j.result.empty() ? "{}" : j.result, nullptr, false);
    if (!result.is_object()) break;
    mstch::array found;
    if (auto records = result.find("records"); records != result.end() && records->is_object()) {
      for (auto it = records->begin(); it != records->end(); ++it)
        found.push_back(mstch::map{{"collection", it.key()}, {"records", it.value().dump()}});
    }
    mstch::array missing;
    if (auto failures = result.find("not_searched"); failures != result.end() && failures->is_array()) {
      for (const auto& f : *failures)
        missing.push_back(
            mstch::map{{"system", f.value("system", std::string())}, {"message", f.value("message", std::string())}});
    }
    context.emplace("located", true);
    context.emplace("located_at", format_instant(j.finished_at.value_or(j.created_at)));
    context.emplace("located_total", std::to_string(result.value("total", 0L)));
    context.emplace("found", found);
    context.emplace("not_searched", missing);
    break;
  }

  mstch::array tasks;
  if (auto all = m_desk->tasks()) {
    for (const auto& t : *all) {
      if (t.case_number != c.number) continue;
      tasks.push_back(mstch::map{{"id", std::to_string(t.id)},
                                 {"system", t.system},
                                 {"kind", t.kind},
                                 {"owner", t.owner},
                                 {"due", format_date(t.due)},
                                 {"done", t.done_at ? format_instant(*t.done_at) + " by " + t.done_by : std::string()},
                                 {"can_complete", operator_ && !t.done_at},
                                 {"csrf", m_signed_in->session.csrf_token}});
    }
  }
  context.emplace("has_tasks", !tasks.empty());
  context.emplace("tasks", tasks);
}

}  // namespace maestro::dashboard_ui
