#include "server/api_cases.hpp"

#include <nlohmann/json.hpp>

#include "desk/case_actions.hpp"
#include "desk/json_views.hpp"
#include "desk/reports.hpp"
#include "desk/verification_service.hpp"

namespace maestro {

using nlohmann::json;

namespace {

std::string query_value(const HttpRequest& r, const char* key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? std::string() : it->second;
}

Result<std::int64_t> parse_id(const std::string& text) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return not_found("no such record");
  return std::stoll(text);
}

}  // namespace

HttpResponse case_action_route(const HttpRequest& r, Desk& desk, const Settings& settings, const Caller& caller,
                               const std::string& number, const std::string& action) {
  if (r.method != "POST") return problem(405, "use POST");
  auto needed = role_for_case_action(action);
  if (!needed) return problem(404, "no such action; one of: acknowledge, start, review, fulfil, deny, withdraw, "
                                   "pause, resume, extend, note, assign, override-verification, close-by-exception, appeal");
  if (auto refused = refuse_unless(caller, *needed)) return *refused;
  if (auto refused = not_json_if_any(r)) return *refused;
  auto body = strict_body(r, {"reason", "details", "text", "send_letter"});
  if (!body) return problem(body.error());
  CaseActionRequest request;
  request.action = action;
  for (auto [key, target] : {std::pair{"reason", &request.reason}, std::pair{"details", &request.details},
                             std::pair{"text", &request.text}}) {
    auto value = optional_string(*body, key);
    if (!value) return problem(value.error());
    *target = *value;
  }
  auto send = optional_bool(*body, "send_letter", true);
  if (!send) return problem(send.error());
  request.send_letter = *send;

  auto mail = Correspondence::open(desk, settings);  // without one the letter is reported as not sent
  auto done = run_case_action(desk, mail ? mail->get() : nullptr, number, request);
  if (!done) return problem(done.error());
  json out{{"case", json::parse(case_json(done->view, -1))}, {"letter", nullptr}};
  if (done->letter) {
    json letter{{"name", *done->letter}};
    if (done->sent) {
      letter["message"] = done->sent->message.id;
      letter["state"] = done->sent->message.state;
    } else {
      letter["state"] = request.send_letter ? "not-sent" : "skipped";
      if (!done->letter_problem.empty()) letter["problem"] = done->letter_problem;
    }
    out["letter"] = letter;
  }
  // Every letter the action called for, in the order they go (closing: the fulfilment letter,
  // the password apart, the confirmations).
  json letters = json::array();
  for (std::size_t i = 0; i < done->letters.size(); ++i) {
    json l{{"name", done->letters[i]}};
    if (i < done->sent_all.size()) {
      l["message"] = done->sent_all[i].message.id;
      l["state"] = done->sent_all[i].message.state;
    } else {
      l["state"] = request.send_letter ? "not-sent" : "skipped";
    }
    letters.push_back(std::move(l));
  }
  out["letters"] = letters;
  return json_response(200, out.dump());
}

namespace {

json check_json(const VerificationResult& v) {
  return json{{"case", json::parse(case_json(v.view, -1))},
              {"passed", v.passed},
              {"factors_passed", v.factors_passed},
              {"factors_required", v.factors_required},
              {"explanation", v.explanation}};
}

Result<VerificationResult> run_check(const json& body, Desk& desk, const Settings& settings, const DataMap* map,
                                     const std::string& number) {
  auto method = optional_string(body, "method");
  if (!method) return propagate(method.error());
  auto send = optional_bool(body, "send", false);
  if (!send) return propagate(send.error());
  if (*send) {
    auto proof = optional_string(body, "requested_proof");
    if (!proof) return propagate(proof.error());
    auto mail = Correspondence::open(desk, settings);
    if (!mail) return propagate(mail.error());
    return start_verification(desk, **mail, number, *method, *proof);
  }
  if (*method == "email-code") {
    auto code = optional_string(body, "code");
    if (!code) return propagate(code.error());
    if (code->empty()) return invalid("give the 'code' the requester received, or send one with \"send\": true");
    auto mail = Correspondence::open(desk, settings);
    if (!mail) return propagate(mail.error());
    return check_code(desk, **mail, number, *code);
  }
  if (*method == "knowledge") {
    if (!map) return precondition("no data map is configured (datamap: in maestro.yaml)");
    if (!body.contains("answers") || !body["answers"].is_object() || body["answers"].empty())
      return invalid("'answers' must be an object of field -> answer, e.g. {\"invoice.InvoiceId\": \"98\"}");
    KnowledgeAnswers answers;
    for (const auto& [field, value] : body["answers"].items()) {
      if (!value.is_string()) return invalid("each answer must be a string");
      answers.answers[field] = value.get<std::string>();
    }
    auto pieces = optional_bool(body, "specific_pieces", false);
    if (!pieces) return propagate(pieces.error());
    auto declaration = optional_bool(body, "signed_declaration", false);
    if (!declaration) return propagate(declaration.error());
    answers.specific_pieces = *pieces;
    answers.signed_declaration = *declaration;
    auto mail = Correspondence::open(desk, settings);
    if (!mail) return propagate(mail.error());
    return check_knowledge(desk, **mail, *map, number, answers);
  }
  if (*method == "document") {
    auto document = optional_string(body, "document");
    if (!document) return propagate(document.error());
    auto outcome_text = optional_string(body, "outcome");
    if (!outcome_text) return propagate(outcome_text.error());
    auto outcome = parse_verification_outcome(*outcome_text);
    if (!outcome || (*outcome != VerificationOutcome::passed && *outcome != VerificationOutcome::failed))
      return invalid("'outcome' is passed or failed");
    auto mail = Correspondence::open(desk, settings);
    if (!mail) return propagate(mail.error());
    return record_document(desk, **mail, number, *document, *outcome);
  }
  return invalid("'method' is email-code, knowledge or document");
}

}  // namespace

HttpResponse check_route(const HttpRequest& r, Desk& desk, const Settings& settings, const DataMap* map,
                         const Caller& caller, const std::string& number) {
  if (r.method != "POST") return problem(405, "use POST");
  if (auto refused = refuse_unless(caller, Role::operator_)) return *refused;
  if (auto refused = not_json(r)) return *refused;
  auto body = strict_body(r, {"method", "send", "requested_proof", "code", "answers", "specific_pieces",
                              "signed_declaration", "document", "outcome"});
  if (!body) return problem(body.error());
  auto checked = run_check(*body, desk, settings, map, number);
  if (!checked) return problem(checked.error());
  return json_response(200, check_json(*checked).dump());
}

HttpResponse holds_route(const HttpRequest& r, Desk& desk, const Caller& caller, const std::vector<std::string>& rest) {
  if (rest.size() == 1) {
    if (r.method == "GET") {
      auto all = query_value(r, "all");
      if (!all.empty() && all != "true" && all != "false") return problem(400, "all is true or false");
      auto holds = desk.list_holds(all == "true");
      if (!holds) return problem(holds.error());
      return json_response(200, holds_json(*holds, -1));
    }
    if (r.method != "POST") return problem(405, "use GET or POST");
    if (auto refused = refuse_unless(caller, Role::operator_)) return *refused;
    if (auto refused = not_json(r)) return *refused;
    auto body = strict_body(r, {"subjects", "reason", "details"});
    if (!body) return problem(body.error());
    if (!body->contains("subjects") || !(*body)["subjects"].is_array() || (*body)["subjects"].empty())
      return problem(400, "'subjects' must be a non-empty list of identifiers (email:..., customer_id:...)");
    std::vector<SubjectIdentifier> subjects;
    for (const auto& item : (*body)["subjects"]) {
      if (!item.is_string()) return problem(400, "'subjects' must be a list of strings");
      auto id = parse_identifier(item.get<std::string>());
      if (!id) return problem(id.error());
      subjects.push_back(*id);
    }
    auto reason = optional_string(*body, "reason");
    if (!reason) return problem(reason.error());
    auto details = optional_string(*body, "details");
    if (!details) return problem(details.error());
    auto id = desk.add_hold(subjects, *reason, *details);
    if (!id) return problem(id.error());
    HttpResponse response = json_response(201, json{{"id", *id}, {"reason", *reason}}.dump());
    response.headers.emplace_back("Location", "/api/v1/holds/" + std::to_string(*id));
    return response;
  }
  if (rest.size() == 3 && rest[2] == "release") {
    if (r.method != "POST") return problem(405, "use POST");
    // Releasing a hold makes erasure possible again: a DPO's decision.
    if (auto refused = refuse_unless(caller, Role::dpo)) return *refused;
    auto id = parse_id(rest[1]);
    if (!id) return problem(404, "no such legal hold");
    if (auto released = desk.release_hold(*id); !released) return problem(released.error());
    return json_response(200, json{{"id", *id}, {"released", true}}.dump());
  }
  return problem(404, "no such resource");
}

HttpResponse outbox_route(const HttpRequest& r, Desk& desk) {
  if (r.method != "GET") return problem(405, "use GET");
  auto messages = desk.messages();
  if (!messages) return problem(messages.error());
  return json_response(200, outbox_json(*messages, -1));
}

HttpResponse metrics_report_route(const HttpRequest& r, Desk& desk) {
  if (r.method != "GET") return problem(405, "use GET");
  Date today = date_of(desk.clock().now());
  Date from = Date{today.year(), std::chrono::January, std::chrono::day{1}};
  Date to = today;
  for (auto [key, target] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    auto text = query_value(r, key);
    if (text.empty()) continue;
    auto date = parse_date(text);
    if (!date) return problem(400, std::string(key) + " is a date, YYYY-MM-DD");
    *target = *date;
  }
  if (to < from) return problem(400, "'to' is before 'from'");
  auto cases = desk.list({});
  if (!cases) return problem(cases.error());
  return json_response(200, render_metrics_json(compute_metrics(*cases, from, to)));
}

}  // namespace maestro
