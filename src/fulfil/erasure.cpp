#include "fulfil/erasure.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <unordered_set>

#include "cases/calendar.hpp"
#include "connectors/value_json.hpp"
#include "scan/token_matcher.hpp"

namespace maestro {

using nlohmann::json;

std::size_t ErasureStep::rows_to_delete() const {
  std::size_t n = 0;
  for (const auto& c : collections)
    n += static_cast<std::size_t>(
        std::count_if(c.rows.begin(), c.rows.end(), [](const RowChange& r) { return r.delete_row; }));
  return n;
}

std::size_t ErasureStep::rows_to_change() const {
  std::size_t n = 0;
  for (const auto& c : collections)
    n += static_cast<std::size_t>(std::count_if(c.rows.begin(), c.rows.end(),
                                                [](const RowChange& r) { return !r.delete_row && !r.set.empty(); }));
  return n;
}

bool ErasurePlan::complete() const {
  return std::all_of(steps.begin(), steps.end(), [](const ErasureStep& s) { return s.done; });
}

namespace {

bool is_file_store(const StoreSpec& store) {
  return !store.line_format().empty();
}

bool is_personal(const Field& f) {
  return std::any_of(f.categories.begin(), f.categories.end(),
                     [](const std::string& c) { return c == "user" || c.starts_with("user."); });
}

// "2026-02-27..." -> "2026"; "SW1A 1AA" -> "SW1A"; "94105" -> "941XX", "12227-000" -> "122XX-XXX";
// 37 -> 30; other text keeps its first character ("Jane" -> "J***"). Never longer than before,
// so that it fits the column.
Value generalize(const Value& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i / 10 * 10;
  if (const auto* d = std::get_if<double>(&value)) return static_cast<double>(static_cast<std::int64_t>(*d) / 10 * 10);
  const std::string text = value_text(value);
  static const std::regex date(R"(^(\d{4})-\d{2}-\d{2}.*)");
  static const std::regex uk_postcode(R"(^([A-Za-z]{1,2}[0-9][0-9A-Za-z]?)\s*[0-9][A-Za-z]{2}$)");
  static const std::regex leading_digits(R"(^\d{3}.*)");
  std::smatch m;
  if (std::regex_match(text, m, date)) return m[1].str();
  if (std::regex_match(text, m, uk_postcode)) {
    std::string outward = m[1].str();
    std::transform(outward.begin(), outward.end(), outward.begin(), [](unsigned char c) { return std::toupper(c); });
    return outward;
  }
  if (std::regex_match(text, leading_digits)) {
    std::string out = text;
    for (std::size_t i = 3; i < out.size(); ++i) {
      if (std::isalnum(static_cast<unsigned char>(out[i]))) out[i] = 'X';
    }
    return out;
  }
  if (text.size() <= 1) return std::string("*");
  return text.substr(0, 1) + std::string(std::min<std::size_t>(3, text.size() - 1), '*');
}

// The strategy that applies to a field of a collection without a whole-row strategy: its own,
// else the collection's default for personal fields, else a keyed pseudonym for an identity
// (it often may not be null, and rows must stay distinct), else `null` for personal data.
// Primary keys and other people's data are never changed by this subject's erasure.
std::optional<ErasureStrategy> field_strategy(const Collection& c, const Field& f) {
  if (f.primary_key || f.other_person) return std::nullopt;
  if (f.erasure) return f.erasure;
  if (!is_personal(f) && !f.identity) return std::nullopt;
  if (c.erasure) return c.erasure;
  if (f.identity) return ErasureStrategy{ErasureAction::hmac, "", "", std::nullopt};
  return ErasureStrategy{ErasureAction::set_null, "", "", std::nullopt};
}

// Collections in the order erasure must touch them: a collection that points at another's
// primary key (invoice.customer_id -> customer.id) comes before it, and one the map says is
// erased first (erase_after) too.
std::vector<std::string> children_first(const DataMap& map) {
  auto is_key = [&](const FieldRef& f) {
    const Collection* c = map.collection(f.collection);
    const Field* field = c ? c->field(f.field) : nullptr;
    return field && field->primary_key;
  };
  std::map<std::string, std::set<std::string>> parents;  // child -> parents
  for (const auto& r : map.references) {
    if (r.from.collection == r.to.collection) continue;
    if (is_key(r.to) && !is_key(r.from)) parents[r.from.collection].insert(r.to.collection);
    if (is_key(r.from) && !is_key(r.to)) parents[r.to.collection].insert(r.from.collection);
  }
  // An order the map states (Fides' erase_after): the named collections are erased first.
  for (const auto& [key, c] : map.collections)
    for (const auto& first : c.erase_after) parents[first].insert(key);
  std::map<std::string, std::set<std::string>> children;
  for (const auto& [child, ps] : parents)
    for (const auto& p : ps) children[p].insert(child);
  std::vector<std::string> order;
  std::set<std::string> placed, visiting;
  // A collection is placed after all of its children; cycles are broken where they are met.
  std::function<void(const std::string&)> place = [&](const std::string& key) {
    if (placed.contains(key) || !visiting.insert(key).second) return;
    for (const auto& child : children[key]) place(child);
    visiting.erase(key);
    if (placed.insert(key).second) order.push_back(key);
  };
  for (const auto& [key, c] : map.collections) place(key);
  return order;
}

struct StepKey {
  std::string system, tenant;
  auto operator<=>(const StepKey&) const = default;
};

class Planner {
 public:
  Planner(const DataMap& map, const KeyRing& keys, Instant now) : m_map(map), m_keys(keys), m_today(date_of(now)) {}

  Status add(const FoundRecord& f) {
    ++m_plan.records_found;
    const Collection& c = f.collection;
    ++m_plan.found[c.key() + "\x1f" + f.tenant];
    const StoreSpec& store = f.system.store;
    if (c.erasure && c.erasure->action == ErasureAction::retain) {
      retain(c, f.tenant, {}, *c.erasure);
      return {};
    }
    auto& rows = m_rows[{c.system, f.tenant}][c.key()];
    if (store.line_format() == "textlog") return add_log_line(f, rows);
    RowChange row;
    set_row_key(f, row);
    if (row.key.empty()) return {};  // no key to find the row by again: nothing can be changed safely
    row.delete_row = c.erasure && c.erasure->action == ErasureAction::delete_row;
    // The system's data protection request erases at the provider what no update of the
    // collection changes (Fides' order: update, then the data protection request, then delete).
    if (store.type == "http" && c.http && (row.delete_row || !c.http->update) && m_map.data_protection_request(f.system))
      return {};
    // An API that can delete but not update a record deletes it (Fides' masking_strict: false).
    if (store.type == "http" && c.http && c.http->remove && !c.http->update) row.delete_row = true;
    if (store.type == "http" && c.http && !(row.delete_row ? c.http->remove : c.http->update)) {
      // The API offers no way: a manual task for the system's owner.
      auto it = m_by_hand.try_emplace(c.key() + "\x1f" + f.tenant, ByHandRecords{c.key(), f.tenant, 0}).first;
      ++it->second.records;
      return {};
    }
    add_request_context(f, row);
    row.found_by_field = f.matched_field;
    row.found_by_value = value_text(f.record.field(f.matched_field));
    if (!row.delete_row) {
      std::set<std::string> retained_fields;
      const ErasureStrategy* retained_strategy = nullptr;
      for (const auto& field : c.fields) {
        auto strategy = field_strategy(c, field);
        if (!strategy) continue;
        if (strategy->action == ErasureAction::retain) {
          retained_fields.insert(field.name);
          retained_strategy = &*field.erasure;
          continue;
        }
        if (strategy->action == ErasureAction::delete_row) continue;  // only meaningful for whole rows
        Value current = f.record.field(field.name);
        auto next = erased_value(*strategy, current, m_keys);
        if (next && *next != current) row.set.push_back({field.name, current, *next});
      }
      if (retained_strategy) {
        retain(c, f.tenant, {retained_fields.begin(), retained_fields.end()}, *retained_strategy);
      }
    }
    add_unique(rows, std::move(row));
    return {};
  }

  // Requests sent by the person's identifiers, with no record read first. A delete-only endpoint
  // is sent wherever the person has the identifiers it takes (nothing can tell whether the API
  // holds them); a data protection request only to a system where their records were found, so
  // that no provider learns of a person it never had.
  void add_identifier_requests(const std::vector<SubjectIdentifier>& identifiers) {
    for (const auto& system : m_map.systems) {
      if (system.store.type != "http") continue;
      std::vector<std::string> tenants = system.store.tenants.empty() ? std::vector<std::string>{""} : system.store.tenants;
      for (const auto& key : system.collections) {
        const Collection& c = m_map.collections.at(key);
        if (!c.http || !c.http->erases_by_identifier()) continue;
        for (const auto& tenant : tenants) {
          if (c.http->covers_system && !found_in(system, tenant)) continue;
          for (auto& row : identifier_rows(*c.http->remove, identifiers))
            add_unique(m_rows[{system.name, tenant}][key], std::move(row));
        }
      }
    }
  }

  ErasurePlan finish(LocateResult located) {
    plan_log_lines();
    m_plan.unsearched = std::move(located.failures);
    std::vector<std::string> order = children_first(m_map);
    for (auto& [step_key, by_collection] : m_rows) {
      ErasureStep step{step_key.system, step_key.tenant, {}, false, {}};
      for (const auto& key : order) {
        auto it = by_collection.find(key);
        if (it != by_collection.end() && !it->second.empty()) step.collections.push_back({key, std::move(it->second)});
      }
      if (!step.collections.empty()) m_plan.steps.push_back(std::move(step));
    }
    for (auto& [key, retained] : m_retained) m_plan.retained.push_back(std::move(retained));
    for (auto& [key, by_hand] : m_by_hand) m_plan.by_hand.push_back(std::move(by_hand));
    return std::move(m_plan);
  }

 private:
  // A text log line: every identifier of the request it holds is removed with the line, or
  // replaced where it stands. A line is found by the first value that matches it (an email) and
  // reported once, yet it may hold others of the person's values (their phone number, found
  // later): lines wait until every value of the request is known (finish()).
  Status add_log_line(const FoundRecord& f, std::vector<RowChange>& rows) {
    const Collection& c = f.collection;
    const Value* line = f.record.get("line");
    if (!line) return {};
    ErasureStrategy strategy{ErasureAction::redact, "[erased]", "", std::nullopt};
    if (c.erasure) {
      strategy = *c.erasure;
    } else if (const Field* field = c.field(f.matched_field); field && field->erasure) {
      strategy = *field->erasure;
    }
    m_log_values.insert(f.asked_values.begin(), f.asked_values.end());
    m_log_lines.push_back({&rows, value_text(*line), strategy, f.system.store.matches_by_kind()});
    return {};
  }

  // Plans each waiting log line with every value the request asked of any log: each spelling
  // the line holds (Jane@Example.com for jane@example.com, where the log matches by kind).
  void plan_log_lines() {
    std::vector<std::string> values(m_log_values.begin(), m_log_values.end());
    std::optional<TokenMatcher> exact, by_kind;
    for (auto& pending : m_log_lines) {
      auto& matcher = pending.by_kind ? by_kind : exact;
      if (!matcher) matcher.emplace(values, pending.by_kind ? TokenForms::by_kind : TokenForms::exact);
      std::set<std::string> spellings;
      matcher->each_occurrence(pending.line,
                               [&](const std::string&, std::string_view spelled) { spellings.emplace(spelled); });
      for (const auto& token : spellings) {
        RowChange row{"", token, pending.strategy.action == ErasureAction::delete_row, {}};
        if (!row.delete_row) {
          auto next = erased_value(pending.strategy, Value(token), m_keys);
          row.set.push_back({"line", token, next ? *next : Value(std::string("[erased]"))});
        }
        add_unique(*pending.rows, std::move(row));
      }
    }
    m_log_lines.clear();
  }

  struct PendingLogLine {
    std::vector<RowChange>* rows;
    std::string line;
    ErasureStrategy strategy;
    bool by_kind = false;
  };
  std::vector<PendingLogLine> m_log_lines;
  std::set<std::string> m_log_values;

  // File lines repeat the same change many times (one per line); each is planned once.
  void add_unique(std::vector<RowChange>& rows, RowChange row) {
    std::string signature = std::to_string(reinterpret_cast<std::uintptr_t>(&rows)) + "\x1e" + row.key_field + "\x1f" +
                            row.key +
                            (row.delete_row ? "\x1f"
                                              "D"
                                            : "\x1f"
                                              "U");
    for (const auto& f : row.set) signature += "\x1f" + f.field + "=" + value_text(f.from);
    if (m_planned.insert(std::move(signature)).second) rows.push_back(std::move(row));
  }

  bool found_in(const System& system, const std::string& tenant) const {
    return std::any_of(system.collections.begin(), system.collections.end(), [&](const std::string& key) {
      return m_plan.found.contains(key + "\x1f" + tenant);
    });
  }

  void retain(const Collection& c, const std::string& tenant, std::vector<std::string> fields,
              const ErasureStrategy& s) {
    std::string key = c.key() + "\x1f" + tenant;
    for (const auto& f : fields) key += "\x1f" + f;
    auto [it, fresh] = m_retained.try_emplace(key);
    if (fresh) {
      Date until = s.retain_for ? add_duration(m_today, *s.retain_for, HolidayCalendar{}) : m_today;
      it->second = RetainedRecords{c.key(), tenant, std::move(fields), 0, s.legal_reason, until};
    }
    ++it->second.records;
  }

  const DataMap& m_map;
  const KeyRing& m_keys;
  Date m_today;
  ErasurePlan m_plan;
  std::map<StepKey, std::map<std::string, std::vector<RowChange>>> m_rows;
  std::map<std::string, RetainedRecords> m_retained;
  std::map<std::string, ByHandRecords> m_by_hand;
  std::unordered_set<std::string> m_planned;  // signatures of the changes planned so far
};



std::string describe_changes(const std::vector<RowChange>& rows, const Collection& c) {
  if (rows.empty()) return "nothing to change";
  if (c.http && c.http->covers_system) return "data protection request: the provider erases the person's records";
  if (c.http && c.http->erases_by_identifier()) return "delete by identifier: the API erases what it holds";
  if (rows.front().delete_row) return "delete";
  std::map<std::string, std::string> fields;
  for (const auto& r : rows) {
    for (const auto& f : r.set) {
      if (f.field == "line") {
        fields["identifiers in the line"] = std::holds_alternative<std::string>(f.to) ? "replace" : "remove";
        continue;
      }
      const Field* field = c.field(f.field);
      auto strategy = field ? field_strategy(c, *field) : std::nullopt;
      fields[f.field] = strategy ? std::string(erasure_action_name(strategy->action)) : "change";
    }
  }
  if (fields.empty()) return "nothing left to change";
  std::string out = "anonymize:";
  for (const auto& [name, action] : fields) out += " " + name + "=" + action;
  return out;
}

}  // namespace

void set_row_key(const FoundRecord& f, RowChange& row) {
  if (!is_file_store(f.system.store)) {
    for (const auto& field : f.collection.fields) {
      if (!field.primary_key) continue;
      Value v = f.record.field(field.name);
      if (std::holds_alternative<std::monostate>(v)) continue;
      row.key_field = field.name;
      row.key = value_text(v);
      return;
    }
  }
  row.key_field = f.matched_field;
  row.key = value_text(f.record.field(f.matched_field));
}

void add_request_context(const FoundRecord& f, RowChange& row) {
  const Collection& c = f.collection;
  if (f.system.store.type != "http" || !c.http) return;
  // The request may need more of the record than its key (Mailchimp: list_id and id).
  const auto& request = row.delete_row ? c.http->remove : c.http->update;
  if (!request) return;
  for (const auto& p : request->params) {
    if (p.field != row.key_field) row.context.emplace_back(p.field, value_text(f.record.field(p.field)));
  }
}

std::optional<Value> erased_value(const ErasureStrategy& s, const Value& value, const KeyRing& keys) {
  if (std::holds_alternative<std::monostate>(value)) return std::nullopt;
  switch (s.action) {
    case ErasureAction::set_null: return Value{};
    case ErasureAction::redact: return Value(s.text.empty() ? std::string("[erased]") : s.text);
    case ErasureAction::hash: return Value(sha256_hex(value_text(value)));
    // A separate input domain from the audit trail's pseudonyms, under the same secret.
    case ErasureAction::hmac: return Value(keys.pseudonym("erasure:" + value_text(value)));
    case ErasureAction::random: return Value(to_hex(random_bytes(8)));
    case ErasureAction::generalize: return generalize(value);
    case ErasureAction::delete_row:
    case ErasureAction::retain: return std::nullopt;
  }
  return std::nullopt;
}

std::vector<RowChange> identifier_rows(const HttpRequestSpec& request, const std::vector<SubjectIdentifier>& identifiers) {
  auto values_of = [&](const std::string& kind) {
    std::vector<std::string> values;
    for (const auto& id : identifiers)
      if (id.kind == kind) values.push_back(id.value);
    return values;
  };
  std::vector<RowChange> rows;
  if (request.params.empty() || !request.params.front().identity) return rows;
  // The first identity names the request, once for each of the person's values of its kind; the
  // others, if any, take the person's first value of theirs.
  std::vector<std::pair<std::string, std::string>> context;
  for (std::size_t i = 1; i < request.params.size(); ++i) {
    auto values = values_of(*request.params[i].identity);
    if (values.empty()) return {};  // the person has no identifier of that kind: nothing to send
    context.emplace_back(request.params[i].field, values.front());
  }
  for (const auto& value : values_of(*request.params.front().identity)) {
    RowChange row;
    row.key_field = request.params.front().field;
    row.key = value;
    row.delete_row = true;
    row.context = context;
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<ErasurePlan> plan_erasure(const DataMap& map, const std::vector<SubjectIdentifier>& identifiers,
                                 const LocateScope& scope, const KeyRing& keys, Instant now,
                                 const ConnectorOpener& open) {
  Planner planner(map, keys, now);
  auto located = locate(
      map, identifiers, scope, [&](const FoundRecord& f) { return planner.add(f); }, open);
  if (!located) return propagate(located.error());
  planner.add_identifier_requests(identifiers);
  return planner.finish(std::move(*located));
}

Result<std::vector<ErasurePlan>> plan_erasures(const DataMap& map,
                                               const std::vector<std::vector<SubjectIdentifier>>& subjects,
                                               const LocateScope& scope, const KeyRing& keys, Instant now,
                                               const ConnectorOpener& open) {
  std::vector<ErasurePlan> plans;
  if (subjects.size() == 1) {
    auto plan = plan_erasure(map, subjects.front(), scope, keys, now, open);
    if (!plan) return propagate(plan.error());
    plans.push_back(std::move(*plan));
    return plans;
  }
  std::vector<Planner> planners;
  planners.reserve(subjects.size());
  for (std::size_t i = 0; i < subjects.size(); ++i) planners.emplace_back(map, keys, now);
  auto located = locate_batch(
      map, subjects, scope, [&](std::size_t i, const FoundRecord& f) { return planners[i].add(f); }, open);
  if (!located) return propagate(located.error());
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    planners[i].add_identifier_requests(subjects[i]);
    plans.push_back(planners[i].finish(std::move(located->subjects[i])));
  }
  return plans;
}

Result<std::unique_ptr<Connector>> open_for_writing(const StoreSpec& store, std::string_view tenant) {
  return open_connector(store, tenant, AccessMode::read_write);
}

Status execute_step(const DataMap& map, ErasureStep& step, const WritableOpener& open) {
  if (step.done) return {};
  const System* system = map.system(step.system);
  if (!system) {
    return precondition("the erasure plan names system '" + step.system + "', which the data map no longer has");
  }
  std::vector<CollectionChanges> changes;
  for (const auto& planned : step.collections) {
    const Collection* c = map.collection(planned.collection);
    if (!c) return precondition("the erasure plan names " + planned.collection + ", which the data map no longer has");
    changes.push_back({c, planned.rows});
  }
  auto connector = open(system->store, step.tenant);
  if (!connector) return propagate(connector.error());
  auto applied = (*connector)->apply(changes);
  if (!applied) return propagate(applied.error());
  step.applied = *applied;
  step.done = true;
  return {};
}

Status execute_steps_together(const DataMap& map, const std::vector<ErasureStep*>& steps, const WritableOpener& open) {
  std::vector<ErasureStep*> due;
  for (ErasureStep* step : steps) {
    if (step->done) continue;
    if (!due.empty() && (step->system != due.front()->system || step->tenant != due.front()->tenant)) {
      return fail(ErrorCode::internal, "steps of different stores cannot be executed together");
    }
    due.push_back(step);
  }
  if (due.empty()) return {};
  if (due.size() == 1) return execute_step(map, *due.front(), open);
  const System* system = map.system(due.front()->system);
  if (!system) {
    return precondition("the erasure plan names system '" + due.front()->system +
                        "', which the data map no longer has");
  }
  // Every plan's rows of a collection in one change, collections children before parents.
  std::map<std::string, std::vector<RowChange>> rows_by_collection;
  for (const ErasureStep* step : due) {
    for (const auto& planned : step->collections) {
      auto& rows = rows_by_collection[planned.collection];
      rows.insert(rows.end(), planned.rows.begin(), planned.rows.end());
    }
  }
  std::vector<CollectionChanges> changes;
  for (const auto& key : children_first(map)) {
    auto it = rows_by_collection.find(key);
    if (it == rows_by_collection.end()) continue;
    const Collection* c = map.collection(key);
    if (!c) return precondition("the erasure plan names " + key + ", which the data map no longer has");
    changes.push_back({c, std::move(it->second)});
  }
  auto connector = open(system->store, due.front()->tenant);
  if (!connector) return propagate(connector.error());
  auto applied = (*connector)->apply(changes);
  if (!applied) return propagate(applied.error());
  // The store reports one count for all: each step records what it planned.
  for (ErasureStep* step : due) {
    step->applied = {step->rows_to_delete(), step->rows_to_change()};
    step->done = true;
  }
  return {};
}

Status for_each_planned_collection(const DataMap& map, const ErasurePlan& plan, const ConnectorOpener& open,
                                   std::vector<StoreFailure>& unsearched, const PlannedCollectionVisitor& visit) {
  for (const auto& step : plan.steps) {
    const System* system = map.system(step.system);
    if (!system) return precondition("the data map no longer has system " + step.system);
    auto connector = open(system->store, step.tenant);
    if (!connector) {
      unsearched.push_back({step.system, step.tenant, connector.error().message});
      continue;
    }
    for (const auto& planned : step.collections) {
      const Collection* c = map.collection(planned.collection);
      if (!c) return precondition("the data map no longer has " + planned.collection);
      if (auto ok = visit(step, **connector, planned, *c); !ok) return ok;
    }
  }
  return {};
}

namespace {

// Planned rows whose key alone the API cannot be asked by, read again another way: the way locate
// reached them (the parent's id survives the parent's erasure), else with the key and the other
// inputs the API's request took (RowChange::context). invalid_argument: no read request does.
Status reread_with_context(Connector& connector, const Collection& c, const std::string& key_field,
                           const std::map<std::string, std::vector<const RowChange*>>& rows,
                           const RecordVisitor& check) {
  std::map<std::string, std::set<std::string>> by_route;  // found_by_field -> values
  std::map<std::vector<std::string>, std::vector<std::vector<std::string>>> tuples_by_fields;
  for (const auto& [key, changes] : rows) {
    const RowChange& row = *changes.front();
    if (!row.found_by_field.empty() && row.found_by_field != key_field && !row.found_by_value.empty() &&
        connector.can_find_by(c, row.found_by_field)) {
      by_route[row.found_by_field].insert(row.found_by_value);
      continue;
    }
    std::vector<std::string> fields{key_field}, values{key};
    for (const auto& [field, value] : row.context) {
      fields.push_back(field);
      values.push_back(value);
    }
    // No way to reach this row again: the caller counts them all as not re-read.
    if (fields.size() == 1) return invalid(c.key() + ": no read request reaches the record " + key + " again");
    tuples_by_fields[fields].push_back(values);
  }
  for (const auto& [field, values] : by_route) {
    if (auto ok = connector.find(c, field, {values.begin(), values.end()}, check); !ok) return ok;
  }
  for (const auto& [fields, tuples] : tuples_by_fields) {
    if (auto ok = connector.find_together(c, fields, tuples, check); !ok) return ok;
  }
  return {};
}

}  // namespace

namespace {

// Whether a planned row read again still shows what the erasure removes: it should be gone, or
// a changed field still holds its old value.
bool still_there(const Record& record, const std::vector<const RowChange*>& rows) {
  for (const RowChange* row : rows) {
    if (row->delete_row) return true;
    for (const auto& f : row->set) {
      if (record.field(f.field) == f.from && f.from != f.to) return true;
    }
  }
  return false;
}

// The proofs of several plans, built together: each plan's planned rows are read again with
// the others' (one query per collection and key field for all), and one search finds what any
// of the people still has.
class Prover {
 public:
  using PlanRows = std::map<std::string, std::vector<const RowChange*>>;  // key -> the plan's changes

  Prover(const DataMap& map, const std::vector<const ErasurePlan*>& plans, const ConnectorOpener& open)
      : m_map(map), m_plans(plans), m_open(open), m_proofs(plans.size()), m_remaining(plans.size()),
        m_planned_keys(plans.size()) {
    for (std::size_t i = 0; i < plans.size(); ++i) m_proofs[i].retained = plans[i]->retained;
  }

  // 1. Every planned row, read again by its key: deleted rows must be gone, changed values must
  //    no longer hold what they held.
  Status reread() {
    std::map<StepKey, std::vector<std::pair<std::size_t, const ErasureStep*>>> stores;
    for (std::size_t i = 0; i < m_plans.size(); ++i)
      for (const auto& step : m_plans[i]->steps) stores[{step.system, step.tenant}].push_back({i, &step});
    for (const auto& store_steps : stores) {
      const StepKey& store = store_steps.first;
      const auto& steps = store_steps.second;
      const System* system = m_map.system(store.system);
      if (!system) return precondition("the data map no longer has system " + store.system);
      auto connector = m_open(system->store, store.tenant);
      if (!connector) {
        for (const auto& [i, step] : steps) m_proofs[i].unsearched.push_back({store.system, store.tenant, connector.error().message});
        continue;
      }
      // collection -> key field -> plan -> its rows by key
      std::map<std::string, std::map<std::string, std::map<std::size_t, PlanRows>>> rows;
      for (const auto& [i, step] : steps) {
        for (const auto& planned : step->collections) {
          if (const Collection* c = m_map.collection(planned.collection); c && c->http && c->http->erases_by_identifier()) {
            sent_by_identifier(i, *step, planned);
            continue;
          }
          for (const auto& row : planned.rows) rows[planned.collection][row.key_field][i][row.key].push_back(&row);
        }
      }
      for (const auto& [collection, by_field] : rows) {
        const Collection* c = m_map.collection(collection);
        if (!c) return precondition("the data map no longer has " + collection);
        if (auto ok = reread_collection(**connector, *c, store, by_field); !ok) return ok;
      }
    }
    return {};
  }

  // 2. Locate again from each person's identifiers: anything found that is neither kept by law
  //    nor a planned row already checked above is data the erasure missed.
  Status search_again(const std::vector<std::vector<SubjectIdentifier>>& identifiers, const LocateScope& scope) {
    if (identifiers.size() == 1) {
      auto located = locate(
          m_map, identifiers.front(), scope, [&](const FoundRecord& f) { return found_again(0, f); }, m_open);
      if (!located) return propagate(located.error());
      for (const auto& failure : located->failures) m_proofs[0].unsearched.push_back(failure);
      return {};
    }
    auto located = locate_batch(
        m_map, identifiers, scope, [&](std::size_t i, const FoundRecord& f) { return found_again(i, f); }, m_open);
    if (!located) return propagate(located.error());
    for (std::size_t i = 0; i < identifiers.size(); ++i)
      for (const auto& failure : located->subjects[i].failures) m_proofs[i].unsearched.push_back(failure);
    return {};
  }

  std::vector<ErasureProof> finish() {
    for (std::size_t i = 0; i < m_proofs.size(); ++i) {
      for (const auto& [collection, n] : m_remaining[i]) {
        if (n == 0) continue;
        m_proofs[i].remaining += n;
        m_proofs[i].remaining_in.push_back(collection + " (" + std::to_string(n) + ")");
      }
    }
    return std::move(m_proofs);
  }

 private:
  Status reread_collection(Connector& connector, const Collection& c, const StepKey& store,
                           const std::map<std::string, std::map<std::size_t, PlanRows>>& by_field) {
    std::map<std::size_t, std::size_t> planned, left, not_reread;  // per plan, in this collection
    for (const auto& field_plans : by_field) {
      const std::string& key_field = field_plans.first;  // named, not bound: lambdas below use them
      const auto& by_plan = field_plans.second;
      for (const auto& [i, plan_rows] : by_plan) {
        auto& covered = m_planned_keys[i][{c.key(), store.tenant}];
        covered.first = key_field;
        for (const auto& [key, changes] : plan_rows) {
          covered.second.insert(key);
          planned[i] += changes.size();
        }
      }
      auto unsearched = [&](std::size_t i, const Error& e) -> Status {
        if (e.code != ErrorCode::unavailable) return propagate(e);
        m_proofs[i].unsearched.push_back({store.system, store.tenant, e.message});
        return {};
      };
      if (!connector.can_find_by(c, key_field)) {
        // An API that looks the record up only with other inputs too (the parent's id, a list
        // id): asked again with them, as locate asked, one person at a time. The fresh locate
        // cannot stand in for this: it starts from identifiers the erasure may have masked, and
        // would never reach the record. What no request reaches stays "not re-read", never clean.
        for (const auto& plan_entry : by_plan) {
          const std::size_t i = plan_entry.first;
          const PlanRows& plan_rows = plan_entry.second;
          auto check = [&](const Record& record) -> Status {
            auto it = plan_rows.find(value_text(record.field(key_field)));
            if (it != plan_rows.end() && still_there(record, it->second)) ++left[i];
            return {};
          };
          Status again = reread_with_context(connector, c, key_field, plan_rows, check);
          if (again) continue;
          if (again.error().code == ErrorCode::invalid_argument) {
            not_reread[i] += plan_rows.size();
            continue;
          }
          if (auto ok = unsearched(i, again.error()); !ok) return ok;
        }
        continue;
      }
      std::set<std::string> keys;
      for (const auto& [i, plan_rows] : by_plan)
        for (const auto& [key, changes] : plan_rows) keys.insert(key);
      auto check = [&](const Record& record) -> Status {
        if (key_field.empty()) {  // a log line that still holds an identifier
          for (std::size_t i : owners_of_line(record, by_plan)) ++left[i];
          return {};
        }
        std::string key = value_text(record.field(key_field));
        for (const auto& [i, plan_rows] : by_plan) {
          auto it = plan_rows.find(key);
          if (it != plan_rows.end() && still_there(record, it->second)) ++left[i];
        }
        return {};
      };
      Status read = connector.find(c, key_field, {keys.begin(), keys.end()}, check);
      if (!read) {
        for (const auto& [i, plan_rows] : by_plan)
          if (auto ok = unsearched(i, read.error()); !ok) return ok;
      }
    }
    for (const auto& [i, n] : planned) {
      m_remaining[i][c.key()] += left[i];
      m_proofs[i].not_reread += not_reread[i];
      std::size_t checked = n - std::min(n, not_reread[i]);
      m_proofs[i].verified_rows += checked > left[i] ? checked - left[i] : 0;
    }
    return {};
  }

  // Deletes sent by identifier cannot be read again: the API's acceptance (the step ran without
  // an error) is the evidence; a step that has not run leaves them unproven.
  void sent_by_identifier(std::size_t i, const ErasureStep& step, const PlannedCollection& planned) {
    if (!step.done) {
      m_proofs[i].not_reread += planned.rows.size();
      return;
    }
    m_proofs[i].sent_by_identifier += planned.rows.size();
    auto& to = m_proofs[i].sent_to;
    if (std::find(to.begin(), to.end(), planned.collection) == to.end()) to.push_back(planned.collection);
  }

  // The plans whose tokens a log line still holds; all the collection's plans when none is
  // recognisable (another spelling): a line left over is never credited to nobody.
  static std::vector<std::size_t> owners_of_line(const Record& record, const std::map<std::size_t, PlanRows>& by_plan) {
    std::string line = value_text(record.field("line"));
    std::vector<std::size_t> owners, all;
    for (const auto& [i, plan_rows] : by_plan) {
      all.push_back(i);
      if (std::any_of(plan_rows.begin(), plan_rows.end(),
                      [&](const auto& entry) { return contains_token(line, entry.first); }))
        owners.push_back(i);
    }
    return owners.empty() ? all : owners;
  }

  Status found_again(std::size_t i, const FoundRecord& f) {
    const Collection& c = f.collection;
    if (c.erasure && c.erasure->action == ErasureAction::retain) return {};
    // Left to the system's owner: their manual task stands in the proof until it is done.
    const auto& by_hand = m_plans[i]->by_hand;
    if (std::any_of(by_hand.begin(), by_hand.end(),
                    [&](const ByHandRecords& b) { return b.collection == c.key() && b.tenant == f.tenant; }))
      return {};
    auto covered = m_planned_keys[i].find({c.key(), f.tenant});
    if (covered != m_planned_keys[i].end() && !covered->second.first.empty()) {
      std::string key = value_text(f.record.field(covered->second.first));
      if (covered->second.second.contains(key)) return {};
    }
    std::lock_guard lock(m_mutex);  // locate calls back from several threads
    ++m_remaining[i][c.key()];
    return {};
  }

  const DataMap& m_map;
  const std::vector<const ErasurePlan*>& m_plans;
  const ConnectorOpener& m_open;
  std::vector<ErasureProof> m_proofs;
  std::vector<std::map<std::string, std::size_t>> m_remaining;  // per plan, by collection
  // Keys each plan covers, per collection and tenant, to tell planned rows from new ones.
  std::vector<std::map<std::pair<std::string, std::string>, std::pair<std::string, std::set<std::string>>>>
      m_planned_keys;
  std::mutex m_mutex;
};

}  // namespace

Result<std::vector<ErasureProof>> prove_erasures(const DataMap& map, const std::vector<const ErasurePlan*>& plans,
                                                 const std::vector<std::vector<SubjectIdentifier>>& identifiers,
                                                 const LocateScope& scope, const ConnectorOpener& open) {
  if (plans.size() != identifiers.size()) return fail(ErrorCode::internal, "one set of identifiers per plan");
  if (plans.empty()) return std::vector<ErasureProof>{};
  Prover prover(map, plans, open);
  if (auto ok = prover.reread(); !ok) return propagate(ok.error());
  if (auto ok = prover.search_again(identifiers, scope); !ok) return propagate(ok.error());
  return prover.finish();
}

Result<ErasureProof> prove_erasure(const DataMap& map, const ErasurePlan& plan,
                                   const std::vector<SubjectIdentifier>& identifiers, const LocateScope& scope,
                                   const ConnectorOpener& open) {
  auto proofs = prove_erasures(map, {&plan}, {identifiers}, scope, open);
  if (!proofs) return propagate(proofs.error());
  return std::move(proofs->front());
}

std::vector<PlanSummaryLine> summarize(const DataMap& map, const ErasurePlan& plan) {
  std::vector<PlanSummaryLine> lines;
  for (const auto& step : plan.steps) {
    for (const auto& planned : step.collections) {
      const Collection* c = map.collection(planned.collection);
      auto found = plan.found.find(planned.collection + "\x1f" + step.tenant);
      lines.push_back({planned.collection, step.tenant, found == plan.found.end() ? planned.rows.size() : found->second,
                       c ? describe_changes(planned.rows, *c) : "change", "", std::nullopt});
    }
  }
  // Records the system's data protection request erases at the provider (no row of theirs is planned).
  for (const auto& [key, records] : plan.found) {
    std::string collection = key.substr(0, key.find('\x1f'));
    std::string tenant = key.substr(key.find('\x1f') + 1);
    const Collection* c = map.collection(collection);
    const System* system = c ? map.system(c->system) : nullptr;
    if (!system || system->store.type != "http" || !c->http) continue;
    bool planned = std::any_of(plan.steps.begin(), plan.steps.end(), [&](const ErasureStep& step) {
      return step.tenant == tenant && std::any_of(step.collections.begin(), step.collections.end(),
                                                  [&](const PlannedCollection& p) { return p.collection == collection; });
    });
    bool by_hand = std::any_of(plan.by_hand.begin(), plan.by_hand.end(),
                               [&](const ByHandRecords& b) { return b.collection == collection && b.tenant == tenant; });
    bool covered = map.data_protection_request(*system) != nullptr;
    if (!planned && !by_hand && covered && !(c->erasure && c->erasure->action == ErasureAction::retain))
      lines.push_back({collection, tenant, records, "erased by the provider: the system's data protection request", "",
                       std::nullopt});
  }
  for (const auto& b : plan.by_hand) {
    lines.push_back(
        {b.collection, b.tenant, b.records, "by hand: the API cannot erase these (manual task)", "", std::nullopt});
  }
  for (const auto& r : plan.retained) {
    std::string action = "retain";
    if (!r.fields.empty()) {
      action += ":";
      for (const auto& f : r.fields) action += " " + f;
    }
    lines.push_back({r.collection, r.tenant, r.records, action, r.reason, r.erasable_from});
  }
  return lines;
}

std::string plan_to_json(const ErasurePlan& plan) {
  json steps = json::array();
  for (const auto& s : plan.steps) {
    json collections = json::array();
    for (const auto& c : s.collections) {
      json rows = json::array();
      for (const auto& r : c.rows) {
        json set = json::array();
        for (const auto& f : r.set)
          set.push_back({{"field", f.field}, {"from", value_to_json(f.from)}, {"to", value_to_json(f.to)}});
        json row{{"key_field", r.key_field}, {"key", r.key}, {"delete", r.delete_row}, {"set", set}};
        if (!r.context.empty()) row["context"] = r.context;
        if (!r.found_by_field.empty()) row["found_by"] = {r.found_by_field, r.found_by_value};
        rows.push_back(std::move(row));
      }
      collections.push_back({{"collection", c.collection}, {"rows", rows}, {"count", c.rows.size()}});
    }
    steps.push_back({{"system", s.system},
                     {"tenant", s.tenant},
                     {"done", s.done},
                     {"rows_deleted", s.applied.rows_deleted},
                     {"rows_changed", s.applied.rows_changed},
                     {"collections", collections}});
  }
  json retained = json::array();
  for (const auto& r : plan.retained) {
    retained.push_back({{"collection", r.collection},
                        {"tenant", r.tenant},
                        {"fields", r.fields},
                        {"records", r.records},
                        {"reason", r.reason},
                        {"erasable_from", format_date(r.erasable_from)}});
  }
  json unsearched = json::array();
  for (const auto& f : plan.unsearched)
    unsearched.push_back({{"system", f.system}, {"tenant", f.tenant}, {"message", f.message}});
  json found = json::object();
  for (const auto& [key, n] : plan.found) found[key] = n;
  json by_hand = json::array();
  for (const auto& b : plan.by_hand)
    by_hand.push_back({{"collection", b.collection}, {"tenant", b.tenant}, {"records", b.records}});
  return json{{"version", 1},         {"records_found", plan.records_found},
              {"found", found},       {"steps", steps},
              {"retained", retained}, {"unsearched", unsearched},
              {"by_hand", by_hand}}
      .dump();
}

Result<ErasurePlan> plan_from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("version", 0) != 1) {
    return fail(ErrorCode::data_loss, "the stored erasure plan is unreadable");
  }
  try {
    ErasurePlan plan;
    plan.records_found = j.at("records_found").get<std::size_t>();
    for (const auto& [key, n] : j.at("found").items()) plan.found[key] = n.get<std::size_t>();
    for (const auto& s : j.at("steps")) {
      ErasureStep step{s.at("system").get<std::string>(),
                       s.at("tenant").get<std::string>(),
                       {},
                       s.at("done").get<bool>(),
                       {s.at("rows_deleted").get<std::size_t>(), s.at("rows_changed").get<std::size_t>()}};
      for (const auto& c : s.at("collections")) {
        PlannedCollection planned{c.at("collection").get<std::string>(), {}};
        for (const auto& r : c.at("rows")) {
          RowChange row{
              r.at("key_field").get<std::string>(), r.at("key").get<std::string>(), r.at("delete").get<bool>(), {}};
          for (const auto& f : r.at("set"))
            row.set.push_back({f.at("field").get<std::string>(), value_from_json(f.at("from")), value_from_json(f.at("to"))});
          if (r.contains("context"))
            row.context = r.at("context").get<std::vector<std::pair<std::string, std::string>>>();
          if (r.contains("found_by")) {
            auto found_by = r.at("found_by").get<std::pair<std::string, std::string>>();
            row.found_by_field = found_by.first;
            row.found_by_value = found_by.second;
          }
          planned.rows.push_back(std::move(row));
        }
        step.collections.push_back(std::move(planned));
      }
      plan.steps.push_back(std::move(step));
    }
    for (const auto& r : j.at("retained")) {
      auto until = parse_date(r.at("erasable_from").get<std::string>());
      if (!until) return fail(ErrorCode::data_loss, "the stored erasure plan has a bad date");
      plan.retained.push_back({r.at("collection").get<std::string>(), r.at("tenant").get<std::string>(),
                               r.at("fields").get<std::vector<std::string>>(), r.at("records").get<std::size_t>(),
                               r.at("reason").get<std::string>(), *until});
    }
    for (const auto& f : j.at("unsearched"))
      plan.unsearched.push_back(
          {f.at("system").get<std::string>(), f.at("tenant").get<std::string>(), f.at("message").get<std::string>()});
    for (const auto& b : j.value("by_hand", json::array()))  // absent in plans stored before APIs
      plan.by_hand.push_back({b.at("collection").get<std::string>(), b.at("tenant").get<std::string>(),
                              b.at("records").get<std::size_t>()});
    return plan;
  } catch (const json::exception& e) {
    return fail(ErrorCode::data_loss, std::string("the stored erasure plan is unreadable: ") + e.what());
  }
}

std::string ledger_pseudonym(const KeyRing& keys, std::string_view key) {
  return keys.pseudonym("ledger:" + std::string(key));
}

namespace {

// The maximal runs of token characters in a log line (what contains_token would match).
std::vector<std::string> line_tokens(std::string_view line) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&] {
    while (!current.empty() && current.back() == '.') current.pop_back();
    if (!current.empty()) out.push_back(current);
    current.clear();
  };
  for (char c : line) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@')
      current += c;
    else
      flush();
  }
  flush();
  return out;
}

}  // namespace

Result<ErasurePlan> plan_replay(const DataMap& map, const std::vector<LedgerKeys>& ledger, const KeyRing& keys,
                                Instant now, const ConnectorOpener& open) {
  Planner planner(map, keys, now);
  LocateResult scanned;
  for (const auto& entry : ledger) {
    const Collection* c = map.collection(entry.collection);
    const System* system = map.system(entry.system);
    if (!c || !system) {
      return precondition("the erasure ledger names " + entry.collection + ", which this data map does not have");
    }
    auto connector = open(system->store, entry.tenant);
    if (!connector) {
      scanned.failures.push_back({entry.system, entry.tenant, connector.error().message});
      continue;
    }
    Status read = (*connector)->scan(*c, [&](const Record& record) -> Status {
      std::vector<std::string> matched;
      if (entry.key_field.empty()) {
        const Value* line = record.get("line");
        if (!line) return {};
        for (const auto& token : line_tokens(value_text(*line))) {
          if (entry.pseudonyms.contains(ledger_pseudonym(keys, token))) matched.push_back(token);
        }
      } else {
        std::string key = value_text(record.field(entry.key_field));
        if (!key.empty() && entry.pseudonyms.contains(ledger_pseudonym(keys, key))) matched.push_back(key);
      }
      if (matched.empty()) return {};
      return planner.add(FoundRecord{*system, *c, entry.tenant, record, entry.key_field, matched});
    });
    if (!read) {
      // An API that cannot be listed is reported like a store that is down; the others go on.
      if (read.error().code != ErrorCode::unavailable && read.error().code != ErrorCode::failed_precondition)
        return propagate(read.error());
      scanned.failures.push_back({entry.system, entry.tenant, read.error().message});
    }
  }
  return planner.finish(std::move(scanned));
}

ErasurePlan strip_personal_data(const ErasurePlan& plan) {
  ErasurePlan out = plan;
  for (auto& step : out.steps) {
    for (auto& c : step.collections) {
      for (auto& row : c.rows) {
        row.key.clear();
        row.context.clear();
        row.found_by_value.clear();
        for (auto& f : row.set) f.from = f.to = Value{};
      }
    }
  }
  return out;
}

}  // namespace maestro
