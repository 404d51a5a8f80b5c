// Authorized agents (the Data Rights Protocol's service directory) and their requests' records.
#include <nlohmann/json.hpp>

#include <regex>

#include "crypto/signatures.hpp"
#include "desk/desk.hpp"

namespace maestro {

namespace {

using nlohmann::json;

constexpr std::string_view k_agent_token_prefix = "drp_";

std::string agent_token_mac(const KeyRing& keys, std::string_view token) {
  return keys.integrity_mac("drp-agent-token:" + std::string(token));
}

// One directory entry checked: its id, name, key (as 64 hex digits) and address.
Result<AgentRecord> agent_from_entry(const json& entry, std::size_t index) {
  std::string where = "directory entry " + std::to_string(index + 1);
  if (!entry.is_object()) return invalid(where + " is not an object");
  auto text = [&](const char* key) -> std::string {
    auto it = entry.find(key);
    return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  static const std::regex k_id("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}");
  AgentRecord a;
  a.id = text("id");
  if (!std::regex_match(a.id, k_id)) return invalid(where + ": 'id' is 1 to 100 letters, digits, '.', '_', ':' or '-'");
  where += " (" + a.id + ")";
  a.name = text("name");
  if (a.name.empty() || a.name.size() > 200) return invalid(where + ": 'name' is 1 to 200 characters");
  auto key = parse_verify_key(text("verify_key"));
  if (!key) return invalid(where + ": 'verify_key' is an Ed25519 verify key, in Base64 or as 64 hex digits");
  a.verify_key = to_hex(*key);
  a.web_url = text("web_url");
  if (!a.web_url.empty() && !a.web_url.starts_with("https://") && !a.web_url.starts_with("http://"))
    return invalid(where + ": 'web_url' is an http(s) address");
  return a;
}

}  // namespace

Result<Desk::AgentImport> Desk::import_agents(std::string_view directory_json, bool trusts_email) {
  json directory = json::parse(directory_json, nullptr, false);
  if (directory.is_discarded()) return invalid("the agents' directory is not JSON");
  if (directory.is_object() && directory.contains("agents")) directory = directory["agents"];
  if (directory.is_object()) directory = json::array({directory});
  if (!directory.is_array() || directory.empty()) return invalid("the agents' directory lists no agent");
  std::vector<AgentRecord> read;
  for (std::size_t i = 0; i < directory.size(); ++i) {
    auto a = agent_from_entry(directory[i], i);
    if (!a) return propagate(a.error());
    for (const auto& earlier : read) {
      if (earlier.id == a->id) return invalid("the agents' directory lists " + a->id + " twice");
    }
    read.push_back(std::move(*a));
  }
  AgentImport out;
  Status done = m_store.transaction([&]() -> Status {
    for (auto& a : read) {
      auto known = m_store.agent(a.id);
      if (!known) return propagate(known.error());
      if (*known) {
        AgentRecord updated = **known;
        updated.name = a.name;
        // A new key makes the old token worthless: the agent sets up its keys again.
        if (updated.verify_key != a.verify_key) updated.token_mac.clear();
        updated.verify_key = a.verify_key;
        updated.web_url = a.web_url;
        updated.trusts_email = trusts_email;
        if (auto ok = m_store.save_agent(updated); !ok) return ok;
        out.updated.push_back(a.id);
      } else {
        a.enabled = true;
        a.trusts_email = trusts_email;
        a.imported_at = m_clock.now();
        if (auto ok = m_store.save_agent(a); !ok) return ok;
        out.added.push_back(a.id);
      }
    }
    return append_audit("", "agents-import", "ok",
                        json{{"added", out.added}, {"updated", out.updated}, {"trusts_email", trusts_email}}.dump());
  });
  if (!done) return propagate(done.error());
  return out;
}

Result<std::vector<AgentRecord>> Desk::agents() { return m_store.load_agents(); }

Result<std::optional<AgentRecord>> Desk::agent(std::string_view id) { return m_store.agent(id); }

Status Desk::set_agent_enabled(std::string_view id, bool enabled) {
  return m_store.transaction([&]() -> Status {
    auto known = m_store.agent(id);
    if (!known) return propagate(known.error());
    if (!*known) return not_found("no agent '" + std::string(id) + "' (maestro agents list shows them)");
    AgentRecord a = **known;
    a.enabled = enabled;
    if (!enabled) a.token_mac.clear();
    if (auto ok = m_store.save_agent(a); !ok) return ok;
    return append_audit("", enabled ? "agent-enabled" : "agent-disabled", "ok", json{{"agent", a.id}}.dump());
  });
}

Result<std::string> Desk::issue_agent_token(std::string_view id) {
  std::string token = std::string(k_agent_token_prefix) + to_hex(random_bytes(32));
  Status done = m_store.transaction([&]() -> Status {
    auto known = m_store.agent(id);
    if (!known) return propagate(known.error());
    if (!*known || !(*known)->enabled) return fail(ErrorCode::permission_denied, "not an enabled agent");
    AgentRecord a = **known;
    a.token_mac = agent_token_mac(m_keys, token);
    a.token_issued_at = m_clock.now();
    if (auto ok = m_store.save_agent(a); !ok) return ok;
    return append_audit("", "agent-token", "ok", json{{"agent", a.id}}.dump());
  });
  if (!done) return propagate(done.error());
  return token;
}

Result<std::optional<AgentRecord>> Desk::agent_with_token(std::string_view token) {
  if (!token.starts_with(k_agent_token_prefix) || token.size() != k_agent_token_prefix.size() + 64)
    return std::optional<AgentRecord>{};
  std::string mac = agent_token_mac(m_keys, token);
  auto all = m_store.load_agents();
  if (!all) return propagate(all.error());
  for (auto& a : *all) {
    if (a.enabled && !a.token_mac.empty() && a.token_mac == mac) return std::optional<AgentRecord>{std::move(a)};
  }
  return std::optional<AgentRecord>{};
}

Result<bool> Desk::remember_signed_body(std::string_view signed_bytes) {
  std::string mac = m_keys.integrity_mac("drp-signed-body:" + std::string(signed_bytes));
  Result<bool> fresh = false;
  Status done = m_store.transaction([&]() -> Status {
    fresh = m_store.remember_signed_body(mac, m_clock.now());
    return fresh ? Status{} : propagate(fresh.error());
  });
  if (!done) return propagate(done.error());
  return fresh;
}

Status Desk::record_agent_request(const AgentRequestRecord& request) {
  return m_store.transaction([&]() -> Status {
    if (auto ok = m_store.add_agent_request(request); !ok) return ok;
    return append_audit(request.case_number, "agent-request", "ok",
                        json{{"agent", request.agent_id}, {"request_id", request.request_id},
                             {"exercise", request.exercise}, {"callback", !request.status_callback.empty()}}
                            .dump());
  });
}

Status Desk::save_agent_request(const AgentRequestRecord& request) {
  return m_store.transaction([&] { return m_store.update_agent_request(request); });
}

Result<std::optional<AgentRequestRecord>> Desk::agent_request(std::string_view request_id) {
  return m_store.agent_request(request_id);
}

Result<std::optional<AgentRequestRecord>> Desk::agent_request_of_case(std::string_view number) {
  return m_store.agent_request_of_case(number);
}

Result<std::vector<AgentRequestRecord>> Desk::agent_requests_with_callback() {
  return m_store.agent_requests_with_callback();
}

Status Desk::record_drift(const std::string& summary_json, std::size_t personal_unmapped) {
  return m_store.transaction([&]() -> Status {
    if (auto ok = m_store.save_drift_report(summary_json); !ok) return ok;
    return append_audit("", "datamap-drift", personal_unmapped > 0 ? "personal-unmapped" : "clean",
                        json{{"personal_unmapped", personal_unmapped}}.dump());
  });
}

Result<std::vector<CaseView>> Desk::cases_of_subject(const std::vector<SubjectIdentifier>& identifiers) {
  std::vector<std::string> numbers;
  for (const auto& id : identifiers) {
    auto found = m_store.cases_with_subject(m_keys.pseudonym(id.canonical()));
    if (!found) return propagate(found.error());
    for (auto& n : *found) {
      if (std::find(numbers.begin(), numbers.end(), n) == numbers.end()) numbers.push_back(std::move(n));
    }
  }
  std::vector<CaseView> out;
  for (const auto& n : numbers) {
    auto v = find(n);
    if (!v) return propagate(v.error());
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace maestro
