// Operator accounts for the dashboard: Argon2id password hashes (libargon2, OWASP's minimum
// parameters: 19 MiB, 2 passes), one-time set-password links, browser sessions with idle and
// absolute expiry, and lock-outs that grow with repeated failures, per account and per client.
#include <argon2.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

#include "desk/desk.hpp"

namespace maestro {

namespace {

constexpr std::uint32_t k_argon_passes = 2;
constexpr std::uint32_t k_argon_memory_kib = 19 * 1024;
constexpr std::uint32_t k_argon_lanes = 1;
constexpr std::size_t k_salt_bytes = 16;
constexpr std::size_t k_hash_bytes = 32;
constexpr auto k_link_lifetime = std::chrono::hours{72};
constexpr int k_account_free_failures = 5;  // then 1 minute, doubling, at most an hour
constexpr int k_client_free_failures = 20;
constexpr std::string_view k_session_prefix = "mss_";
constexpr std::string_view k_link_prefix = "msl_";

std::string secret_mac(const KeyRing& keys, std::string_view purpose, std::string_view secret) {
  return keys.integrity_mac(std::string(purpose) + ":" + std::string(secret));
}

Result<std::string> hash_password(std::string_view password) {
  std::string salt = random_bytes(k_salt_bytes);
  std::size_t length =
      argon2_encodedlen(k_argon_passes, k_argon_memory_kib, k_argon_lanes, k_salt_bytes, k_hash_bytes, Argon2_id);
  std::string encoded(length, '\0');
  int rc = argon2id_hash_encoded(k_argon_passes, k_argon_memory_kib, k_argon_lanes, password.data(), password.size(),
                                 salt.data(), salt.size(), k_hash_bytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return fail(ErrorCode::internal, std::string("cannot hash the password: ") + argon2_error_message(rc));
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool password_matches(const std::string& encoded, std::string_view password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

// A hash to check against when the email is unknown, so that the answer takes as long.
const std::string& decoy_hash() {
  static const std::string decoy = hash_password("decoy password, never a real one").value_or("");
  return decoy;
}

// One minute after the free failures, doubling with each further one, at most an hour.
std::optional<Instant> lockout(int failures, int free_failures, Instant now) {
  if (failures < free_failures) return std::nullopt;
  int doublings = std::min(failures - free_failures, 6);
  auto minutes = std::min(60, 1 << doublings);
  return now + std::chrono::minutes{minutes};
}

Result<std::string> normalise_email(std::string_view email) {
  auto id = parse_identifier("email:" + std::string(email));
  if (!id) return invalid("'" + std::string(email.substr(0, 80)) + "' is not an email address");
  return id->value;
}

Status check_password_rules(std::string_view password, std::string_view email) {
  if (password.size() < 12) return invalid("a password has at least 12 characters");
  if (password.size() > 256) return invalid("a password has at most 256 characters");
  if (password == email) return invalid("the password must not be the email address");
  return {};
}

}  // namespace

Result<NewOperator> Desk::add_operator(std::string_view email, Role role) {
  auto address = normalise_email(email);
  if (!address) return propagate(address.error());
  NewOperator made;
  made.account.email = *address;
  made.account.role = role_name(role);
  made.account.created_at = m_clock.now();
  made.account.created_by = m_actor;
  made.link_secret = std::string(k_link_prefix) + to_hex(random_bytes(32));
  Status done = m_store.transaction([&]() -> Status {
    auto id = m_store.add_operator(made.account);
    if (!id) return propagate(id.error());
    made.account.id = *id;
    OneTimeLink link{secret_mac(m_keys, "link", made.link_secret), *id, m_clock.now() + k_link_lifetime, std::nullopt};
    if (auto ok = m_store.add_link(link); !ok) return ok;
    return append_audit("", "operator-added", "ok",
                        nlohmann::json{{"operator", *id}, {"role", made.account.role}}.dump());
  });
  if (!done) return propagate(done.error());
  return made;
}

Result<OperatorAccount> Desk::add_operator_with_password(std::string_view email, Role role, std::string_view password) {
  auto address = normalise_email(email);
  if (!address) return propagate(address.error());
  // Every check before anything is written: a refused password leaves no account behind.
  if (auto ok = check_password_rules(password, *address); !ok) return propagate(ok.error());
  auto hash = hash_password(password);
  if (!hash) return propagate(hash.error());
  OperatorAccount account;
  account.email = *address;
  account.role = role_name(role);
  account.created_at = m_clock.now();
  account.created_by = m_actor;
  account.password_hash = *hash;
  Status done = m_store.transaction([&]() -> Status {
    auto id = m_store.add_operator(account);
    if (!id) return propagate(id.error());
    account.id = *id;
    if (auto ok = append_audit("", "operator-added", "ok", nlohmann::json{{"operator", *id}, {"role", account.role}}.dump());
        !ok)
      return ok;
    return append_audit("", "password-set", "ok", nlohmann::json{{"operator", *id}}.dump());
  });
  if (!done) return propagate(done.error());
  return account;
}

Result<std::vector<OperatorAccount>> Desk::operators() {
  return m_store.load_operators();
}

Status Desk::disable_operator(std::string_view email) {
  auto address = normalise_email(email);
  if (!address) return propagate(address.error());
  return m_store.transaction([&]() -> Status {
    auto account = m_store.operator_by_email(*address);
    if (!account) return propagate(account.error());
    if (!*account) return not_found("no account for " + *address);
    if ((*account)->disabled_at) return precondition((*address) + " is disabled already");
    (*account)->disabled_at = m_clock.now();
    if (auto ok = m_store.update_operator(**account); !ok) return ok;
    if (auto ok = m_store.end_sessions_of((*account)->id); !ok) return ok;
    return append_audit("", "operator-disabled", "ok", nlohmann::json{{"operator", (*account)->id}}.dump());
  });
}

Result<NewOperator> Desk::password_link(std::string_view email) {
  auto address = normalise_email(email);
  if (!address) return propagate(address.error());
  NewOperator made;
  made.link_secret = std::string(k_link_prefix) + to_hex(random_bytes(32));
  Status done = m_store.transaction([&]() -> Status {
    auto account = m_store.operator_by_email(*address);
    if (!account) return propagate(account.error());
    if (!*account) return not_found("no account for " + *address);
    if ((*account)->disabled_at) return precondition(*address + " is disabled");
    made.account = **account;
    OneTimeLink link{secret_mac(m_keys, "link", made.link_secret), made.account.id, m_clock.now() + k_link_lifetime,
                     std::nullopt};
    if (auto ok = m_store.add_link(link); !ok) return ok;
    return append_audit("", "password-link", "ok", nlohmann::json{{"operator", made.account.id}}.dump());
  });
  if (!done) return propagate(done.error());
  return made;
}

Result<OperatorAccount> Desk::set_password(std::string_view link_secret, std::string_view password) {
  const std::string expired = "this link is unknown, used or expired: ask for a new one";
  if (!link_secret.starts_with(k_link_prefix) || link_secret.size() != k_link_prefix.size() + 64)
    return precondition(expired);
  std::string mac = secret_mac(m_keys, "link", link_secret);
  auto link = m_store.link_with_mac(mac);
  if (!link) return propagate(link.error());
  if (!*link || (*link)->used_at || (*link)->expires_at < m_clock.now()) return precondition(expired);
  auto account = m_store.operator_by_id((*link)->operator_id);
  if (!account) return propagate(account.error());
  if (!*account || (*account)->disabled_at) return precondition(expired);
  if (auto ok = check_password_rules(password, (*account)->email); !ok) return propagate(ok.error());
  auto hash = hash_password(password);  // outside the transaction: it takes tens of milliseconds
  if (!hash) return propagate(hash.error());
  OperatorAccount updated = **account;
  Status done = m_store.transaction([&]() -> Status {
    if (auto ok = m_store.use_link(mac, m_clock.now()); !ok) return ok;
    updated.password_hash = *hash;
    updated.failed_logins = 0;
    updated.locked_until.reset();
    if (auto ok = m_store.update_operator(updated); !ok) return ok;
    if (auto ok = m_store.end_sessions_of(updated.id); !ok) return ok;
    return append_audit("", "password-set", "ok", nlohmann::json{{"operator", updated.id}}.dump());
  });
  if (!done) {
    if (done.error().code == ErrorCode::failed_precondition) return precondition(expired);
    return propagate(done.error());
  }
  return updated;
}

Result<SignedIn> Desk::sign_in(std::string_view email, std::string_view password, std::string_view client_address) {
  Instant now = m_clock.now();
  const Error wrong{ErrorCode::permission_denied, "the email or the password is wrong"};
  std::string client_mac = secret_mac(m_keys, "client", client_address);
  auto throttle = m_store.client_throttle(client_mac);
  if (!throttle) return propagate(throttle.error());
  auto locked_answer = [](Instant until) {
    return precondition("too many failed sign-ins: try again after " + format_instant(until));
  };
  if (throttle->locked_until && *throttle->locked_until > now) return locked_answer(*throttle->locked_until);

  auto address = normalise_email(email);
  std::optional<OperatorAccount> account;
  if (address) {
    auto found = m_store.operator_by_email(*address);
    if (!found) return propagate(found.error());
    account = std::move(*found);
  }
  if (account && account->locked_until && *account->locked_until > now) return locked_answer(*account->locked_until);
  bool usable = account && !account->disabled_at && !account->password_hash.empty();
  // Check a password even for an unknown account, so that the time taken does not tell.
  bool matches = password_matches(usable ? account->password_hash : decoy_hash(), password) && usable;

  SignedIn out;
  Status done = m_store.transaction([&]() -> Status {
    if (!matches) {
      ++throttle->failures;
      throttle->locked_until = lockout(throttle->failures, k_client_free_failures, now);
      if (auto ok = m_store.save_client_throttle(*throttle); !ok) return ok;
      nlohmann::json details{{"client", client_mac.substr(0, 16)}};
      if (account) {
        ++account->failed_logins;
        account->locked_until = lockout(account->failed_logins, k_account_free_failures, now);
        if (auto ok = m_store.update_operator(*account); !ok) return ok;
        details["operator"] = account->id;
        details["failures"] = account->failed_logins;
      }
      return append_audit("", "sign-in", "refused", details.dump());
    }
    account->failed_logins = 0;
    account->locked_until.reset();
    if (auto ok = m_store.update_operator(*account); !ok) return ok;
    if (throttle->failures > 0) {
      throttle->failures = 0;
      throttle->locked_until.reset();
      if (auto ok = m_store.save_client_throttle(*throttle); !ok) return ok;
    }
    out.secret = std::string(k_session_prefix) + to_hex(random_bytes(32));
    out.session = WebSession{secret_mac(m_keys, "session", out.secret), account->id, now, now, to_hex(random_bytes(32))};
    if (auto ok = m_store.add_session(out.session); !ok) return ok;
    return append_audit("", "sign-in", "ok", nlohmann::json{{"operator", account->id}}.dump());
  });
  if (!done) return propagate(done.error());
  if (!matches) return Unexpected<Error>(wrong);
  auto role = parse_role(account->role);
  if (!role) return propagate(role.error());
  out.account = *account;
  out.role = *role;
  return out;
}

Result<std::optional<SignedIn>> Desk::session(std::string_view secret, const SessionLimits& limits) {
  if (!secret.starts_with(k_session_prefix) || secret.size() != k_session_prefix.size() + 64)
    return std::optional<SignedIn>{};
  std::string mac = secret_mac(m_keys, "session", secret);
  auto session = m_store.session_with_mac(mac);
  if (!session) return propagate(session.error());
  if (!*session) return std::optional<SignedIn>{};
  Instant now = m_clock.now();
  if ((*session)->last_seen_at + limits.idle <= now || (*session)->created_at + limits.absolute <= now) {
    if (auto ok = m_store.end_session(mac); !ok) return propagate(ok.error());
    return std::optional<SignedIn>{};
  }
  auto account = m_store.operator_by_id((*session)->operator_id);
  if (!account) return propagate(account.error());
  if (!*account || (*account)->disabled_at) return std::optional<SignedIn>{};
  auto role = parse_role((*account)->role);
  if (!role) return propagate(role.error());
  // Touch at most once a minute: a page of the dashboard should not write on every request.
  if (now - (*session)->last_seen_at > std::chrono::minutes{1}) {
    if (auto ok = m_store.touch_session(mac, now); !ok) return propagate(ok.error());
  }
  return std::optional<SignedIn>{SignedIn{**account, *role, **session, ""}};
}

Status Desk::sign_out(std::string_view secret) {
  if (!secret.starts_with(k_session_prefix)) return {};
  return m_store.end_session(secret_mac(m_keys, "session", secret));
}

}  // namespace maestro
