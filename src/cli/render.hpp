// How cases and audit events look on a terminal and as JSON. No rules here: only presentation.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "desk/desk.hpp"
#include "desk/json_views.hpp"
#include "locate/locate.hpp"

namespace maestro::cli {

std::string case_text(const CaseView& v, const Policy& policy);
std::string case_table(const std::vector<CaseView>& views);
// The latest package's redactions of other people's data, each before and after, for the DPO.
std::string redactions_text(const Case& c);
std::string audit_event_text(const AuditEvent& e);
std::string audit_event_json_line(const AuditEvent& e);
// Stores that could not be searched, with their causes: "NOT SEARCHED: crm (tenant eu): the API
// answered 401" lines, and the same as JSON [{system, tenant, error}], for every command alike.
std::string store_failures_text(const std::vector<StoreFailure>& failures);
nlohmann::json store_failures_json(const std::vector<StoreFailure>& failures);

}  // namespace maestro::cli
