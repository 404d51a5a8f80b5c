#include "store/case_codec.hpp"

#include <nlohmann/json.hpp>

namespace maestro {

using nlohmann::json;

namespace {

json optional_instant(const std::optional<Instant>& at) {
  return at ? json(format_instant(*at)) : json(nullptr);
}

Result<std::optional<Instant>> read_optional_instant(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::optional<Instant>{};
  auto at = parse_instant(j[key].get<std::string>());
  if (!at) return fail(ErrorCode::data_loss, std::string("stored case has a malformed '") + key + "'");
  return std::optional<Instant>{*at};
}

Result<Instant> read_instant(const json& j, const char* key) {
  auto at = read_optional_instant(j, key);
  if (!at) return propagate(at.error());
  if (!*at) return fail(ErrorCode::data_loss, std::string("stored case lacks '") + key + "'");
  return **at;
}

json record_of(const Case& c) {
  json pauses = json::array(), extensions = json::array(), verifications = json::array(), deliveries = json::array();
  for (const auto& d : c.deliveries) {
    json delivery{
        {"at", format_instant(d.at)}, {"sha256", d.sha256}, {"bytes", d.bytes}, {"destination", d.destination}};
    if (!d.map_gaps.empty()) delivery["map_gaps"] = d.map_gaps;
    delivery["status"] = d.status;
    if (!d.unsearched.empty()) delivery["unsearched"] = d.unsearched;
    deliveries.push_back(std::move(delivery));
  }
  json outcomes = json::array();
  for (const auto& o : c.outcomes) {
    outcomes.push_back({{"at", format_instant(o.at)}, {"work", o.work}, {"result", o.result}});
  }
  for (const auto& p : c.pauses) {
    pauses.push_back(
        {{"started", format_instant(p.started)}, {"ended", optional_instant(p.ended)}, {"reason", p.reason}});
  }
  for (const auto& e : c.extensions) extensions.push_back({{"at", format_instant(e.at)}, {"reason", e.reason}});
  for (const auto& v : c.verifications) {
    verifications.push_back({{"at", format_instant(v.at)}, {"method", v.method}, {"outcome", v.outcome}});
  }
  return {
      {"channel", c.channel},
      {"tenants", c.tenants},
      {"ticket", c.ticket},
      {"appeal_of", c.appeal_of},
      {"assignee", c.assignee},
      {"formats", c.formats},
      {"language", c.language},
      {"gpc", c.gpc},
      {"downloads", c.downloads},
      {"acknowledged_at", optional_instant(c.acknowledged_at)},
      {"verified_at", optional_instant(c.verified_at)},
      {"started_at", optional_instant(c.started_at)},
      {"review_requested_at", optional_instant(c.review_requested_at)},
      {"personal_data_purged_at", optional_instant(c.personal_data_purged_at)},
      {"pauses", pauses},
      {"extensions", extensions},
      {"verifications", verifications},
      {"deliveries", deliveries},
      {"outcomes", outcomes},
      {"denial_reason", c.denial_reason},
      {"possible_duplicates", c.possible_duplicates},
  };
}

json personal_of(const Case& c) {
  json identifiers = json::array(), notes = json::array();
  for (const auto& id : c.identifiers) identifiers.push_back({{"kind", id.kind}, {"value", id.value}});
  for (const auto& n : c.notes) notes.push_back({{"at", format_instant(n.at)}, {"actor", n.actor}, {"text", n.text}});
  json redactions = json::array();
  for (const auto& r : c.redactions) {
    redactions.push_back({{"id", r.id},
                          {"field", r.field},
                          {"kind", r.kind},
                          {"value", r.value},
                          {"before", r.before},
                          {"after", r.after},
                          {"status", r.status}});
  }
  return {{"name", c.subject_name},   {"identifiers", identifiers},
          {"notes", notes},           {"denial_details", c.denial_details},
          {"redactions", redactions}, {"restored_values", c.restored_values},
          {"package_password", c.package_password}};
}

Status read_record(const json& r, Case& c) {
  c.channel = r.value("channel", "");
  c.tenants = r.value("tenants", std::vector<std::string>{});
  c.ticket = r.value("ticket", "");
  c.appeal_of = r.value("appeal_of", "");
  c.assignee = r.value("assignee", "");
  c.formats = r.value("formats", "");
  c.language = r.value("language", "");
  c.gpc = r.value("gpc", false);
  c.downloads = r.value("downloads", 0);
  c.denial_reason = r.value("denial_reason", "");
  c.possible_duplicates = r.value("possible_duplicates", std::vector<std::string>{});
  for (auto [key, target] :
       {std::pair{"acknowledged_at", &c.acknowledged_at}, std::pair{"verified_at", &c.verified_at},
        std::pair{"started_at", &c.started_at}, std::pair{"review_requested_at", &c.review_requested_at},
        std::pair{"personal_data_purged_at", &c.personal_data_purged_at}}) {
    auto at = read_optional_instant(r, key);
    if (!at) return propagate(at.error());
    *target = *at;
  }
  for (const auto& p : r.value("pauses", json::array())) {
    auto started = read_instant(p, "started");
    auto ended = read_optional_instant(p, "ended");
    if (!started || !ended) return fail(ErrorCode::data_loss, "stored case has a malformed pause");
    c.pauses.push_back({*started, *ended, p.value("reason", "")});
  }
  for (const auto& e : r.value("extensions", json::array())) {
    auto at = read_instant(e, "at");
    if (!at) return propagate(at.error());
    c.extensions.push_back({*at, e.value("reason", "")});
  }
  for (const auto& v : r.value("verifications", json::array())) {
    auto at = read_instant(v, "at");
    if (!at) return propagate(at.error());
    c.verifications.push_back({*at, v.value("method", ""), v.value("outcome", "")});
  }
  for (const auto& d : r.value("deliveries", json::array())) {
    auto at = read_instant(d, "at");
    if (!at) return propagate(at.error());
    PackageDelivery delivery{*at, d.value("sha256", ""), d.value("bytes", std::uintmax_t{0}),
                             d.value("destination", ""), d.value("map_gaps", std::vector<std::string>{})};
    delivery.status = d.value("status", "delivered");  // cases stored before review existed were delivered
    delivery.unsearched = d.value("unsearched", std::vector<std::string>{});
    c.deliveries.push_back(std::move(delivery));
  }
  for (const auto& o : r.value("outcomes", json::array())) {
    auto at = read_instant(o, "at");
    if (!at) return propagate(at.error());
    c.outcomes.push_back({*at, o.value("work", ""), o.value("result", "")});
  }
  return {};
}

Status read_personal(const json& p, Case& c) {
  c.subject_name = p.value("name", "");
  c.denial_details = p.value("denial_details", "");
  c.package_password = p.value("package_password", "");
  for (const auto& id : p.value("identifiers", json::array())) {
    c.identifiers.push_back({id.value("kind", ""), id.value("value", "")});
  }
  for (const auto& n : p.value("notes", json::array())) {
    auto at = read_instant(n, "at");
    if (!at) return propagate(at.error());
    c.notes.push_back({*at, n.value("actor", ""), n.value("text", "")});
  }
  for (const auto& r : p.value("redactions", json::array())) {
    c.redactions.push_back({r.value("id", 0), r.value("field", ""), r.value("kind", ""), r.value("value", ""),
                            r.value("before", ""), r.value("after", ""), r.value("status", "pending")});
  }
  c.restored_values = p.value("restored_values", std::vector<std::string>{});
  return {};
}

}  // namespace

EncodedCase encode_case(const Case& c, const KeyRing& keys) {
  EncodedCase out;
  out.number = c.number;
  out.year = static_cast<int>(date_of(c.received_at).year());
  out.state = std::string(state_name(c.state));
  out.jurisdiction = c.jurisdiction;
  out.rights = join_rights(c.rights);
  out.received_at = format_instant(c.received_at);
  if (c.closed_at) out.closed_at = format_instant(*c.closed_at);
  out.record = record_of(c).dump();
  if (!c.personal_data_purged_at) out.personal = keys.seal(personal_of(c).dump());
  return out;
}

Result<Case> decode_case(const EncodedCase& stored, const KeyRing& keys) {
  auto corrupt = [&](const std::string& what) {
    return fail(ErrorCode::data_loss, "case " + stored.number + " in the store is corrupt: " + what);
  };
  Case c;
  c.number = stored.number;
  c.jurisdiction = stored.jurisdiction;
  auto state = parse_state(stored.state);
  auto rights = parse_rights(stored.rights);
  auto received = parse_instant(stored.received_at);
  if (!state || !rights || !received) return corrupt("state, rights or received time");
  c.state = *state;
  c.rights = *rights;
  c.received_at = *received;
  if (stored.closed_at) {
    auto closed = parse_instant(*stored.closed_at);
    if (!closed) return corrupt("closed time");
    c.closed_at = *closed;
  }
  try {
    if (auto ok = read_record(json::parse(stored.record), c); !ok) return propagate(ok.error());
    if (stored.personal) {
      auto plain = keys.open(*stored.personal);
      if (!plain) return corrupt(plain.error().message);
      if (auto ok = read_personal(json::parse(*plain), c); !ok) return propagate(ok.error());
    }
  } catch (const json::exception& e) {
    return corrupt(e.what());
  }
  return c;
}

}  // namespace maestro
