#include "datamap/datamap.hpp"

#include <yaml-cpp/yaml.h>

#include <deque>
#include <fstream>
#include <sstream>

namespace maestro {

std::string_view erasure_action_name(ErasureAction action) {
  switch (action) {
    case ErasureAction::delete_row: return "delete";
    case ErasureAction::set_null: return "null";
    case ErasureAction::redact: return "redact";
    case ErasureAction::hash: return "hash";
    case ErasureAction::hmac: return "hmac";
    case ErasureAction::random: return "random";
    case ErasureAction::generalize: return "generalize";
    case ErasureAction::retain: return "retain";
  }
  return "null";
}

const Field* Collection::field(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

const std::vector<std::string>& transfer_safeguards() {
  static const std::vector<std::string> names{
      "adequacy", "standard_contractual_clauses", "binding_corporate_rules", "uk_idta", "uk_addendum", "derogation"};
  return names;
}

std::vector<std::string> Collection::article15_gaps() const {
  std::vector<std::string> gaps;
  if (purpose.empty()) gaps.emplace_back("purpose");
  if (legal_basis.empty()) gaps.emplace_back("legal basis");
  if (retention.empty() && !(erasure && erasure->action == ErasureAction::retain)) gaps.emplace_back("retention");
  if (!recipients_stated) gaps.emplace_back("recipients");
  if (origin.empty()) gaps.emplace_back("source");
  return gaps;
}

const CategoryText* Taxonomy::text(std::string_view category) const {
  auto it = m_texts.find(category);
  return it == m_texts.end() ? nullptr : &it->second;
}

const System* DataMap::system(std::string_view name) const {
  for (const auto& s : systems) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const Collection* DataMap::data_protection_request(const System& system) const {
  for (const auto& key : system.collections) {
    const Collection* c = collection(key);
    if (c && c->http && c->http->covers_system) return c;
  }
  return nullptr;
}

const Collection* DataMap::collection(std::string_view key) const {
  auto it = collections.find(std::string(key));
  return it == collections.end() ? nullptr : &it->second;
}

std::vector<FieldRef> DataMap::identity_fields(std::string_view kind) const {
  std::vector<FieldRef> out;
  for (const auto& [key, c] : collections) {
    for (const auto& f : c.fields) {
      if (f.identity && *f.identity == kind) out.push_back({key, f.name});
    }
  }
  return out;
}

std::set<std::string> DataMap::identity_kinds() const {
  std::set<std::string> out;
  for (const auto& [key, c] : collections) {
    for (const auto& f : c.fields) {
      if (f.identity) out.insert(*f.identity);
    }
  }
  return out;
}

Result<Taxonomy> Taxonomy::load(const std::filesystem::path& file) {
  try {
    YAML::Node root = YAML::LoadFile(file.string());
    Taxonomy t;
    for (const auto& entry : root["data_category"]) {
      t.m_texts[entry["fides_key"].as<std::string>()] = {entry["name"].as<std::string>(""),
                                                         entry["description"].as<std::string>("")};
    }
    if (t.m_texts.empty())
      return invalid(file.string() + ": no data categories found (expected a 'data_category' list)");
    return t;
  } catch (const YAML::BadFile&) {
    return not_found("taxonomy file " + file.string() + " cannot be read");
  } catch (const YAML::Exception& e) {
    return invalid(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace maestro
