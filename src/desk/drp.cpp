#include "desk/drp.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <variant>

#include "crypto/keyring.hpp"
#include "crypto/signatures.hpp"
#include "desk/case_actions.hpp"
#include "desk/correspondence.hpp"
#include "desk/verification_service.hpp"
#include "notify/webhooks.hpp"

namespace maestro {

namespace {

using json = nlohmann::json;

DrpReply error_reply(int status, const std::string& message, bool fatal) {
  return {status, json{{"code", std::to_string(status)}, {"message", message}, {"fatal", fatal}}.dump()};
}

// DRP's exercises and the rights they are under the CCPA.
const std::map<std::string, std::string>& exercise_rights() {
  static const std::map<std::string, std::string> rights{
      {"access", "ccpa-know"},     {"access:categories", "ccpa-know"},      {"access:specific", "ccpa-know"},
      {"deletion", "ccpa-delete"}, {"sale:opt-out", "ccpa-opt-out-of-sale"}, {"sale:opt-in", "ccpa-opt-in-to-sale"}};
  return rights;
}

// DRP's denial reasons for the policy's.
std::string drp_reason_for_denial(const std::string& reason) {
  if (reason == "identity-not-verified") return "insuf_verification";
  if (reason == "no-data-held") return "no_match";
  if (reason == "excessive") return "too_many_requests";
  return "other";
}

std::string new_request_id() {
  std::string b = random_bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = to_hex(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string text_claim(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string public_base(const Settings& settings) {
  if (!settings.server.public_url.empty()) return settings.server.public_url;
  return "http://" + settings.server.listen;
}

// A signed message that passed DRP's checks, in the order the protocol gives them.
struct Verified {
  json message;
  std::string signed_bytes;
};

std::variant<Verified, DrpReply> verify_message(const Settings& settings, const Clock& clock, const AgentRecord& agent,
                                                std::string_view body, bool needs_envelope) {
  auto raw = decode_base64(body);
  if (!raw) return error_reply(400, "the body is not Base64 of a signed message", true);
  auto key = from_hex(agent.verify_key);
  if (!key) return error_reply(500, "the agent's verify key is unreadable", false);
  auto opened = open_signed(*raw, *key);
  if (!opened) return error_reply(403, "the signature does not verify with the agent's key", true);
  json message = json::parse(*opened, nullptr, false);
  if (message.is_discarded() || !message.is_object()) return error_reply(400, "the signed message is not a JSON object", true);
  if (!needs_envelope && !message.contains("agent-id")) return Verified{std::move(message), std::move(*raw)};
  if (text_claim(message, "agent-id") != agent.id) return error_reply(403, "agent-id is not the agent the token belongs to", true);
  if (text_claim(message, "business-id") != settings.agents.business_id)
    return error_reply(403, "business-id names another business", true);
  auto issued = parse_instant(text_claim(message, "issued-at"));
  auto expires = parse_instant(text_claim(message, "expires-at"));
  if (!issued || !expires) return error_reply(400, "issued-at and expires-at are ISO 8601 times", true);
  Instant now = clock.now();
  if (*issued > now + std::chrono::seconds(settings.agents.clock_skew_seconds))
    return error_reply(400, "issued-at is in the future", true);
  if (now >= *expires) return error_reply(400, "the message expired (expires-at has passed)", true);
  return Verified{std::move(message), std::move(*raw)};
}

// The verify step's answer, or null when the message passed.
const DrpReply* refusal(const std::variant<Verified, DrpReply>& checked) { return std::get_if<DrpReply>(&checked); }

bool is_web_address(const std::string& url) {
  return (url.starts_with("https://") || url.starts_with("http://")) && url.size() < 2000 &&
         url.find_first_of(" \r\n\t") == std::string::npos;
}

// The access requests of this person in the 12 months before `now`, other than `number`.
Result<int> recent_access_requests(Desk& desk, const Case& c, Instant now) {
  auto cases = desk.cases_of_subject(c.identifiers);
  if (!cases) return propagate(cases.error());
  int count = 0;
  for (const auto& v : *cases) {
    if (v.c.number == c.number || v.c.state == CaseState::withdrawn) continue;
    if (v.c.received_at + std::chrono::days(365) < now) continue;
    if (std::find(v.c.rights.begin(), v.c.rights.end(), Right::ccpa_know) != v.c.rights.end()) ++count;
  }
  return count;
}

// The request an agent asks about, checked: its token names an admitted agent (403), the request
// exists (404) and that agent manages it (403).
struct ManagedRequest {
  AgentRecord agent;
  AgentRequestRecord request;
};

std::variant<ManagedRequest, DrpReply> managed_request(Desk& desk, std::string_view bearer, std::string_view request_id) {
  auto agent = desk.agent_with_token(bearer);
  if (!agent) return error_reply(503, agent.error().message, false);
  if (!*agent) return error_reply(403, "the bearer token is not an admitted agent's", true);
  auto request = desk.agent_request(request_id);
  if (!request) return error_reply(503, request.error().message, false);
  if (!*request) return error_reply(404, "no such request", false);
  if ((*request)->agent_id != (*agent)->id) return error_reply(403, "this request is not managed by this agent", false);
  return ManagedRequest{std::move(**agent), std::move(**request)};
}

// The request's status object as the answer, or 503 when the store cannot say.
DrpReply status_reply(DrpService& drp, const AgentRequestRecord& request) {
  auto object = drp.status_object(request);
  return object ? DrpReply{200, *object} : error_reply(503, object.error().message, false);
}

// Who must prove what, by exercise:
//   sale:opt-out  nobody: an opt-out need not be a verifiable request (CCPA regs 7026(d)), so it
//                 counts as verified at once;
//   sale:opt-in   the consumer, always: the agent's request is the first step of the two-step
//                 opt-in, the consumer's own confirmation by the emailed code the second
//                 (regs 7028(a)), whatever the agent verified;
//   the others    the agent's email verification where this agent is trusted with it (one check),
//                 the consumer on the portal's page (user_verification_url) for what is still short.
Status begin_verification(Desk& desk, const AgentRecord& agent, const json& message, const std::string& right,
                          const std::string& number, Correspondence* letters) {
  if (right == "ccpa-opt-out-of-sale") {
    auto verified = desk.override_verification(
        number, "an opt-out of sale sent by an authorized agent: the CCPA does not require it to be verified");
    return verified ? Status{} : propagate(verified.error());
  }
  bool has_email = !text_claim(message, "email").empty();
  bool email_verified = message.contains("email_verified") && message["email_verified"].is_boolean() &&
                        message["email_verified"].get<bool>();
  bool verified = false;
  if (right != "ccpa-opt-in-to-sale" && agent.trusts_email && email_verified && has_email) {
    auto checked_by_agent = desk.record_verification(number, "agent-email", VerificationOutcome::passed);
    if (!checked_by_agent) return propagate(checked_by_agent.error());
    verified = checked_by_agent->c.state == CaseState::verified;
  }
  // A code the consumer cannot be sent leaves the case awaiting the team's check.
  if (!verified && letters && has_email) (void)start_verification(desk, *letters, number, "email-code", "");
  return {};
}

}  // namespace

DrpService::DrpService(Desk& desk, const Settings& settings) : m_settings(settings), m_desk(desk) {}

DrpReply DrpService::key_setup(std::string_view agent_id, std::string_view body) {
  const DrpReply refused{403, ""};  // DRP: any failed key setup is 403 with an empty body
  auto agent = m_desk.agent(agent_id);
  if (!agent) return error_reply(503, agent.error().message, false);
  if (!*agent || !(*agent)->enabled) return refused;
  auto checked = verify_message(m_settings, m_desk.clock(), **agent, body, true);
  if (refusal(checked)) return refused;
  auto fresh = m_desk.remember_signed_body(std::get<Verified>(checked).signed_bytes);
  if (!fresh) return error_reply(503, fresh.error().message, false);
  if (!*fresh) return refused;
  auto token = m_desk.issue_agent_token((*agent)->id);
  if (!token) return refused;
  return {200, json{{"agent-id", (*agent)->id}, {"token", *token}}.dump()};
}

DrpReply DrpService::agent_check(std::string_view agent_id, std::string_view bearer) {
  auto agent = m_desk.agent_with_token(bearer);
  if (!agent) return error_reply(503, agent.error().message, false);
  if (!*agent || (*agent)->id != agent_id) return error_reply(403, "the token is not this agent's", true);
  return {200, "{}"};
}

DrpReply DrpService::exercise(std::string_view bearer, std::string_view body) {
  auto agent = m_desk.agent_with_token(bearer);
  if (!agent) return error_reply(503, agent.error().message, false);
  if (!*agent) return error_reply(403, "the bearer token is not an admitted agent's (set up keys first)", true);
  auto checked = verify_message(m_settings, m_desk.clock(), **agent, body, true);
  if (const DrpReply* no = refusal(checked)) return *no;
  const Verified& v = std::get<Verified>(checked);
  const json& m = v.message;
  std::string exercise = text_claim(m, "exercise");
  auto right = exercise_rights().find(exercise);
  if (right == exercise_rights().end())
    return error_reply(400, "unknown exercise '" + exercise.substr(0, 40) +
                                "' (known: access, access:categories, access:specific, deletion, sale:opt-out, "
                                "sale:opt-in)", true);
  if (m.contains("regime") && text_claim(m, "regime") != "ccpa" && text_claim(m, "regime") != "voluntary")
    return error_reply(400, "unknown regime (known: ccpa, voluntary)", true);
  std::string callback = text_claim(m, "status_callback");
  if (!callback.empty() && !is_web_address(callback)) return error_reply(400, "status_callback is not an http(s) address", true);
  IntakeRequest request;
  if (auto email = text_claim(m, "email"); !email.empty()) request.subjects.push_back("email:" + email);
  if (auto phone = text_claim(m, "phone_number"); !phone.empty()) request.subjects.push_back("phone:" + phone);
  if (request.subjects.empty()) return error_reply(400, "the request names no email or phone_number to find the consumer by", true);
  request.name = text_claim(m, "name");
  request.rights = right->second;
  request.jurisdiction = m_settings.agents.jurisdiction;
  request.channel = "agent";
  auto fresh = m_desk.remember_signed_body(v.signed_bytes);
  if (!fresh) return error_reply(503, fresh.error().message, false);
  if (!*fresh) return error_reply(403, "this signed message was received before (a replay)", true);
  auto made = m_desk.intake(request);
  if (!made) return error_reply(400, made.error().message, true);
  const std::string number = made->c.number;

  AgentRequestRecord record;
  record.request_id = new_request_id();
  record.agent_id = (*agent)->id;
  record.agent_request_id = text_claim(m, "agent-request-id").substr(0, 200);
  record.case_number = number;
  record.exercise = exercise;
  record.status_callback = callback;
  record.received_at = m_desk.clock().now();
  auto link = m_desk.add_status_link(number);
  if (!link) return error_reply(503, link.error().message, false);
  record.status_link = *link;
  if (auto ok = m_desk.record_agent_request(record); !ok) return error_reply(503, ok.error().message, false);

  // The case's first steps, as an operator's: acknowledged (letter A), the CCPA limit on access
  // requests, then the agent's verification where it is trusted, the consumer's otherwise.
  auto mail = Correspondence::open(m_desk, m_settings);
  Correspondence* letters = mail ? mail->get() : nullptr;
  auto acknowledged = run_case_action(m_desk, letters, number, CaseActionRequest{.action = "acknowledge"});
  if (!acknowledged) return error_reply(503, acknowledged.error().message, false);
  if (right->second == "ccpa-know") {
    auto earlier = recent_access_requests(m_desk, acknowledged->view.c, m_desk.clock().now());
    if (!earlier) return error_reply(503, earlier.error().message, false);
    if (*earlier >= 2) {
      CaseActionRequest deny{.action = "deny", .reason = "excessive",
                             .details = "The CCPA requires us to answer two access requests in 12 months; this is a third."};
      if (auto denied = run_case_action(m_desk, letters, number, deny); !denied)
        return error_reply(503, denied.error().message, false);
      return status_reply(*this, record);
    }
  }
  if (auto ok = begin_verification(m_desk, **agent, m, right->second, number, letters); !ok)
    return error_reply(503, ok.error().message, false);
  return status_reply(*this, record);
}

DrpReply DrpService::status(std::string_view bearer, std::string_view request_id) {
  auto managed = managed_request(m_desk, bearer, request_id);
  if (const DrpReply* no = std::get_if<DrpReply>(&managed)) return *no;
  return status_reply(*this, std::get<ManagedRequest>(managed).request);
}

DrpReply DrpService::revoke(std::string_view bearer, std::string_view request_id, std::string_view body) {
  auto managed = managed_request(m_desk, bearer, request_id);
  if (const DrpReply* no = std::get_if<DrpReply>(&managed)) return *no;
  const auto& [agent, request] = std::get<ManagedRequest>(managed);
  auto checked = verify_message(m_settings, m_desk.clock(), agent, body, false);
  if (const DrpReply* no = refusal(checked)) return *no;
  auto fresh = m_desk.remember_signed_body(std::get<Verified>(checked).signed_bytes);
  if (!fresh) return error_reply(503, fresh.error().message, false);
  if (!*fresh) return error_reply(403, "this signed message was received before (a replay)", true);
  auto view = m_desk.find(request.case_number);
  if (!view) return error_reply(503, view.error().message, false);
  if (is_closed(view->c.state)) return error_reply(409, "the request is final already and cannot be revoked", false);
  auto erasure = m_desk.erasure_job(view->c.number);
  if (!erasure) return error_reply(503, erasure.error().message, false);
  if (*erasure) return error_reply(409, "erasure has begun: the request can no longer be revoked", false);
  auto mail = Correspondence::open(m_desk, m_settings);
  auto withdrawn = run_case_action(m_desk, mail ? mail->get() : nullptr, view->c.number, CaseActionRequest{.action = "withdraw"});
  if (!withdrawn) return error_reply(409, withdrawn.error().message, false);
  return status_reply(*this, request);
}

Result<std::string> DrpService::status_object(const AgentRequestRecord& r) {
  auto view = m_desk.find(r.case_number);
  if (!view) return propagate(view.error());
  const Case& c = view->c;
  const std::string page = public_base(m_settings) + "/portal/s/" + r.status_link;
  json out{{"request_id", r.request_id},
           {"received_at", format_instant(r.received_at)},
           {"expected_by", format_date(view->deadlines.legal_due)},
           {"processing_details", ""}};
  if (!r.agent_request_id.empty()) out["agent_request_id"] = r.agent_request_id;
  if (!c.extensions.empty()) {
    const auto& reasons = m_desk.policy().extension_reasons;
    auto it = reasons.find(c.extensions.back().reason);
    out["processing_details"] = "extended: " + (it != reasons.end() ? it->second : c.extensions.back().reason);
  }
  switch (c.state) {
    case CaseState::received: out["status"] = "open"; break;
    case CaseState::awaiting_verification:
      out["status"] = "in_progress";
      out["reason"] = "need_user_verification";
      out["user_verification_url"] = page;
      if (r.exercise == "sale:opt-in")
        out["processing_details"] = "the consumer confirms the opt-in themselves (two-step opt-in, CCPA regs 7028)";
      break;
    case CaseState::fulfilled:
      out["status"] = "fulfilled";
      if (!c.deliveries.empty() && c.deliveries.back().status == "delivered") {
        Instant until = c.deliveries.back().at + std::chrono::hours(m_settings.server.download_hours);
        out["results_url"] = page;
        out["expires_at"] = format_instant(until);
        // The results can no longer be fetched: final, and told to the agent like any change.
        if (m_desk.clock().now() >= until) out["status"] = "expired";
      }
      break;
    case CaseState::denied:
      out["status"] = "denied";
      out["reason"] = drp_reason_for_denial(c.denial_reason);
      break;
    case CaseState::withdrawn: out["status"] = "revoked"; break;
    default: out["status"] = "in_progress"; break;
  }
  return out.dump();
}

Result<int> dispatch_agent_callbacks(Desk& desk, const Settings& settings) {
  auto requests = desk.agent_requests_with_callback();
  if (!requests) return propagate(requests.error());
  DrpService drp(desk, settings);
  int queued = 0;
  for (auto& r : *requests) {
    auto object = drp.status_object(r);
    if (!object) return propagate(object.error());
    json status = json::parse(*object);
    std::string key = status.value("status", "") + "/" + status.value("reason", "");
    if (key == r.notified) continue;
    JobRequest job{.kind = "drp-callback", .case_number = r.case_number,
                   .parameters_json = json{{"request_id", r.request_id}}.dump(), .max_attempts = 8,
                   .idempotency_key = "drp-callback:" + r.request_id + ":" + key};
    auto queued_job = desk.enqueue_job(job);
    if (!queued_job) return propagate(queued_job.error());
    r.notified = key;
    if (auto ok = desk.save_agent_request(r); !ok) return propagate(ok.error());
    ++queued;
  }
  return queued;
}

Result<std::string> send_agent_callback(Desk& desk, const Settings& settings, std::string_view request_id) {
  auto request = desk.agent_request(request_id);
  if (!request) return propagate(request.error());
  if (!*request) return not_found("no agent request " + std::string(request_id));
  DrpService drp(desk, settings);
  auto object = drp.status_object(**request);
  if (!object) return propagate(object.error());
  auto sent = post_json((*request)->status_callback, *object, {"User-Agent: Maestro-DRP/1"}, 10);
  if (!sent) return propagate(sent.error());
  if (*sent < 200 || *sent >= 300)
    return fail(ErrorCode::unavailable, "the agent's status callback answered " + std::to_string(*sent));
  json status = json::parse(*object);
  return json{{"request_id", (*request)->request_id}, {"status", status.value("status", "")},
              {"answered", *sent}}.dump();
}

}  // namespace maestro
