#include "desk/json_views.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace maestro {

using nlohmann::json;

namespace {

json when(const std::optional<Instant>& at) {
  return at ? json(format_instant(*at)) : json(nullptr);
}

json deadlines_json(const Deadlines& d) {
  json j{{"acknowledge_due", format_instant(d.acknowledge_due)},
         {"verify_due", format_instant(d.verify_due)},
         {"legal_due", format_date(d.legal_due)},
         {"original_legal_due", format_date(d.original_legal_due)},
         {"internal_due", format_date(d.internal_due)},
         {"extension_available", d.extension_available},
         {"legal_clock_paused_days", d.legal_clock_paused_days},
         {"paused_days", d.paused_days},
         {"days_left", d.days_left},
         {"overdue", d.overdue},
         {"warnings", d.warnings}};
  j["legal_acknowledge_due"] = d.legal_acknowledge_due ? json(format_date(*d.legal_acknowledge_due)) : json(nullptr);
  j["extended_legal_due"] = d.extended_legal_due ? json(format_date(*d.extended_legal_due)) : json(nullptr);
  j["completed_on_time"] = d.completed_on_time ? json(*d.completed_on_time) : json(nullptr);
  return j;
}

json case_object(const CaseView& v) {
  const Case& c = v.c;
  json identifiers = json::array(), pauses = json::array(), extensions = json::array(), verifications = json::array(),
       notes = json::array();
  for (const auto& id : c.identifiers) identifiers.push_back({{"kind", id.kind}, {"value", id.value}});
  for (const auto& p : c.pauses)
    pauses.push_back({{"started", format_instant(p.started)}, {"ended", when(p.ended)}, {"reason", p.reason}});
  for (const auto& e : c.extensions) extensions.push_back({{"at", format_instant(e.at)}, {"reason", e.reason}});
  for (const auto& a : c.verifications) {
    verifications.push_back({{"at", format_instant(a.at)}, {"method", a.method}, {"outcome", a.outcome}});
  }
  json deliveries = json::array();
  for (const auto& d : c.deliveries) {
    deliveries.push_back({{"at", format_instant(d.at)},
                          {"sha256", d.sha256},
                          {"bytes", d.bytes},
                          {"destination", d.destination},
                          {"status", d.status},
                          {"complete", d.complete()},
                          {"not_searched", d.unsearched},
                          {"map_gaps", d.map_gaps}});
  }
  json outcomes = json::array();
  for (const auto& o : c.outcomes) outcomes.push_back({{"at", format_instant(o.at)}, {"work", o.work}, {"result", o.result}});
  for (const auto& n : c.notes) notes.push_back({{"at", format_instant(n.at)}, {"actor", n.actor}, {"text", n.text}});
  json rights = json::array();
  for (Right r : c.rights) rights.push_back(right_name(r));
  return {{"number", c.number},
          {"state", state_name(c.state)},
          {"paused", c.is_paused()},
          {"jurisdiction", c.jurisdiction},
          {"rights", rights},
          {"channel", c.channel},
          {"received_at", format_instant(c.received_at)},
          {"tenants", c.tenants},
          {"ticket", c.ticket},
          {"appeal_of", c.appeal_of.empty() ? json(nullptr) : json(c.appeal_of)},
          {"assignee", c.assignee.empty() ? json(nullptr) : json(c.assignee)},
          {"formats", c.formats.empty() ? json(nullptr) : json(c.formats)},
          {"language", c.language.empty() ? json(nullptr) : json(c.language)},
          {"gpc", c.gpc},
          {"downloads", c.downloads},
          {"subject", {{"name", c.subject_name}, {"identifiers", identifiers}}},
          {"personal_data_purged_at", when(c.personal_data_purged_at)},
          {"acknowledged_at", when(c.acknowledged_at)},
          {"verified_at", when(c.verified_at)},
          {"started_at", when(c.started_at)},
          {"review_requested_at", when(c.review_requested_at)},
          {"closed_at", when(c.closed_at)},
          {"denial_reason", c.denial_reason.empty() ? json(nullptr) : json(c.denial_reason)},
          {"denial_details", c.denial_details.empty() ? json(nullptr) : json(c.denial_details)},
          {"pauses", pauses},
          {"extensions", extensions},
          {"verifications", verifications},
          {"deliveries", deliveries},
          {"outcomes", outcomes},
          // What closing as fulfilled still waits for (lifecycle.hpp closing_blockers).
          {"still_owed", is_closed(c.state) ? json::array() : json(closing_blockers(c))},
          {"notes", notes},
          {"possible_duplicates", c.possible_duplicates},
          {"deadlines", deadlines_json(v.deadlines)}};
}

json job_object(Desk& desk, const JobRecord& j) {
  json out{{"id", j.id},
           {"kind", j.kind},
           {"case", j.case_number},
           {"state", j.state},
           {"created_at", format_instant(j.created_at)},
           {"created_by", j.created_by},
           {"attempts", j.attempts},
           {"max_attempts", j.max_attempts},
           {"progress", {{"done", j.progress_done}, {"total", j.progress_total}, {"note", j.progress_note}}}};
  if (j.state == "queued" && j.attempts > 0) out["retry_at"] = format_instant(j.not_before);
  if (!j.lease_owner.empty()) out["worker"] = j.lease_owner;
  if (j.finished_at) out["finished_at"] = format_instant(*j.finished_at);
  if (!j.result.empty()) out["result"] = json::parse(j.result, nullptr, false);
  if (auto error = desk.job_error(j); error && !error->empty()) out["error"] = *error;
  return out;
}

}  // namespace

std::string case_json(const CaseView& v, int indent) {
  return case_object(v).dump(indent);
}

std::string cases_json(const std::vector<CaseView>& views, int indent) {
  json out = json::array();
  for (const auto& v : views) out.push_back(case_object(v));
  return out.dump(indent);
}

std::string queue_json(const QueuePage& page) {
  // Written directly rather than through a json tree: this is the dashboard's and the API's
  // busiest answer, and building a page of 50 rows as a tree cost more than reading it.
  auto quoted = [](std::string_view text) { return json(text).dump(); };
  std::string out;
  out.reserve(32 + page.items.size() * 300);
  out.append("{\"cases\":[");
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    const QueueItem& item = page.items[i];
    const QueueEntry& e = item.entry;
    out.append(i ? ",{" : "{");
    out.append("\"number\":").append(quoted(e.number));
    out.append(",\"state\":").append(quoted(e.state));
    out.append(",\"paused\":").append(item.paused ? "true" : "false");
    out.append(",\"jurisdiction\":").append(quoted(e.jurisdiction));
    out.append(",\"rights\":[");
    for (std::size_t start = 0; start < e.rights.size();) {
      std::size_t comma = std::min(e.rights.find(',', start), e.rights.size());
      out.append(start ? "," : "").append(quoted(std::string_view(e.rights).substr(start, comma - start)));
      start = comma + 1;
    }
    out.append("],\"received_at\":").append(quoted(format_instant(e.received_at)));
    out.append(",\"closed_at\":").append(e.closed_at ? quoted(format_instant(*e.closed_at)) : "null");
    out.append(",\"assignee\":").append(item.assignee.empty() ? "null" : quoted(item.assignee));
    out.append(",\"legal_due\":").append(quoted(format_date(item.legal_due)));
    out.append(",\"days_left\":").append(std::to_string(item.days_left));
    out.append(",\"overdue\":").append(item.overdue ? "true" : "false").append("}");
  }
  out.append("]");
  if (page.next_cursor) out.append(",\"next_cursor\":").append(quoted(*page.next_cursor));
  out.append("}");
  return out;
}

std::string holds_json(const std::vector<HoldView>& holds, int indent) {
  json out = json::array();
  for (const auto& h : holds) {
    json item{{"id", h.hold.id},
              {"reason", h.hold.reason},
              {"details", h.details},
              {"created_at", format_instant(h.hold.created_at)},
              {"created_by", h.hold.created_by},
              {"subjects", h.hold.pseudonyms.size()}};
    if (h.hold.released_at) {
      item["released_at"] = format_instant(*h.hold.released_at);
      item["released_by"] = h.hold.released_by;
    }
    out.push_back(std::move(item));
  }
  return out.dump(indent);
}

std::string outbox_json(const std::vector<OutboxMessage>& messages, int indent) {
  json out = json::array();
  for (const auto& m : messages) {
    json item{{"id", m.id},
              {"case", m.case_number},
              {"letter", m.letter},
              {"state", m.state},
              {"attempts", m.attempts},
              {"created_at", format_instant(m.created_at)},
              {"sent_at", when(m.sent_at)}};
    if (m.state == "pending") item["next_attempt_at"] = format_instant(m.next_attempt_at);
    if (!m.last_error.empty()) item["last_error"] = m.last_error;
    out.push_back(std::move(item));
  }
  return out.dump(indent);
}

std::string job_json(Desk& desk, const JobRecord& job, int indent) {
  return job_object(desk, job).dump(indent);
}

std::string jobs_json(Desk& desk, const std::vector<JobRecord>& jobs, int indent) {
  json out = json::array();
  for (const auto& j : jobs) out.push_back(job_object(desk, j));
  return out.dump(indent);
}

std::string redactions_json(const Case& c, int indent) {
  json list = json::array();
  for (const auto& r : c.redactions) {
    list.push_back({{"id", r.id},
                    {"field", r.field},
                    {"kind", r.kind},
                    {"value", r.value},
                    {"before", r.before},
                    {"after", r.after},
                    {"status", r.status}});
  }
  return json{{"case", c.number}, {"redactions", list}}.dump(indent);
}

}  // namespace maestro
