#include "fulfil/rectification.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace maestro {

namespace {

constexpr std::size_t k_max_value_length = 1000;

// A collection by "<system>.<collection>", or by its bare name when that is unique.
const Collection* find_collection(const DataMap& map, const std::string& name, std::string& error) {
  if (const Collection* c = map.collection(name)) return c;
  const Collection* found = nullptr;
  for (const auto& [key, c] : map.collections) {
    if (c.name != name) continue;
    if (found) {
      error = "'" + name + "' names collections in several systems: write it as system.collection";
      return nullptr;
    }
    found = &c;
  }
  if (!found) error = "the data map has no collection '" + name + "'";
  return found;
}

}  // namespace

Result<std::vector<Correction>> parse_corrections(const DataMap& map, const std::vector<std::string>& texts) {
  if (texts.empty()) return invalid("give at least one correction: --set collection.field=value");
  std::vector<Correction> out;
  for (const auto& text : texts) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      return invalid("a correction is collection.field=value, not '" + text + "'");
    std::string target = text.substr(0, eq), value = text.substr(eq + 1);
    if (value.size() > k_max_value_length ||
        std::any_of(value.begin(), value.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
      return invalid("the value for " + target + " must be one line of at most 1000 characters");
    }
    // The longest prefix that names a collection; the rest is the field (which may be a path).
    std::optional<Correction> found;
    std::string last_error = "a correction is collection.field=value, not '" + text + "'";
    for (auto dot = target.find('.'); dot != std::string::npos; dot = target.find('.', dot + 1)) {
      std::string error;
      const Collection* c = find_collection(map, target.substr(0, dot), error);
      if (!c) {
        if (!error.empty()) last_error = error;
        continue;
      }
      const Field* f = c->field(target.substr(dot + 1));
      if (!f) {
        last_error = "collection " + c->key() + " has no field '" + target.substr(dot + 1) + "'";
        continue;
      }
      if (f->primary_key) return invalid(c->key() + "." + f->name + " is a primary key: it cannot be rectified");
      if (f->other_person) return invalid(c->key() + "." + f->name + " holds another person's data");
      found = Correction{c->key(), f->name, value};
    }
    if (!found) return invalid(last_error);
    out.push_back(*found);
  }
  return out;
}

Result<ErasurePlan> plan_rectification(const DataMap& map, const std::vector<SubjectIdentifier>& identifiers,
                                       const LocateScope& scope, const std::vector<Correction>& corrections,
                                       const ConnectorOpener& open) {
  std::map<std::string, std::vector<const Correction*>> by_collection;
  for (const auto& c : corrections) by_collection[c.collection].push_back(&c);
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::vector<RowChange>>> rows;
  ErasurePlan plan;
  auto located = locate(
      map, identifiers, scope,
      [&](const FoundRecord& f) -> Status {
        ++plan.records_found;
        auto wanted = by_collection.find(f.collection.key());
        if (wanted == by_collection.end()) return {};
        RowChange row;
        set_row_key(f, row);
        add_request_context(f, row);
        for (const Correction* c : wanted->second) {
          Value current = f.record.field(c->field);
          if (value_text(current) != c->value) row.set.push_back({c->field, current, Value(c->value)});
        }
        ++plan.found[f.collection.key() + "\x1f" + f.tenant];
        rows[{f.system.name, f.tenant}][f.collection.key()].push_back(std::move(row));
        return {};
      },
      open);
  if (!located) return propagate(located.error());
  plan.unsearched = located->failures;
  for (auto& [store, collections] : rows) {
    ErasureStep step{store.first, store.second, {}, false, {}};
    for (auto& [key, changes] : collections) step.collections.push_back({key, std::move(changes)});
    plan.steps.push_back(std::move(step));
  }
  return plan;
}

Result<RectificationProof> prove_rectification(const DataMap& map, const ErasurePlan& plan,
                                               const ConnectorOpener& open) {
  RectificationProof proof;
  Status reread = for_each_planned_collection(
      map, plan, open, proof.unsearched,
      [&](const ErasureStep& step, Connector& connector, const PlannedCollection& planned,
          const Collection& collection) -> Status {
        const Collection* c = &collection;
        std::map<std::string, std::map<std::string, const RowChange*>> by_key;
        for (const auto& row : planned.rows) by_key[row.key_field][row.key] = &row;
        for (const auto& field_rows : by_key) {
          const std::string& key_field = field_rows.first;
          const auto& rows = field_rows.second;
          if (!connector.can_find_by(*c, key_field)) {
            proof.unsearched.push_back({step.system, step.tenant,
                                        c->key() + " cannot be asked for a record by '" + key_field +
                                            "': add a read request by it to prove the change"});
            continue;
          }
          std::vector<std::string> keys;
          for (const auto& [key, row] : rows) keys.push_back(key);
          std::set<std::string> seen;
          Status read = connector.find(*c, key_field, keys, [&](const Record& record) -> Status {
            std::string key = value_text(record.field(key_field));
            auto it = rows.find(key);
            if (it == rows.end()) return {};
            seen.insert(key);
            bool right = std::all_of(it->second->set.begin(), it->second->set.end(), [&](const FieldChange& f) {
              return value_text(record.field(f.field)) == value_text(f.to);
            });
            ++(right ? proof.verified_rows : proof.wrong);
            return {};
          });
          if (!read) {
            if (read.error().code != ErrorCode::unavailable) return propagate(read.error());
            proof.unsearched.push_back({step.system, step.tenant, read.error().message});
          }
          // A row found by a field that was itself corrected is looked for by its new value.
          std::vector<std::string> moved;
          for (const auto& [key, row] : rows) {
            if (seen.contains(key)) continue;
            auto corrected = std::find_if(row->set.begin(), row->set.end(),
                                          [&](const FieldChange& f) { return f.field == key_field; });
            if (corrected == row->set.end()) {
              ++proof.wrong;  // the row is gone, or no longer matches: not as planned
            } else {
              moved.push_back(value_text(corrected->to));
            }
          }
          if (moved.empty()) continue;
          std::size_t found_again = 0;
          Status again = connector.find(*c, key_field, moved, [&](const Record&) -> Status {
            ++found_again;
            return {};
          });
          if (!again) return propagate(again.error());
          std::size_t verified = std::min(found_again, moved.size());
          proof.verified_rows += verified;
          proof.wrong += moved.size() - verified;
        }
        return {};
      });
  if (!reread) return propagate(reread.error());
  return proof;
}

std::vector<std::string> recipients_to_notify(const DataMap& map, const std::vector<Correction>& corrections) {
  std::set<std::string> out;
  for (const auto& c : corrections) {
    if (const Collection* collection = map.collection(c.collection))
      out.insert(collection->recipients.begin(), collection->recipients.end());
  }
  return {out.begin(), out.end()};
}

}  // namespace maestro
