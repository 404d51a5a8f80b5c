// The JSON API's routes for what an operator does beyond creating and reading cases: lifecycle
// actions with their letters, legal holds, the outbox and the metrics report. Each parses the
// request, checks the caller's role and calls the desk; nothing more.
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"
#include "server/api_support.hpp"

namespace maestro {

// POST /api/v1/cases/{number}/actions/{action}, body {"reason", "details", "text", "send_letter"}.
HttpResponse case_action_route(const HttpRequest& r, Desk& desk, const Settings& settings, const Caller& caller,
                               const std::string& number, const std::string& action);
// POST /api/v1/cases/{number}/checks: {"method": "email-code", "send": true} mails a code (or,
// for knowledge and document, a request for proof); {"method": "email-code", "code"},
// {"method": "knowledge", "answers": {field: answer}} and {"method": "document", "document",
// "outcome"} record a check, as `dsar verify` does.
HttpResponse check_route(const HttpRequest& r, Desk& desk, const Settings& settings, const DataMap* map,
                         const Caller& caller, const std::string& number);
// GET|POST /api/v1/holds, POST /api/v1/holds/{id}/release. `rest` is the path after /api/v1.
HttpResponse holds_route(const HttpRequest& r, Desk& desk, const Caller& caller, const std::vector<std::string>& rest);
// GET /api/v1/outbox: every message's letter, state and attempts (no recipient, no text).
HttpResponse outbox_route(const HttpRequest& r, Desk& desk);
// GET /api/v1/reports/metrics?from=YYYY-MM-DD&to=YYYY-MM-DD (default: this calendar year).
HttpResponse metrics_report_route(const HttpRequest& r, Desk& desk);

}  // namespace maestro
