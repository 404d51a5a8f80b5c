// API tokens: random 256-bit secrets for machine clients, bound to a role; only a keyed hash of
// each is stored, so a copy of the case store cannot be used to call the API.
#include <nlohmann/json.hpp>

#include <regex>

#include "desk/desk.hpp"

namespace maestro {

namespace {

constexpr std::string_view k_token_prefix = "mst_";

std::string secret_mac(const KeyRing& keys, std::string_view secret) {
  return keys.integrity_mac(std::string("api-token:") + std::string(secret));
}

}  // namespace

Result<Role> parse_role(std::string_view text) {
  if (text == "auditor") return Role::auditor;
  if (text == "operator") return Role::operator_;
  if (text == "dpo") return Role::dpo;
  return invalid("unknown role '" + std::string(text) + "' (known: auditor, operator, dpo)");
}

const char* role_name(Role role) {
  switch (role) {
    case Role::auditor: return "auditor";
    case Role::operator_: return "operator";
    case Role::dpo: return "dpo";
  }
  return "auditor";
}

bool role_allows(Role held, Role needed) {
  return static_cast<int>(held) >= static_cast<int>(needed);
}

Result<NewToken> Desk::create_token(std::string_view name, Role role) {
  static const std::regex k_name("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  if (!std::regex_match(name.begin(), name.end(), k_name)) {
    return invalid("a token name is 1 to 64 letters, digits, '.', '_' or '-', e.g. ticketing-bridge");
  }
  NewToken made;
  made.secret = std::string(k_token_prefix) + to_hex(random_bytes(32));
  made.token.name = std::string(name);
  made.token.role = role_name(role);
  made.token.secret_mac = secret_mac(m_keys, made.secret);
  made.token.created_at = m_clock.now();
  made.token.created_by = m_actor;
  Status done = m_store.transaction([&]() -> Status {
    auto id = m_store.add_token(made.token);
    if (!id) return propagate(id.error());
    made.token.id = *id;
    return append_audit(
        "", "token-created", "ok",
        nlohmann::json{{"token", made.token.id}, {"name", made.token.name}, {"role", made.token.role}}.dump());
  });
  if (!done) return propagate(done.error());
  return made;
}

Result<std::optional<ApiToken>> Desk::authenticate_token(std::string_view secret) {
  if (!secret.starts_with(k_token_prefix) || secret.size() != k_token_prefix.size() + 64) {
    return std::optional<ApiToken>{};
  }
  auto token = m_store.token_with_mac(secret_mac(m_keys, secret));
  if (!token) return propagate(token.error());
  if (*token && (*token)->revoked_at) return std::optional<ApiToken>{};
  return token;
}

Result<std::vector<ApiToken>> Desk::tokens() {
  return m_store.load_tokens();
}

Status Desk::revoke_token(std::int64_t id) {
  return m_store.transaction([&]() -> Status {
    if (auto ok = m_store.revoke_token(id, m_clock.now()); !ok) return ok;
    return append_audit("", "token-revoked", "ok", nlohmann::json{{"token", id}}.dump());
  });
}

}  // namespace maestro
