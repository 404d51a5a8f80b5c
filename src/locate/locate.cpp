#include "locate/locate.hpp"

#include "scan/token_matcher.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
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

// The people (indexes of the subjects searched together) a key is asked for.
using Owners = std::set<std::size_t>;

// A lookup of a collection by several fields together (an API read with grouped inputs), and
// the values of one record for them.
struct GroupRef {
  std::string collection;
  std::vector<std::string> fields;
  friend auto operator<=>(const GroupRef&, const GroupRef&) = default;
};
using Tuple = std::vector<std::string>;

// The keys one level of the search asks for, and for whom: single fields, and fields asked
// together.
struct Level {
  std::map<FieldRef, std::map<std::string, Owners>> single;
  std::map<GroupRef, std::map<Tuple, Owners>> together;
  bool empty() const { return single.empty() && together.empty(); }
};

// One search of one tenant of one system: the connector, and what has been asked and seen.
struct Search {
  const System* system;
  std::string tenant;
  std::unique_ptr<Connector> connector;
  std::map<FieldRef, std::map<std::string, Owners>> asked;  // values already queried per field, and for whom
  std::map<GroupRef, std::map<Tuple, Owners>> asked_together;
  bool failed = false;
  StoreStats stats;
};

// The value of `field` in a record as text, if it has one.
std::optional<std::string> field_value(const Record& r, const std::string& field) {
  Value v = r.field(field);
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  return value_text(v);
}

// The keys of `wanted` not asked yet for some of their people, with those people; records them
// as asked.
template <typename Key>
std::map<Key, Owners> fresh_keys(std::map<Key, Owners>& asked, const std::map<Key, Owners>& wanted) {
  std::map<Key, Owners> fresh;
  for (const auto& [key, owners] : wanted) {
    Owners& before = asked[key];
    for (std::size_t owner : owners) {
      if (before.insert(owner).second) fresh[key].insert(owner);
    }
  }
  return fresh;
}

// A key compared as a database may compare it: case and surrounding spaces ignored.
std::string loose(std::string_view key) {
  while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  std::string out(key);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Who asked for the records of one query: the key a record holds gives its people.
template <typename Key>
class OwnerIndex {
 public:
  explicit OwnerIndex(const std::map<Key, Owners>& fresh) : m_fresh(fresh) {
    for (const auto& [key, owners] : fresh) m_everyone.insert(owners.begin(), owners.end());
    m_one_group =
        std::all_of(fresh.begin(), fresh.end(), [&](const auto& entry) { return entry.second == m_everyone; });
  }
  // Whether everyone in this query asked for every key alike (one person searched alone): then
  // every record found is theirs.
  bool one_group() const { return m_one_group; }
  const Owners& everyone() const { return m_everyone; }
  const Owners* find(const Key& key) {
    auto exact = m_fresh.find(key);
    if (exact != m_fresh.end()) return &exact->second;
    if (m_loose.empty()) {
      for (const auto& [k, owners] : m_fresh) m_loose[loosened(k)].insert(owners.begin(), owners.end());
    }
    auto similar = m_loose.find(loosened(key));
    return similar == m_loose.end() ? nullptr : &similar->second;
  }

 private:
  static Key loosened(const Key& key) {
    if constexpr (std::is_same_v<Key, std::string>) {
      return loose(key);
    } else {
      Key out;
      for (const auto& part : key) out.push_back(loose(part));
      return out;
    }
  }
  const std::map<Key, Owners>& m_fresh;
  Owners m_everyone;
  bool m_one_group = false;
  std::map<Key, Owners> m_loose;
};

// The keys of `fresh` one person asked for.
template <typename Key>
std::vector<Key> keys_of(const std::map<Key, Owners>& fresh, std::size_t owner) {
  std::vector<Key> out;
  for (const auto& [key, owners] : fresh) {
    if (owners.contains(owner)) out.push_back(key);
  }
  return out;
}

template <typename Key>
std::map<Key, Owners> only(const std::map<Key, Owners>& fresh, std::size_t owner) {
  std::map<Key, Owners> out;
  for (const auto& key : keys_of(fresh, owner)) out[key] = {owner};
  return out;
}

class Locator {
 public:
  Locator(const DataMap& map, const LocateScope& scope, const SubjectRecordVisitor& visit, const ConnectorOpener& open)
      : m_map(map), m_scope(scope), m_visit(visit), m_open(open) {}

  Result<BatchLocateResult> run(const std::vector<std::vector<SubjectIdentifier>>& subjects) {
    m_result.subjects.resize(subjects.size());
    for (const auto& identifiers : subjects) {
      auto& by_kind = m_identities.emplace_back();
      for (const auto& id : identifiers) by_kind[id.kind].push_back(id.value);
    }
    open_searches();
    // Everyone's identifiers, for stores that filter by them; a store that answers for one
    // person is told whose turn it is before each query (ask()).
    std::map<std::string, std::vector<std::string>> everyones;
    for (const auto& by_kind : m_identities) {
      for (const auto& [kind, values] : by_kind)
        everyones[kind].insert(everyones[kind].end(), values.begin(), values.end());
    }
    for (auto& search : m_searches) {
      if (search.connector && !one_by_one(search)) search.connector->know_identities(everyones);
    }
    // The first level: every identity field of a kind the request knows.
    Level level;
    for (std::size_t owner = 0; owner < subjects.size(); ++owner) {
      for (const auto& id : subjects[owner]) {
        for (const auto& field : m_map.identity_fields(id.kind)) level.single[field][id.value].insert(owner);
      }
    }
    while (!level.empty()) {
      Level next;
      if (auto ok = run_level_everywhere(level, next); !ok) return propagate(ok.error());
      level = std::move(next);
    }
    for (auto& search : m_searches) {
      if (search.connector) {
        search.stats.requests = search.connector->traffic().requests;
        search.stats.bytes_read = search.connector->traffic().bytes_read;
      }
      m_result.stores.push_back(search.stats);
    }
    return std::move(m_result);
  }

 private:
  bool tenant_in_scope(const std::string& tenant) const {
    return m_scope.tenants.empty() ||
           std::find(m_scope.tenants.begin(), m_scope.tenants.end(), tenant) != m_scope.tenants.end();
  }

  bool one_by_one(const Search& search) const {
    return m_identities.size() > 1 && search.connector->answers_for_one_person();
  }

  // Runs `query` with the fresh keys: once for everyone, or, for a store whose answers depend on
  // the person, once per person with that person's identities and keys only.
  template <typename Key, typename Query>
  Status ask(Search& search, const std::map<Key, Owners>& fresh, Query&& query) {
    if (!one_by_one(search)) return query(fresh);
    OwnerIndex asking(fresh);
    for (std::size_t owner : asking.everyone()) {
      search.connector->know_identities(m_identities[owner]);
      if (Status done = query(only(fresh, owner)); !done) return done;
    }
    return {};
  }

  void open_searches() {
    for (const auto& system : m_map.systems) {
      if (system.store.type == "manual") continue;
      std::vector<std::string> tenants =
          system.store.tenants.empty() ? std::vector<std::string>{""} : system.store.tenants;
      for (const auto& tenant : tenants) {
        if (!tenant.empty() && !tenant_in_scope(tenant)) continue;
        Search s{&system, tenant, nullptr, {}, {}, false, StoreStats{system.name, tenant}};
        auto connector = m_open(system.store, tenant);
        if (!connector) {
          for (auto& subject : m_result.subjects)
            subject.failures.push_back({system.name, tenant, connector.error().message});
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
    // Plain references, not structured bindings: clang 14 cannot capture those in lambdas.
    for (const auto& level_entry : level.single) {
      const FieldRef& field = level_entry.first;
      const Collection* c = m_map.collection(field.collection);
      if (!c || c->system != search.system->name) continue;
      auto fresh = fresh_keys(search.asked[field], level_entry.second);
      if (fresh.empty()) continue;
      Status done = ask(search, fresh, [&](const std::map<std::string, Owners>& keys) {
        return query_single(search, *c, field, keys, next);
      });
      if (!done) return store_failed(search, done);
    }
    return {};
  }

  Status query_single(Search& search, const Collection& c, const FieldRef& field,
                      const std::map<std::string, Owners>& fresh, Level& next) {
    OwnerIndex owners(fresh);
    count_query(search, owners.everyone());
    std::vector<std::string> values;
    for (const auto& [value, who] : fresh) values.push_back(value);
    std::map<std::size_t, std::vector<std::string>> asked_by;  // what each person asked, as locate alone would
    for (std::size_t owner : owners.everyone()) asked_by[owner] = keys_of(fresh, owner);
    bool log = search.system->store.line_format() == "textlog";
    // A text log line holding a token asked earlier was reported then: those tokens, in one matcher.
    std::map<std::string, Owners> earlier =
        log ? earlier_tokens(search, field, fresh) : std::map<std::string, Owners>{};
    std::vector<std::string> earlier_values;
    for (const auto& [value, who] : earlier) earlier_values.push_back(value);
    TokenForms forms = search.system->store.matches_by_kind() ? TokenForms::by_kind : TokenForms::exact;
    TokenMatcher earlier_matcher(earlier_values, forms);
    std::optional<TokenMatcher> fresh_matcher;
    if (log && !owners.one_group()) fresh_matcher.emplace(values, forms);
    return timed(search, [&] {
      return search.connector->find(c, field.field, values, [&](const Record& r) -> Status {
        Owners found_for;
        if (owners.one_group()) {
          found_for = owners.everyone();
        } else if (log) {
          fresh_matcher->each_match(line_of(r), [&](const std::string& token) {
            const Owners* who = owners.find(token);
            if (who) found_for.insert(who->begin(), who->end());
          });
        } else if (auto value = field_value(r, field.field);
                   const Owners* who = value ? owners.find(*value) : nullptr) {
          found_for = *who;
        } else {
          return unattributable(c, field.field);
        }
        for (std::size_t owner : found_for) {
          bool seen =
              log ? reported_in_log(earlier_matcher, earlier, r, owner) : reported_before(search, field, r, owner);
          if (seen) continue;
          if (Status s = report(owner, search, c, r, field.field, asked_by[owner], next); !s) return s;
        }
        return {};
      });
    });
  }

  // Lookups by several fields together, each tuple the values of one record.
  Status run_grouped_lookups(Search& search, const Level& level, Level& next) {
    for (const auto& level_entry : level.together) {
      const GroupRef& group = level_entry.first;
      if (!in_system(search, group.collection)) continue;
      const Collection* c = m_map.collection(group.collection);
      auto fresh = fresh_keys(search.asked_together[group], level_entry.second);
      if (fresh.empty()) continue;
      Status done = ask(search, fresh, [&](const std::map<Tuple, Owners>& keys) {
        return query_together(search, *c, group, keys, next);
      });
      if (!done) return store_failed(search, done);
    }
    return {};
  }

  Status query_together(Search& search, const Collection& c, const GroupRef& group,
                        const std::map<Tuple, Owners>& fresh, Level& next) {
    OwnerIndex owners(fresh);
    count_query(search, owners.everyone());
    std::vector<Tuple> tuples;
    for (const auto& [tuple, who] : fresh) tuples.push_back(tuple);
    std::map<std::size_t, std::vector<std::string>> firsts;  // what each record was found by, for erasure planning
    for (std::size_t owner : owners.everyone()) {
      for (const auto& tuple : keys_of(fresh, owner)) firsts[owner].push_back(tuple.front());
    }
    FieldRef any_field{group.collection, ""};
    return timed(search, [&] {
      return search.connector->find_together(c, group.fields, tuples, [&](const Record& r) -> Status {
        Owners found_for;
        if (owners.one_group()) {
          found_for = owners.everyone();
        } else {
          Tuple tuple;
          for (const auto& f : group.fields) tuple.push_back(field_value(r, f).value_or(""));
          const Owners* who = owners.find(tuple);
          if (!who) return unattributable(c, group.fields.front());
          found_for = *who;
        }
        for (std::size_t owner : found_for) {
          if (reported_before(search, any_field, r, owner)) continue;
          if (Status s = report(owner, search, c, r, group.fields.front(), firsts[owner], next); !s) return s;
        }
        return {};
      });
    });
  }

  static Status unattributable(const Collection& c, const std::string& field) {
    return fail(ErrorCode::internal, "a record of " + c.key() + " matches none of the values asked of " + field +
                                         ": the requests cannot be told apart; locate them one by one");
  }

  void count_query(Search& search, const Owners& owners) {
    std::lock_guard lock(m_mutex);
    ++m_result.queries;
    ++search.stats.queries;
    for (std::size_t owner : owners) ++m_result.subjects[owner].queries;
  }

  template <typename Query>
  Status timed(Search& search, Query&& query) {
    auto start = std::chrono::steady_clock::now();
    Status s = query();
    search.stats.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
  }

  Status report(std::size_t owner, Search& search, const Collection& c, const Record& r,
                const std::string& matched_field, const std::vector<std::string>& asked, Level& next) {
    std::lock_guard lock(m_mutex);
    ++m_result.subjects[owner].records_by_collection[c.key()];
    ++search.stats.records;
    follow_references(c, r, owner, next);
    return m_visit(owner, FoundRecord{*search.system, c, search.tenant, r, matched_field, asked});
  }

  // A store that cannot be reached is reported and left; any other failure (a bug, a bad map) stops.
  Status store_failed(Search& search, const Status& found) {
    if (found.error().code != ErrorCode::unavailable) return found;
    std::lock_guard lock(m_mutex);
    for (auto& subject : m_result.subjects)
      subject.failures.push_back({search.system->name, search.tenant, found.error().message});
    search.failed = true;
    return {};
  }

  // Whether an earlier query of this collection already returned the record to this person: it
  // holds a value the person asked for on another field. This needs memory for the values
  // asked, not for the records found, which may be millions.
  static bool reported_before(const Search& search, const FieldRef& current, const Record& r, std::size_t owner) {
    for (const auto& [field, values] : search.asked) {
      if (field.collection != current.collection || field.field == current.field) continue;
      auto value = field_value(r, field.field);
      if (!value) continue;
      auto asked = values.find(*value);
      if (asked != values.end() && asked->second.contains(owner)) return true;
    }
    return false;
  }

  // The tokens asked of this text log collection before this query, and by whom.
  static std::map<std::string, Owners> earlier_tokens(const Search& search, const FieldRef& current,
                                                      const std::map<std::string, Owners>& fresh) {
    std::map<std::string, Owners> earlier;
    for (const auto& [field, values] : search.asked) {
      if (field.collection != current.collection) continue;
      for (const auto& [value, owners] : values) {
        auto now = fresh.find(value);
        for (std::size_t owner : owners) {
          if (now == fresh.end() || !now->second.contains(owner)) earlier[value].insert(owner);
        }
      }
    }
    return earlier;
  }

  static std::string line_of(const Record& r) {
    const Value* line = r.get("line");
    return line ? value_text(*line) : std::string();
  }

  static bool reported_in_log(const TokenMatcher& matcher, const std::map<std::string, Owners>& earlier,
                              const Record& r, std::size_t owner) {
    if (matcher.empty()) return false;
    bool seen = false;
    matcher.each_match(line_of(r), [&](const std::string& token) {
      auto who = earlier.find(token);
      if (who != earlier.end() && who->second.contains(owner)) seen = true;
    });
    return seen;
  }

  // The keys this record gives the next level for this person: each referenced field's value,
  // and for a lookup by several fields together, the tuple of this record's values (never mixed
  // with another's).
  void follow_references(const Collection& c, const Record& r, std::size_t owner, Level& next) const {
    for (const auto& ref : m_map.references) {
      if (ref.from.collection != c.key()) continue;
      const Collection* target = m_map.collection(ref.to.collection);
      if (const auto* group = target ? group_of(*target, ref.to.field) : nullptr) {
        if (ref.to.field == group->front()) follow_group(c, r, *target, *group, owner, next);
        continue;
      }
      if (const auto* combined = target ? combination_of(*target, ref.to.field) : nullptr) {
        if (auto value = field_value(r, ref.from.field)) combine(*target, *combined, ref.to.field, *value, owner, next);
        continue;
      }
      if (auto value = field_value(r, ref.from.field)) next.single[ref.to][*value].insert(owner);
    }
  }

  static const std::vector<std::string>* combination_of(const Collection& c, const std::string& field) {
    for (const auto& fields : c.combined_lookups) {
      if (std::find(fields.begin(), fields.end(), field) != fields.end()) return &fields;
    }
    return nullptr;
  }

  // A lookup that combines values of several collections: each new value of one field is asked
  // with every value the same person has of the others so far (later ones combine with it when
  // they come). One person's values only: nobody's are combined with another's.
  void combine(const Collection& target, const std::vector<std::string>& fields, const std::string& field,
               const std::string& value, std::size_t owner, Level& next) const {
    GroupRef key{target.key(), fields};
    auto& known = m_combined[owner][key];
    known.resize(fields.size());
    std::size_t at = static_cast<std::size_t>(std::find(fields.begin(), fields.end(), field) - fields.begin());
    if (!known[at].insert(value).second) return;
    std::vector<Tuple> tuples{Tuple(fields.size())};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      std::vector<Tuple> grown;
      for (const auto& tuple : tuples) {
        for (const auto& option : i == at ? std::set<std::string>{value} : known[i]) {
          Tuple longer = tuple;
          longer[i] = option;
          grown.push_back(std::move(longer));
        }
      }
      tuples = std::move(grown);
    }
    for (auto& tuple : tuples) next.together[key][std::move(tuple)].insert(owner);
  }

  static const std::vector<std::string>* group_of(const Collection& c, const std::string& field) {
    for (const auto& group : c.grouped_lookups) {
      if (std::find(group.begin(), group.end(), field) != group.end()) return &group;
    }
    return nullptr;
  }

  void follow_group(const Collection& c, const Record& r, const Collection& target,
                    const std::vector<std::string>& group, std::size_t owner, Level& next) const {
    Tuple tuple;
    for (const auto& field : group) {
      auto ref = std::find_if(m_map.references.begin(), m_map.references.end(), [&](const Reference& x) {
        return x.from.collection == c.key() && x.to.collection == target.key() && x.to.field == field;
      });
      std::optional<std::string> value = ref == m_map.references.end() ? std::nullopt : field_value(r, ref->from.field);
      if (!value) return;  // this record does not hold the whole group
      tuple.push_back(*value);
    }
    next.together[GroupRef{target.key(), group}][std::move(tuple)].insert(owner);
  }

  // The values found so far for each person's combined lookups (called under m_mutex).
  mutable std::map<std::size_t, std::map<GroupRef, std::vector<std::set<std::string>>>> m_combined;
  const DataMap& m_map;
  const LocateScope& m_scope;
  const SubjectRecordVisitor& m_visit;
  const ConnectorOpener& m_open;
  std::vector<std::map<std::string, std::vector<std::string>>> m_identities;  // per person, by kind
  std::vector<Search> m_searches;
  BatchLocateResult m_result;
  std::mutex m_mutex;  // guards m_result, the next level's keys and calls to the visitor
};

}  // namespace

Result<std::unique_ptr<Connector>> open_for_reading(const StoreSpec& store, std::string_view tenant) {
  return open_connector(store, tenant, AccessMode::read_only);
}

Result<LocateResult> locate(const DataMap& map, const std::vector<SubjectIdentifier>& identifiers,
                            const LocateScope& scope, const FoundRecordVisitor& visit, const ConnectorOpener& open) {
  if (identifiers.empty()) return invalid("locate needs at least one subject identifier");
  SubjectRecordVisitor one = [&](std::size_t, const FoundRecord& found) { return visit(found); };
  auto result = Locator(map, scope, one, open).run({identifiers});
  if (!result) return propagate(result.error());
  return std::move(result->subjects.front());
}

Result<BatchLocateResult> locate_batch(const DataMap& map, const std::vector<std::vector<SubjectIdentifier>>& subjects,
                                       const LocateScope& scope, const SubjectRecordVisitor& visit,
                                       const ConnectorOpener& open) {
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    if (subjects[i].empty())
      return invalid("locate needs at least one identifier for each subject (subject " + std::to_string(i + 1) +
                     " has none)");
  }
  if (subjects.empty()) return BatchLocateResult{};
  return Locator(map, scope, visit, open).run(subjects);
}

}  // namespace maestro
