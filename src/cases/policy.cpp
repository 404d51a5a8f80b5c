#include "cases/policy.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

namespace maestro {

const std::string& Jurisdiction::authority_in(std::string_view language) const {
  auto found = authority_translations.find(std::string(language));
  return found == authority_translations.end() ? authority : found->second;
}

const JurisdictionRule* Jurisdiction::rule_on(Date date) const {
  const JurisdictionRule* found = nullptr;
  for (const auto& rule : rules) {
    if (std::chrono::sys_days{rule.from} <= std::chrono::sys_days{date}) found = &rule;
  }
  return found;
}

int VerificationPolicy::knowledge_points_for(std::string_view jurisdiction) const {
  auto it = knowledge_points.find(std::string(jurisdiction));
  return it == knowledge_points.end() ? 1 : it->second;
}

int Policy::factors_required(const std::vector<Right>& rights) const {
  bool high = std::any_of(rights.begin(), rights.end(), [&](Right r) {
    return std::find(verification.high_risk_rights.begin(), verification.high_risk_rights.end(), r) !=
           verification.high_risk_rights.end();
  });
  return high ? verification.high_risk_factors : verification.low_risk_factors;
}

Result<const Jurisdiction*> Policy::jurisdiction(std::string_view id) const {
  std::string key(id);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return c == '_' ? '-' : static_cast<char>(std::tolower(c)); });
  if (auto it = jurisdictions.find(key); it != jurisdictions.end()) return &it->second;
  std::string known;
  for (const auto& [name, j] : jurisdictions) known += (known.empty() ? "" : ", ") + name;
  return invalid("unknown jurisdiction '" + std::string(id) + "': use one of " + known);
}

const HolidayCalendar& Policy::calendar_for(const Jurisdiction& j) const {
  return calendars.at(j.calendar);
}

Status Policy::check_reason(const std::map<std::string, std::string>& reasons, std::string_view code,
                            std::string_view what) {
  if (reasons.contains(std::string(code))) return {};
  std::string known;
  for (const auto& [name, text] : reasons) known += (known.empty() ? "" : ", ") + name;
  return invalid("unknown " + std::string(what) + " '" + std::string(code) + "': use one of " + known);
}

namespace {

class PolicyReader {
 public:
  explicit PolicyReader(std::string_view origin) : m_origin(origin) {}

  std::string where(const YAML::Node& node) const { return m_origin + ":" + std::to_string(node.Mark().line + 1); }

  Result<Duration> duration(const YAML::Node& node) const {
    auto d = parse_duration(node.as<std::string>(""));
    if (!d) return invalid(where(node) + ": " + d.error().message);
    return *d;
  }

  Status only_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed) const {
    for (const auto& entry : map) {
      auto key = entry.first.as<std::string>();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return invalid(where(entry.first) + ": unknown key '" + key + "'");
      }
    }
    return {};
  }

  Result<std::map<Right, Duration>> right_durations(const YAML::Node& map) const {
    std::map<Right, Duration> out;
    for (const auto& entry : map) {
      auto right = parse_right(entry.first.as<std::string>());
      if (!right) return invalid(where(entry.first) + ": " + right.error().message);
      auto d = duration(entry.second);
      if (!d) return propagate(d.error());
      out[*right] = *d;
    }
    return out;
  }

  Result<std::map<std::string, std::string>> reasons(const YAML::Node& map, std::string_view what) const {
    std::map<std::string, std::string> out;
    if (!map) return out;
    if (!map.IsMap()) return invalid(where(map) + ": '" + std::string(what) + "' must map codes to descriptions");
    for (const auto& entry : map) out[entry.first.as<std::string>()] = entry.second.as<std::string>("");
    return out;
  }

  Result<JurisdictionRule> rule(const YAML::Node& node) const {
    if (auto ok =
            only_keys(node, {"from", "respond", "roll_forward", "extension", "clock_stop", "acknowledge", "rights"});
        !ok) {
      return propagate(ok.error());
    }
    JurisdictionRule r;
    auto from = parse_date(node["from"].as<std::string>(""));
    if (!from) return invalid(where(node) + ": a rule needs 'from', the date it applies from (YYYY-MM-DD)");
    r.from = *from;
    if (!node["respond"]) return invalid(where(node) + ": a rule needs 'respond', its time limit");
    auto respond = duration(node["respond"]);
    if (!respond) return propagate(respond.error());
    r.respond = *respond;
    r.roll_forward = node["roll_forward"].as<bool>(false);
    r.clock_stop = node["clock_stop"].as<bool>(false);
    if (node["extension"]) {
      auto e = duration(node["extension"]);
      if (!e) return propagate(e.error());
      r.extension = *e;
    }
    if (node["acknowledge"]) {
      auto a = duration(node["acknowledge"]);
      if (!a) return propagate(a.error());
      r.acknowledge = *a;
    }
    if (node["rights"]) {
      auto limits = right_durations(node["rights"]);
      if (!limits) return propagate(limits.error());
      r.right_limits = *limits;
    }
    return r;
  }

  // authority: TEXT (every language), or {en: TEXT, de: TEXT, ...} with English required.
  Status read_authority(const std::string& id, const YAML::Node& node, Jurisdiction& j) const {
    if (!node) return {};
    if (node.IsScalar()) {
      j.authority = node.as<std::string>();
      return {};
    }
    if (!node.IsMap() || !node["en"] || !node["en"].IsScalar()) {
      return invalid(where(node) + ": jurisdiction '" + id +
                     "': authority is a text, or one text per language with 'en' among them");
    }
    for (const auto& entry : node) {
      auto language = entry.first.as<std::string>();
      if (!entry.second.IsScalar()) {
        return invalid(where(entry.second) + ": jurisdiction '" + id + "': the authority in '" + language +
                       "' must be a text");
      }
      if (language == "en") j.authority = entry.second.as<std::string>();
      else j.authority_translations[language] = entry.second.as<std::string>();
    }
    return {};
  }

  Result<Jurisdiction> jurisdiction(const std::string& id, const YAML::Node& node,
                                    const std::map<std::string, HolidayCalendar>& calendars) const {
    if (auto ok = only_keys(node, {"name", "calendar", "authority", "rules", "appeal"}); !ok)
      return propagate(ok.error());
    Jurisdiction j;
    j.id = id;
    j.name = node["name"].as<std::string>(id);
    if (auto ok = read_authority(id, node["authority"], j); !ok) return propagate(ok.error());
    if (node["appeal"]) {
      // appeal: {respond: 60 days}
      if (!node["appeal"].IsMap() || !node["appeal"]["respond"]) {
        return invalid(where(node["appeal"]) + ": jurisdiction '" + id +
                       "': appeal is {respond: DURATION}, the time to answer an appeal");
      }
      if (auto ok = only_keys(node["appeal"], {"respond"}); !ok) return propagate(ok.error());
      auto respond = duration(node["appeal"]["respond"]);
      if (!respond) return propagate(respond.error());
      j.appeal = *respond;
    }
    j.calendar = node["calendar"].as<std::string>("weekends-only");
    if (!calendars.contains(j.calendar)) {
      return invalid(where(node) + ": jurisdiction '" + id + "' names calendar '" + j.calendar +
                     "', which is not loaded");
    }
    if (!node["rules"] || !node["rules"].IsSequence() || node["rules"].size() == 0) {
      return invalid(where(node) + ": jurisdiction '" + id + "' needs at least one rule");
    }
    for (const auto& rule_node : node["rules"]) {
      auto r = rule(rule_node);
      if (!r) return propagate(r.error());
      j.rules.push_back(*r);
    }
    std::sort(j.rules.begin(), j.rules.end(), [](const auto& a, const auto& b) {
      return std::chrono::sys_days{a.from} < std::chrono::sys_days{b.from};
    });
    return j;
  }

 private:
  std::string m_origin;
};

}  // namespace

Result<Policy> parse_policy(std::string_view yaml_text, std::string_view origin,
                            std::map<std::string, HolidayCalendar> calendars) {
  PolicyReader read(origin);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return invalid(std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  try {
    if (!root.IsMap()) return invalid(std::string(origin) + ": a policy file is a YAML map");
    if (auto ok = read.only_keys(root, {"version", "service_levels", "verification", "retention", "denial_reasons",
                                        "pause_reasons", "extension_reasons", "jurisdictions"});
        !ok) {
      return propagate(ok.error());
    }
    Policy p;
    p.calendars = std::move(calendars);
    if (const auto sl = root["service_levels"]) {
      if (auto ok = read.only_keys(sl, {"acknowledge", "verify", "fulfil_after_verification", "rights"}); !ok) {
        return propagate(ok.error());
      }
      for (auto [key, target] :
           {std::pair{"acknowledge", &p.service_levels.acknowledge}, std::pair{"verify", &p.service_levels.verify},
            std::pair{"fulfil_after_verification", &p.service_levels.fulfil_after_verification}}) {
        if (!sl[key]) continue;
        auto d = read.duration(sl[key]);
        if (!d) return propagate(d.error());
        *target = *d;
      }
      if (sl["rights"]) {
        auto rights = read.right_durations(sl["rights"]);
        if (!rights) return propagate(rights.error());
        p.service_levels.rights = *rights;
      }
    }
    if (const auto v = root["verification"]) {
      p.max_failed_verifications = v["max_failed_attempts"].as<int>(2);
      if (p.max_failed_verifications < 1) return invalid(read.where(v) + ": max_failed_attempts must be at least 1");
      VerificationPolicy& vp = p.verification;
      vp.low_risk_factors = v["low_risk_factors"].as<int>(vp.low_risk_factors);
      vp.high_risk_factors = v["high_risk_factors"].as<int>(vp.high_risk_factors);
      vp.code_digits = v["code_digits"].as<int>(vp.code_digits);
      vp.code_valid_minutes = v["code_valid_minutes"].as<int>(vp.code_valid_minutes);
      if (vp.code_valid_minutes < 1) return invalid(read.where(v) + ": code_valid_minutes must be at least 1");
      vp.specific_pieces_points = v["specific_pieces_points"].as<int>(vp.specific_pieces_points);
      if (vp.low_risk_factors < 1 || vp.high_risk_factors < vp.low_risk_factors || vp.code_digits < 6 ||
          vp.code_digits > 10) {
        return invalid(read.where(v) +
                       ": verification needs low_risk_factors >= 1, high_risk_factors >= low_risk_factors and "
                       "code_digits from 6 to 10");
      }
      if (v["high_risk_rights"]) {
        vp.high_risk_rights.clear();
        for (const auto& r : v["high_risk_rights"]) {
          auto right = parse_right(r.as<std::string>());
          if (!right) return invalid(read.where(r) + ": " + right.error().message);
          vp.high_risk_rights.push_back(*right);
        }
      }
      for (auto [key, target] :
           {std::pair{"reminder_after", &vp.reminder_after}, std::pair{"expire_after", &vp.expire_after}}) {
        if (!v[key]) continue;
        auto d = read.duration(v[key]);
        if (!d) return propagate(d.error());
        *target = *d;
      }
      for (const auto& entry : v["knowledge_points"]) {
        vp.knowledge_points[entry.first.as<std::string>()] = entry.second.as<int>();
      }
    }
    if (const auto r = root["retention"]) {
      if (auto ok = read.only_keys(r, {"personal_data_after_close", "evidence_after_close", "duplicate_window"}); !ok) {
        return propagate(ok.error());
      }
      for (auto [key, target] : {std::pair{"personal_data_after_close", &p.retention.personal_data_after_close},
                                 std::pair{"evidence_after_close", &p.retention.evidence_after_close},
                                 std::pair{"duplicate_window", &p.retention.duplicate_window}}) {
        if (!r[key]) continue;
        auto d = read.duration(r[key]);
        if (!d) return propagate(d.error());
        *target = *d;
      }
    }
    for (auto [key, target] :
         {std::pair{"denial_reasons", &p.denial_reasons}, std::pair{"pause_reasons", &p.pause_reasons},
          std::pair{"extension_reasons", &p.extension_reasons}}) {
      auto reasons = read.reasons(root[key], key);
      if (!reasons) return propagate(reasons.error());
      *target = *reasons;
    }
    if (!root["jurisdictions"] || !root["jurisdictions"].IsMap()) {
      return invalid(std::string(origin) + ": a policy needs 'jurisdictions'");
    }
    for (const auto& entry : root["jurisdictions"]) {
      auto id = entry.first.as<std::string>();
      auto j = read.jurisdiction(id, entry.second, p.calendars);
      if (!j) return propagate(j.error());
      p.jurisdictions[id] = *j;
    }
    return p;
  } catch (const YAML::Exception& e) {
    return invalid(std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace maestro
