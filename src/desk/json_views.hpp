// The JSON form of what the desk returns (cases, jobs), shared by the CLI's --json output and the
// HTTP API so that both speak the same shapes. Presentation only: no rules here.
#pragma once

#include <string>
#include <vector>

#include "desk/desk.hpp"

namespace maestro {

// A case with its deadlines, personal fields opened (the caller decides who may see them).
std::string case_json(const CaseView& v, int indent = 2);
std::string cases_json(const std::vector<CaseView>& views, int indent = 2);
// The latest package's redactions (Art. 15(4)), values and text before/after opened, for the DPO.
std::string redactions_json(const Case& c, int indent = 2);
// A page of the queue: {"cases": [summary...], "next_cursor": ...}; no personal data.
std::string queue_json(const QueuePage& page);  // compact
// Legal holds: reason, who placed them, how many identifiers (never which), details opened.
std::string holds_json(const std::vector<HoldView>& holds, int indent = 2);
// Outbox messages: letter, state, attempts; never the recipient or the text.
std::string outbox_json(const std::vector<OutboxMessage>& messages, int indent = 2);
// A job: state, attempts, progress, result, and its error opened.
std::string job_json(Desk& desk, const JobRecord& job, int indent = 2);
std::string jobs_json(Desk& desk, const std::vector<JobRecord>& jobs, int indent = 2);

}  // namespace maestro
