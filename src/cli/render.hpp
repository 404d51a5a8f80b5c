// How cases and audit events look on a terminal and as JSON. No rules here: only presentation.
#pragma once

#include <string>
#include <vector>

#include "desk/desk.hpp"
#include "desk/json_views.hpp"

namespace maestro::cli {

std::string case_text(const CaseView& v, const Policy& policy);
std::string case_table(const std::vector<CaseView>& views);
// The latest package's redactions of other people's data, each before and after, for the DPO.
std::string redactions_text(const Case& c);
std::string audit_event_text(const AuditEvent& e);
std::string audit_event_json_line(const AuditEvent& e);

}  // namespace maestro::cli
