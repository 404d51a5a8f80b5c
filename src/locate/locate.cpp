#include "locate/locate.hpp"

#include "scan/token_matcher.hpp"

#include <mutex>
#include <set>
#include <thread>


namespace maestro {

std::size_t LocateResult::total() const {
  std::size_t n = 0;
  for (const auto& [key, count] : records_by_collection) n += count;
  return n;
}

namespace {

// One search of one tenant of one system: the connector, and what has been asked and seen.
struct Search {
  const System* system;
  std::string tenant;
  std::unique_ptr<Connector> connector;
  std::map<FieldRef, std::set<std::string>> asked;  // values already queried per field
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
    std::map<FieldRef, std::set<std::string>> level;
    for (const auto& id : identifiers) {
      for (const auto& field : m_map.identity_fields(id.kind)) level[field].insert(id.value);
    }
    while (!level.empty()) {
      std::map<FieldRef, std::set<std::string>> next;
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
        Search s{&system, tenant, nullptr, {}, false};
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
  Status run_level_everywhere(const std::map<FieldRef, std::set<std::string>>& level,
                              std::map<FieldRef, std::set<std::string>>& next) {
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

  bool has_work(const Search& search, const std::map<FieldRef, std::set<std::string>>& level) const {
    for (const auto& entry : level) {
      const Collection* c = m_map.collection(entry.first.collection);
      if (c && c->system == search.system->name) return true;
    }
    return false;
  }

  Status run_level(Search& search, const std::map<FieldRef, std::set<std::string>>& level,
                   std::map<FieldRef, std::set<std::string>>& next) {
    // Plain references, not structured bindings: clang 14 cannot capture those in the lambda below.
    for (const auto& level_entry : level) {
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
        std::lock_guard lock(m_mutex);
        ++m_result.records_by_collection[c->key()];
        follow_references(*c, r, next);
        return m_visit(FoundRecord{*search.system, *c, search.tenant, r, field.field, fresh});
      });
      if (!found) {
        if (found.error().code != ErrorCode::unavailable) return found;  // a bug or bad map: stop
        std::lock_guard lock(m_mutex);
        m_result.failures.push_back({search.system->name, search.tenant, found.error().message});
        search.failed = true;
        return {};
      }
    }
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

  void follow_references(const Collection& c, const Record& r, std::map<FieldRef, std::set<std::string>>& next) const {
    for (const auto& ref : m_map.references) {
      if (ref.from.collection != c.key()) continue;
      if (auto value = field_value(r, ref.from.field)) next[ref.to].insert(*value);
    }
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
