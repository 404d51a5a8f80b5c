#include "locate/locate.hpp"

#include "scan/token_matcher.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <set>
#include <thread>


namespace maestro {

std::size_t LocateResult::total() const {
  std::size_t n = 0;
  for (const auto& [key, count] : records_by_collection) n += count;
  return n;
}

namespace {

// A lookup of a collection by several fields together (an API read with grouped inputs), and
// the values of one record for them.
struct GroupRef {
  std::string collection;
  std::vector<std::string> fields;
  friend auto operator<=>(const GroupRef&, const GroupRef&) = default;
};
using Tuple = std::vector<std::string>;

// The keys one level of the search asks for: single fields, and fields asked together.
struct Level {
  std::map<FieldRef, std::set<std::string>> single;
  std::map<GroupRef, std::set<Tuple>> together;
  bool empty() const { return single.empty() && together.empty(); }
};

// One search of one tenant of one system: the connector, and what has been asked and seen.
struct Search {
  const System* system;
  std::string tenant;
  std::unique_ptr<Connector> connector;
  std::map<FieldRef, std::set<std::string>> asked;  // values already queried per field
  std::map<GroupRef, std::set<Tuple>> asked_together;
  bool failed = false;
};

// The value of `field` in a record as text, if it has one.
std::optional<std::string> field_value(const Record& r, const std::string& field) {
  Value v = r.field(field);
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  return value_text(v);
}

class Locator {
 public:
  Locator(const DataMap& map, const LocateScope& scope, const FoundRecordVisitor& visit, const ConnectorOpener& open)
      : m_map(map), m_scope(scope), m_visit(visit), m_open(open) {}

  Result<LocateResult> run(const std::vector<SubjectIdentifier>& identifiers) {
    open_searches();
    std::map<std::string, std::vector<std::string>> by_kind;
    for (const auto& id : identifiers) by_kind[id.kind].push_back(id.value);
    for (auto& search : m_searches) {
      if (search.connector) search.connector->know_identities(by_kind);
    }
    // The first level: every identity field of a kind the request knows.
    Level level;
    for (const auto& id : identifiers) {
      for (const auto& field : m_map.identity_fields(id.kind)) level.single[field].insert(id.value);
    }
    while (!level.empty()) {
      Level next;
      if (auto ok = run_level_everywhere(level, next); !ok) return propagate(ok.error());
      level = std::move(next);
    }
    return std::move(m_result);
  }

 private:
  bool tenant_in_scope(const std::string& tenant) const {
    return m_scope.tenants.empty() ||
           std::find(m_scope.tenants.begin(), m_scope.tenants.end(), tenant) != m_scope.tenants.end();
  }

  void open_searches() {
    for (const auto& system : m_map.systems) {
      if (system.store.type == "manual") continue;
      std::vector<std::string> tenants =
          system.store.tenants.empty() ? std::vector<std::string>{""} : system.store.tenants;
      for (const auto& tenant : tenants) {
        if (!tenant.empty() && !tenant_in_scope(tenant)) continue;
        Search s{&system, tenant, nullptr, {}, {}, false};
        auto connector = m_open(system.store, tenant);
        if (!connector) {
          m_result.failures.push_back({system.name, tenant, connector.error().message});
          s.failed = true;
        } else {
          s.connector = std::move(*connector);
        }
        m_searches.push_back(std::move(s));
      }
    }
  }

  // Runs one level in every store at once: each store and tenant has its own connection and
  // thread; records reach the visitor one at a time.
  Status run_level_everywhere(const Level& level, Level& next) {
    std::vector<Search*> busy;
    for (auto& search : m_searches) {
      if (!search.failed && has_work(search, level)) busy.push_back(&search);
    }
    std::vector<Status> outcomes(busy.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < busy.size(); ++i) {
      threads.emplace_back([&, i] { outcomes[i] = run_level(*busy[i], level, next); });
    }
    if (!busy.empty()) outcomes[0] = run_level(*busy[0], level, next);  // the first on this thread
    for (auto& t : threads) t.join();
    for (const auto& outcome : outcomes) {
      if (!outcome) return outcome;
    }
    return {};
  }

  bool in_system(const Search& search, const std::string& collection) const {
    const Collection* c = m_map.collection(collection);
    return c && c->system == search.system->name;
  }

  bool has_work(const Search& search, const Level& level) const {
    for (const auto& entry : level.single)
      if (in_system(search, entry.first.collection)) return true;
    for (const auto& entry : level.together)
      if (in_system(search, entry.first.collection)) return true;
    return false;
  }

  Status run_level(Search& search, const Level& level, Level& next) {
    if (auto ok = run_single_lookups(search, level, next); !ok) return ok;
    return run_grouped_lookups(search, level, next);
  }

  Status run_single_lookups(Search& search, const Level& level, Level& next) {
    // Plain references, not structured bindings: clang 14 cannot capture those in the lambda below.
    for (const auto& level_entry : level.single) {
      const FieldRef& field = level_entry.first;
      const std::set<std::string>& values = level_entry.second;
      const Collection* c = m_map.collection(field.collection);
      if (!c || c->system != search.system->name) continue;
      std::vector<std::string> fresh;
      for (const auto& v : values) {
        if (search.asked[field].insert(v).second) fresh.push_back(v);
      }
      if (fresh.empty()) continue;
      {
        std::lock_guard lock(m_mutex);
        ++m_result.queries;
      }
      // A text log line holding a token asked for earlier was reported then: those tokens, in one matcher.
      std::optional<TokenMatcher> earlier;
      if (search.system->store.type == "textlog") earlier.emplace(earlier_tokens(search, field, fresh));
      Status found = search.connector->find(*c, field.field, fresh, [&](const Record& r) -> Status {
        if (earlier ? reported_in_log(*earlier, r) : reported_before(search, field, r)) return {};
        return report(search, *c, r, field.field, fresh, next);
      });
      if (!found) return store_failed(search, found);
    }
    return {};
  }

  // Lookups by several fields together, each tuple the values of one record.
  Status run_grouped_lookups(Search& search, const Level& level, Level& next) {
    for (const auto& level_entry : level.together) {
      const GroupRef& group = level_entry.first;
      if (!in_system(search, group.collection)) continue;
      const Collection* c = m_map.collection(group.collection);
      std::vector<Tuple> fresh;
      std::vector<std::string> firsts;  // what the record was found by, for erasure planning
      for (const auto& tuple : level_entry.second) {
        if (!search.asked_together[group].insert(tuple).second) continue;
        fresh.push_back(tuple);
        firsts.push_back(tuple.front());
      }
      if (fresh.empty()) continue;
      {
        std::lock_guard lock(m_mutex);
        ++m_result.queries;
      }
      FieldRef any_field{group.collection, ""};
      Status found = search.connector->find_together(*c, group.fields, fresh, [&](const Record& r) -> Status {
        if (reported_before(search, any_field, r)) return {};
        return report(search, *c, r, group.fields.front(), firsts, next);
      });
      if (!found) return store_failed(search, found);
    }
    return {};
  }

  Status report(const Search& search, const Collection& c, const Record& r, const std::string& matched_field,
                const std::vector<std::string>& asked, Level& next) {
    std::lock_guard lock(m_mutex);
    ++m_result.records_by_collection[c.key()];
    follow_references(c, r, next);
    return m_visit(FoundRecord{*search.system, c, search.tenant, r, matched_field, asked});
  }

  // A store that cannot be reached is reported and left; any other failure (a bug, a bad map) stops.
  Status store_failed(Search& search, const Status& found) {
    if (found.error().code != ErrorCode::unavailable) return found;
    std::lock_guard lock(m_mutex);
    m_result.failures.push_back({search.system->name, search.tenant, found.error().message});
    search.failed = true;
    return {};
  }

  // Whether an earlier query of this collection already returned the record: it holds a value
  // that was asked for on another field. This needs memory for the values asked, not for the
  // records found, which may be millions.
  static bool reported_before(const Search& search, const FieldRef& current, const Record& r) {
    for (const auto& [field, values] : search.asked) {
      if (field.collection != current.collection || field.field == current.field) continue;
      auto value = field_value(r, field.field);
      if (value && values.contains(*value)) return true;
    }
    return false;
  }

  // The tokens asked of this text log collection before this query.
  static TokenMatcher earlier_tokens(const Search& search, const FieldRef& current, const std::vector<std::string>& fresh) {
    std::set<std::string> now(fresh.begin(), fresh.end());
    std::vector<std::string> earlier;
    for (const auto& [field, values] : search.asked) {
      if (field.collection != current.collection) continue;
      for (const auto& v : values)
        if (!now.contains(v)) earlier.push_back(v);
    }
    return TokenMatcher(earlier);
  }

  static bool reported_in_log(const TokenMatcher& earlier, const Record& r) {
    const Value* line = r.get("line");
    return line && !earlier.empty() && earlier.matches(value_text(*line));
  }

  // The keys this record gives the next level: each referenced field's value, and for a lookup
  // by several fields together, the tuple of this record's values (never mixed with another's).
  void follow_references(const Collection& c, const Record& r, Level& next) const {
    for (const auto& ref : m_map.references) {
      if (ref.from.collection != c.key()) continue;
      const Collection* target = m_map.collection(ref.to.collection);
      if (const auto* group = target ? group_of(*target, ref.to.field) : nullptr) {
        if (ref.to.field == group->front()) follow_group(c, r, *target, *group, next);
        continue;
      }
      if (auto value = field_value(r, ref.from.field)) next.single[ref.to].insert(*value);
    }
  }

  static const std::vector<std::string>* group_of(const Collection& c, const std::string& field) {
    for (const auto& group : c.grouped_lookups) {
      if (std::find(group.begin(), group.end(), field) != group.end()) return &group;
    }
    return nullptr;
  }

  void follow_group(const Collection& c, const Record& r, const Collection& target,
                    const std::vector<std::string>& group, Level& next) const {
    Tuple tuple;
    for (const auto& field : group) {
      auto ref = std::find_if(m_map.references.begin(), m_map.references.end(), [&](const Reference& x) {
        return x.from.collection == c.key() && x.to.collection == target.key() && x.to.field == field;
      });
      std::optional<std::string> value = ref == m_map.references.end() ? std::nullopt : field_value(r, ref->from.field);
      if (!value) return;  // this record does not hold the whole group
      tuple.push_back(*value);
    }
    next.together[GroupRef{target.key(), group}].insert(std::move(tuple));
  }

  const DataMap& m_map;
  const LocateScope& m_scope;
  const FoundRecordVisitor& m_visit;
  const ConnectorOpener& m_open;
  std::vector<Search> m_searches;
  LocateResult m_result;
  std::mutex m_mutex;  // guards m_result, the next level's keys and calls to the visitor
};

}  // namespace

Result<std::unique_ptr<Connector>> open_for_reading(const StoreSpec& store, std::string_view tenant) {
  return open_connector(store, tenant, AccessMode::read_only);
}

Result<LocateResult> locate(const DataMap& map, const std::vector<SubjectIdentifier>& identifiers,
                            const LocateScope& scope, const FoundRecordVisitor& visit, const ConnectorOpener& open) {
  if (identifiers.empty()) return invalid("locate needs at least one subject identifier");
  return Locator(map, scope, visit, open).run(identifiers);
}

}  // namespace maestro
