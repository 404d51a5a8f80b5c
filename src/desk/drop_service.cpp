#include "desk/drop_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <unordered_set>

#include "desk/erasure_service.hpp"
#include "desk/rectification_service.hpp"
#include "drop/digest_index.hpp"

namespace maestro {

using nlohmann::json;

namespace {

std::string item_mac(const KeyRing& keys, const std::string& list, const std::string& hash) {
  return keys.pseudonym("drop:" + list + ":" + hash);
}

const std::set<std::string>& open_states() {
  static const std::set<std::string> states{"pending", "matched", "shared", "exempt", "erased", "unmatched"};
  return states;
}

// "20261101" of an item's list file name, and its broker id.
std::pair<std::string, std::string> date_and_broker(const std::string& file) {
  auto first = file.find('_');
  auto second = first == std::string::npos ? std::string::npos : file.find('_', first + 1);
  if (second == std::string::npos) return {"", ""};
  return {file.substr(0, first), file.substr(first + 1, second - first - 1)};
}

}  // namespace

Result<DropImportOutcome> import_drop_lists(Desk& desk, const std::filesystem::path& zip, const DropRules& rules) {
  auto download = read_drop_download(zip, rules);
  if (!download) return propagate(download.error());
  DropImportOutcome out;
  out.files = download->files;
  Instant now = desk.clock().now();
  auto stored = desk.drop_item_ids();
  if (!stored) return propagate(stored.error());
  std::unordered_set<std::string> known(stored->begin(), stored->end());
  // Saved in batches: a crash leaves some saved, and importing the download again adds the rest.
  std::vector<DropItem> batch;
  auto save_batch = [&]() -> Status {
    if (auto ok = desk.save_drop_items(batch); !ok) return ok;
    out.new_items += batch.size();
    batch.clear();
    return {};
  };
  for (const auto& item : download->items) {
    if (known.contains(item.id)) {
      ++out.known_items;
      continue;
    }
    batch.push_back({item.id, item.list, item_mac(desk.keys(), item.list, item.hash), desk.keys().seal(item.hash),
                     item.file, now, "pending", "", 0, {}});
    if (batch.size() == 10000)
      if (auto ok = save_batch(); !ok) return propagate(ok.error());
  }
  if (auto ok = save_batch(); !ok) return propagate(ok.error());
  // Cancelled consumers: their work is withdrawn, by work item ID or by hash on any list.
  std::set<std::string> removed_ids(download->removed_ids.begin(), download->removed_ids.end());
  std::set<std::string> removed_macs;
  for (const auto& hash : download->removed_hashes) {
    for (const auto& [list, kinds] : rules.lists()) removed_macs.insert(item_mac(desk.keys(), list, hash));
  }
  if (!removed_ids.empty() || !removed_macs.empty()) {
    auto items = desk.drop_items("");
    if (!items) return propagate(items.error());
    std::vector<DropItem> withdrawn;
    for (auto& item : *items) {
      if (item.state == "withdrawn" || item.code != 0) continue;  // answered work stays answered
      if (!removed_ids.contains(item.id) && !removed_macs.contains(item.hash_mac)) continue;
      item.state = "withdrawn";
      withdrawn.push_back(std::move(item));
    }
    if (auto ok = desk.save_drop_items(withdrawn); !ok) return propagate(ok.error());
    out.withdrawn = withdrawn.size();
  }
  json files = json::array();
  for (const auto& f : out.files) files.push_back({{"file", f.name}, {"list", f.list}, {"rows", f.rows}});
  json details{{"files", files}, {"new_items", out.new_items}, {"known_items", out.known_items}, {"withdrawn", out.withdrawn}};
  if (auto ok = desk.record_action("", "drop-import", "ok", details.dump()); !ok) return propagate(ok.error());
  return out;
}

namespace {

// A record holding a wanted identifier: its identifiers (Maestro's own data, for the case), and
// who it belongs to, as the record's other identifiers say.
struct Hit {
  std::string collection;
  std::vector<std::string> identifiers;  // "kind:value" of the record, the matched one first
  std::string person;                    // the other identifiers, joined: tells consumers apart
};

// A composite list a collection holds every part of, with the fields in the list's order.
struct Composite {
  std::string list;
  std::vector<const Field*> parts;
};

class DropMatcher {
 public:
  DropMatcher(Desk& desk, const DataMap& map, const DropRules& rules, const ConnectorOpener& open)
      : m_desk(desk), m_map(map), m_rules(rules), m_open(open) {}

  Result<DropMatchOutcome> run(bool preview) {
    m_preview = preview;
    if (auto ok = load_and_index_items(); !ok) return propagate(ok.error());
    plan_lists();
    if (auto ok = read_every_store(); !ok) return propagate(ok.error());
    // One consumer, one case: the items whose records are the same person's (an email on one
    // list, a phone on another) are decided together.
    for (const auto& group : consumers()) {
      if (auto ok = decide(group); !ok) return propagate(ok.error());
    }
    if (auto ok = erase_pending(); !ok) return propagate(ok.error());
    if (auto ok = m_desk.save_drop_items(m_not_found); !ok) return propagate(ok.error());
    for (const auto& item : m_items) ++m_out.items_by_state[item.state];
    if (m_preview) return std::move(m_out);
    json details{{"records_read", m_out.records_read},
                 {"identifiers_hashed", m_out.identifiers_hashed},
                 {"items", m_out.items_by_state},
                 {"cases_opened", m_out.cases_opened.size()},
                 {"caught_later", m_out.caught_later},
                 {"stores_not_searched", m_out.failures.size()}};
    if (auto ok = m_desk.record_action("", "drop-match", m_out.failures.empty() ? "ok" : "partial", details.dump()); !ok)
      return propagate(ok.error());
    return std::move(m_out);
  }

 private:
  // Every work item, and the digests of those still to match (or to watch for), opened in memory
  // only; the sealed and keyed hashes are not kept (saving an item updates its state only).
  Status load_and_index_items() {
    Status loaded = m_desk.for_each_drop_item([&](DropItem& item) -> Status {
      if (open_states().contains(item.state)) {
        auto hash = m_desk.keys().open(item.sealed_hash);
        if (!hash) return propagate(hash.error());
        auto digest = drop_digest_of(*hash);
        if (!digest) return fail(ErrorCode::data_loss, "DROP work item " + item.id + " holds a damaged hash");
        m_wanted[item.list].add(*digest, static_cast<std::uint32_t>(m_items.size()));
      }
      std::string().swap(item.sealed_hash);
      std::string().swap(item.hash_mac);
      m_items.push_back(std::move(item));
      return {};
    });
    if (!loaded) return loaded;
    for (auto& [list, index] : m_wanted) index.build();
    return {};
  }

  // Which lists each identity kind of the data map is compared with, and which collections hold
  // every part of a composite list (NDZ, NameVIN: fields marked `drop: first_name` and so on).
  // A list nothing in the map holds stays pending, reported unsearchable.
  void plan_lists() {
    std::set<std::string> kinds_in_map = m_map.identity_kinds();
    std::set<std::string> lists_with_items;
    for (const auto& item : m_items)
      if (open_states().contains(item.state)) lists_with_items.insert(item.list);
    for (const auto& list : lists_with_items) {
      const auto* kinds = m_rules.kinds_of(list);
      bool searchable = false;
      if (kinds && kinds->size() == 1 && kinds_in_map.contains(kinds->front())) {
        m_lists_of_kind[kinds->front()].push_back(list);
        searchable = true;
      } else if (kinds && kinds->size() > 1) {
        searchable = plan_composite(list, *kinds);
      }
      if (!searchable) m_out.unsearchable.push_back(list);
    }
  }

  bool plan_composite(const std::string& list, const std::vector<std::string>& kinds) {
    bool any = false;
    for (const auto& [key, c] : m_map.collections) {
      Composite composite{list, {}};
      for (const auto& kind : kinds) {
        auto f = std::find_if(c.fields.begin(), c.fields.end(), [&](const Field& x) { return x.drop_part == kind; });
        if (f == c.fields.end()) break;
        composite.parts.push_back(&*f);
      }
      if (composite.parts.size() != kinds.size()) continue;
      m_composites[key].push_back(std::move(composite));
      any = true;
    }
    return any;
  }

  Status read_every_store() {
    for (const auto& system : m_map.systems) {
      if (system.store.type == "manual") continue;
      std::vector<std::string> tenants = system.store.tenants.empty() ? std::vector<std::string>{""} : system.store.tenants;
      for (const auto& tenant : tenants) {
        if (auto ok = read_store(system, tenant); !ok) return ok;
      }
    }
    return {};
  }

  Status read_store(const System& system, const std::string& tenant) {
    std::unique_ptr<Connector> connector;
    for (const auto& key : system.collections) {
      const Collection& c = m_map.collections.at(key);
      std::vector<const Field*> fields;
      for (const auto& f : c.fields)
        if (f.identity && m_lists_of_kind.contains(*f.identity)) fields.push_back(&f);
      if (fields.empty() && !m_composites.contains(key)) continue;
      if (!connector) {
        auto opened = m_open(system.store, tenant);
        if (!opened) {
          m_out.failures.push_back({system.name, tenant, opened.error().message});
          return {};
        }
        connector = std::move(*opened);
      }
      Status read = connector->scan(c, [&](const Record& r) { return visit(c, fields, r); });
      if (!read) {
        if (read.error().code == ErrorCode::internal) return read;
        m_out.failures.push_back({system.name, tenant, read.error().message});
      }
    }
    return {};
  }

  Status visit(const Collection& c, const std::vector<const Field*>& fields, const Record& r) {
    ++m_out.records_read;
    if (auto composites = m_composites.find(c.key()); composites != m_composites.end()) {
      for (const auto& composite : composites->second) visit_composite(c, composite, r);
    }
    for (const Field* f : fields) {
      std::string value = value_text(r.field(f->name));
      if (value.empty() || !m_rules.digest(*f->identity, value, m_scratch, m_digest)) continue;
      ++m_out.identifiers_hashed;
      for (const auto& list : m_lists_of_kind.at(*f->identity)) {
        auto in_list = m_wanted.find(list);
        if (in_list == m_wanted.end()) continue;
        std::vector<std::uint32_t> items;
        in_list->second.for_each(m_digest, [&](std::uint32_t item) { items.push_back(item); });
        if (items.empty()) continue;
        Hit hit{c.key(), {*f->identity + ":" + value}, ""};
        for (const auto& other : c.fields) {
          if (!other.identity || &other == f) continue;
          std::string v = value_text(r.field(other.name));
          if (v.empty()) continue;
          hit.identifiers.push_back(*other.identity + ":" + v);
          hit.person += *other.identity + ":" + v + "\n";
        }
        for (std::uint32_t i : items) m_hits[i].push_back(hit);
      }
    }
    return {};
  }

  // A composite identifier: every part of the record, hashed together as the list's rules say.
  void visit_composite(const Collection& c, const Composite& composite, const Record& r) {
    std::vector<std::string> values;
    for (const Field* part : composite.parts) values.push_back(value_text(r.field(part->name)));
    if (!m_rules.composite_digest(composite.list, values, m_digest)) return;
    ++m_out.identifiers_hashed;
    auto in_list = m_wanted.find(composite.list);
    if (in_list == m_wanted.end()) return;
    std::vector<std::uint32_t> items;
    in_list->second.for_each(m_digest, [&](std::uint32_t item) { items.push_back(item); });
    if (items.empty()) return;
    Hit hit{c.key(), {}, ""};
    for (const auto& other : c.fields) {
      if (!other.identity) continue;
      std::string v = value_text(r.field(other.name));
      if (v.empty()) continue;
      hit.identifiers.push_back(*other.identity + ":" + v);
      hit.person += *other.identity + ":" + v + "\n";
    }
    for (std::uint32_t i : items) m_hits[i].push_back(hit);
  }

  // Several consumers share the identifier when one collection holds it for records of
  // different people (their other identifiers differ).
  static std::map<std::string, std::set<std::string>> people_by_collection(const std::vector<Hit>& hits) {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& hit : hits)
      if (!hit.person.empty()) out[hit.collection].insert(hit.person);
    return out;
  }

  // The items of one consumer: items whose hits share a record (the same collection and the same
  // identifiers) are one person's. Items without hits stand alone.
  std::vector<std::vector<std::size_t>> consumers() const {
    std::vector<std::size_t> parent(m_items.size());
    for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = i;
    auto root = [&](std::size_t i) {
      while (parent[i] != i) i = parent[i] = parent[parent[i]];
      return i;
    };
    std::map<std::string, std::size_t> first_item_of_record;
    for (const auto& [item, hits] : m_hits) {
      for (const auto& hit : hits) {
        std::vector<std::string> ids = hit.identifiers;
        std::sort(ids.begin(), ids.end());
        std::string record = hit.collection;
        for (const auto& id : ids) record += "\n" + id;
        auto [it, fresh] = first_item_of_record.emplace(record, item);
        if (!fresh) parent[root(item)] = root(it->second);
      }
    }
    std::map<std::size_t, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < m_items.size(); ++i) groups[root(i)].push_back(i);
    std::vector<std::vector<std::size_t>> out;
    for (auto& [r, members] : groups) out.push_back(std::move(members));
    return out;
  }

  const std::vector<Hit>& hits_of(std::size_t i) const {
    static const std::vector<Hit> no_hits;
    auto found = m_hits.find(i);
    return found == m_hits.end() ? no_hits : found->second;
  }

  Status decide(const std::vector<std::size_t>& group) {
    std::vector<std::size_t> together;  // this consumer's items that an erasure answers
    for (std::size_t i : group) {
      DropItem& item = m_items[i];
      const auto& hits = hits_of(i);
      if (!open_states().contains(item.state)) continue;
      if (m_preview) {
        if (auto ok = foresee(item, hits); !ok) return ok;
        continue;
      }
      bool searched = searched_everywhere(item);
      if (hits.empty()) {
        if (item.state == "matched") {  // an interrupted erasure: complete it
          if (auto ok = erase({&item}, {}); !ok) return ok;
        } else if (item.state == "pending" && searched) {
          item.state = "unmatched";
          m_not_found.push_back(item);  // saved together at the end
        }
        continue;
      }
      if (item.state == "exempt" || item.state == "shared") continue;  // decided; the records are expected
      if (item.state == "erased" && item.code == 0) continue;            // retained copies of the identifier
      bool caught_later = item.code != 0;  // answered before, and a record holding it appeared since
      if (caught_later) ++m_out.caught_later;
      auto people = people_by_collection(hits);
      bool shared = std::any_of(people.begin(), people.end(), [](const auto& entry) { return entry.second.size() > 1; });
      if (shared && !caught_later) {
        if (auto ok = opt_out_each(item, hits, people); !ok) return ok;
        continue;
      }
      together.push_back(i);
    }
    if (together.empty()) return {};
    // One case for the consumer: the one an earlier run opened, else a new one naming every
    // identifier their records hold.
    std::vector<std::string> subjects;
    std::string number;
    for (std::size_t i : together) {
      if (m_items[i].state == "matched" && !m_items[i].case_number.empty() && number.empty())
        number = m_items[i].case_number;
      for (const auto& hit : hits_of(i))
        for (const auto& id : hit.identifiers)
          if (std::find(subjects.begin(), subjects.end(), id) == subjects.end()) subjects.push_back(id);
    }
    if (number.empty()) {
      auto opened = open_case(subjects, "ccpa-delete");
      if (!opened) return propagate(opened.error());
      number = *opened;
    }
    std::vector<DropItem*> items;
    std::vector<DropItem> saved;
    for (std::size_t i : together) {
      m_items[i].case_number = number;
      m_items[i].state = "matched";
      items.push_back(&m_items[i]);
      saved.push_back(m_items[i]);
    }
    if (auto ok = m_desk.save_drop_items(saved); !ok) return ok;
    return erase(items, subjects);
  }

  // Whether every store was read for this item's list: only then is "not found" true.
  bool searched_everywhere(const DropItem& item) const {
    return m_out.failures.empty() &&
           std::find(m_out.unsearchable.begin(), m_out.unsearchable.end(), item.list) == m_out.unsearchable.end();
  }

  // What a match would do, changing nothing: the state the item would reach.
  Status foresee(DropItem& item, const std::vector<Hit>& hits) {
    bool searched = searched_everywhere(item);
    if (hits.empty()) {
      if (item.state == "pending" && searched) item.state = "unmatched";
      return {};
    }
    if (item.state != "pending" && item.state != "unmatched") return {};
    auto people = people_by_collection(hits);
    bool shared = std::any_of(people.begin(), people.end(), [](const auto& entry) { return entry.second.size() > 1; });
    item.state = shared ? "shared" : "matched";
    return {};
  }

  // Opens a CCPA case for the consumer DROP verified, with the identifiers Maestro's records hold.
  Result<std::string> open_case(const std::vector<std::string>& subjects, const std::string& rights) {
    IntakeRequest request;
    for (const auto& s : subjects)
      if (parse_identifier(s)) request.subjects.push_back(s);
    if (request.subjects.empty()) return invalid("a DROP match holds no identifier a case can name");
    request.rights = rights;
    request.jurisdiction = "ccpa";
    request.channel = "drop";
    auto made = m_desk.intake(request);
    if (!made) return propagate(made.error());
    std::string number = made->c.number;
    if (auto ok = m_desk.acknowledge(number); !ok) return propagate(ok.error());
    auto verified = m_desk.override_verification(
        number, "verified by California's Delete Request and Opt-out Platform (DROP): the consumer's identity and "
                "residency are the platform's to check");
    if (!verified) return propagate(verified.error());
    m_out.cases_opened.push_back(number);
    return number;
  }

  // Every item gets the consumer's outcome.
  Status settle(const std::vector<DropItem*>& items, const std::string& state) {
    std::vector<DropItem> saved;
    for (DropItem* item : items) {
      if (!state.empty()) item->state = state;
      saved.push_back(*item);
    }
    return m_desk.save_drop_items(saved);
  }

  // A consumer whose data is to be erased under their case: erased with all the others of the
  // cycle at the end (erase_pending), so that each store is changed once for all of them.
  struct PendingErasure {
    std::vector<DropItem*> items;
    ErasureRequest request;
  };

  // Queues the consumer's erasure, unless a legal hold keeps all their data (exempt).
  Status erase(const std::vector<DropItem*>& items, std::vector<std::string> subjects) {
    const std::string number = items.front()->case_number;
    for (auto& pending : m_pending) {
      if (pending.request.case_number != number) continue;  // another item of a case already queued
      pending.items.insert(pending.items.end(), items.begin(), items.end());
      return {};
    }
    auto view = m_desk.find(number);
    if (!view) return propagate(view.error());
    if (subjects.empty())
      for (const auto& id : view->c.identifiers) subjects.push_back(id.canonical());
    std::vector<SubjectIdentifier> ids;
    for (const auto& s : subjects)
      if (auto id = parse_identifier(s)) ids.push_back(*id);
    auto holds = m_desk.active_holds_for(ids);
    if (!holds) return propagate(holds.error());
    if (!holds->empty()) {
      // All of this consumer's data is under a legal hold: exempt, and the case refused for it.
      if (!is_closed(view->c.state)) {
        auto denied = m_desk.deny(number, "legal-obligation",
                                  "Under a legal hold: answered to DROP as exempt (status 2)");
        if (!denied) return propagate(denied.error());
      }
      return settle(items, "exempt");
    }
    if (view->c.state == CaseState::verified) {
      if (auto started = m_desk.start(number); !started) return propagate(started.error());
    }
    PendingErasure pending{items, {}};
    pending.request.subjects = subjects;
    pending.request.case_number = number;
    pending.request.jurisdiction = "ccpa";
    m_pending.push_back(std::move(pending));
    return {};
  }

  // Erases every queued consumer's data together, answers each of their items from their own
  // proof, and closes each case once its proof is clean (DROP verified the consumer; nobody else
  // acts on it).
  Status erase_pending() {
    if (m_pending.empty()) return {};
    std::vector<ErasureRequest> requests;
    for (const auto& pending : m_pending) requests.push_back(pending.request);
    auto erased = erase_cases(m_desk, m_map, requests);
    if (!erased) return propagate(erased.error());
    std::map<std::string, const ErasureOutcome*> by_case;
    for (const auto& outcome : erased->cases) by_case[outcome.case_number] = &outcome;
    std::map<std::string, std::string> refused(erased->refused.begin(), erased->refused.end());
    for (auto& pending : m_pending) {
      const std::string& number = *pending.request.case_number;
      std::string where = "work item(s)";
      for (const DropItem* item : pending.items) where += " " + item->id;
      where += " (case " + number + "): ";
      auto done = by_case.find(number);
      if (done == by_case.end()) {
        m_out.problems.push_back(where + (refused.contains(number) ? refused[number] : "not erased"));
        if (auto ok = settle(pending.items, ""); !ok) return ok;  // stays matched: the next match completes it
        continue;
      }
      if (auto ok = answer(pending.items, where, *done->second); !ok) return ok;
    }
    m_pending.clear();
    return {};
  }

  // The consumer's items answered from their erasure's outcome.
  Status answer(const std::vector<DropItem*>& items, const std::string& where, const ErasureOutcome& erased) {
    const std::string& number = erased.case_number;
    for (const auto& failed : erased.failed_steps)
      m_out.problems.push_back(where + failed.system + " could not be changed: " + failed.message);
    if (erased.proof && !erased.proof->clean())
      m_out.problems.push_back(where + "the erasure's proof is not clean yet (" +
                               std::to_string(erased.proof->manual_pending.size()) + " manual task(s), " +
                               std::to_string(erased.proof->remaining) + " record(s) remaining)");
    if (!erased.proof || !erased.proof->clean()) return settle(items, "");
    std::size_t changed = 0;
    for (const auto& step : erased.plan.steps) changed += step.applied.rows_deleted + step.applied.rows_changed;
    // Exempt only when the law keeps everything that was found; found and already gone is deleted.
    std::string state = changed == 0 && !erased.proof->retained.empty() ? "exempt" : "erased";
    if (auto closed = m_desk.fulfil(number); !closed)
      m_out.problems.push_back(where + "the case could not be closed: " + closed.error().message);
    return settle(items, state);
  }

  // A shared identifier: every consumer who holds it is opted out of sale and sharing.
  Status opt_out_each(DropItem& item, const std::vector<Hit>& hits,
                      const std::map<std::string, std::set<std::string>>& people) {
    if (item.state == "shared") return {};  // opened before
    std::set<std::string> done;
    std::string cases;
    for (const auto& [collection, persons] : people) {
      for (const auto& person : persons) {
        if (!done.insert(person).second) continue;
        auto hit = std::find_if(hits.begin(), hits.end(), [&](const Hit& h) { return h.person == person; });
        auto opened = open_case(hit->identifiers, "ccpa-opt-out-of-sale");
        if (!opened) return propagate(opened.error());
        cases += (cases.empty() ? "" : ",") + *opened;
        apply_opt_out(*opened);
      }
    }
    item.state = "shared";
    item.case_number = cases;
    return m_desk.save_drop_item(item);
  }

  // Where the data map records opt-outs (an `objection` marker), the consumer's is set and their
  // case closes on it; otherwise the case waits for the operator's 'dsar object'.
  void apply_opt_out(const std::string& number) {
    bool markable = std::any_of(m_map.collections.begin(), m_map.collections.end(),
                                [](const auto& entry) { return entry.second.objection.has_value(); });
    if (!markable) return;
    std::string where = "opt-out case " + number + ": ";
    if (auto started = m_desk.start(number); !started) {
      m_out.problems.push_back(where + started.error().message);
      return;
    }
    MarkRequest mark;
    mark.case_number = number;
    mark.kind = MarkerKind::objection;
    auto marked = mark_subject(m_desk, m_map, mark);
    if (!marked || !marked->failed_steps.empty() || !marked->unsearched.empty() ||
        (marked->proof && !marked->proof->clean())) {
      m_out.problems.push_back(where + (marked ? std::string("the opt-out could not be set everywhere")
                                               : marked.error().message));
      return;
    }
    if (auto closed = m_desk.fulfil(number); !closed) m_out.problems.push_back(where + closed.error().message);
  }

  Desk& m_desk;
  const DataMap& m_map;
  const DropRules& m_rules;
  const ConnectorOpener& m_open;
  std::vector<DropItem> m_items;
  std::map<std::string, std::vector<Composite>> m_composites;  // collection -> composite lists
  std::map<std::string, DropDigestIndex> m_wanted;  // list -> the digests of its open items
  std::string m_scratch;  // the standardized value, reused across records
  DropDigest m_digest{};
  bool m_preview = false;
  std::vector<DropItem> m_not_found;
  std::vector<PendingErasure> m_pending;
  std::map<std::size_t, std::vector<Hit>> m_hits;                      // item -> records holding it
  std::map<std::string, std::vector<std::string>> m_lists_of_kind;
  DropMatchOutcome m_out;
};

// The code owed for an item, or 0 while its outcome is not final.
Result<int> code_for(Desk& desk, const DropItem& item) {
  if (item.state == "unmatched") return 5;
  if (item.state == "exempt") return 2;
  if (item.state == "erased") return 3;
  if (item.state == "shared") {
    // Opted out once every consumer's opt-out case is fulfilled.
    std::size_t start = 0;
    while (start <= item.case_number.size()) {
      std::size_t end = std::min(item.case_number.find(',', start), item.case_number.size());
      auto view = desk.find(item.case_number.substr(start, end - start));
      if (!view) return propagate(view.error());
      if (view->c.state != CaseState::fulfilled) return 0;
      start = end + 1;
    }
    return 4;
  }
  return 0;
}

}  // namespace

Result<DropMatchOutcome> match_drop_lists(Desk& desk, const DataMap& map, const DropRules& rules, bool preview,
                                          const ConnectorOpener& open) {
  return DropMatcher(desk, map, rules, open).run(preview);
}

Result<std::vector<DropCorrection>> drop_corrections_owed(Desk& desk) {
  auto items = desk.drop_items("");
  if (!items) return propagate(items.error());
  std::vector<DropCorrection> out;
  for (const auto& item : *items) {
    if (item.code == 0 || item.state == "withdrawn") continue;
    auto code = code_for(desk, item);
    if (!code) return propagate(code.error());
    if (*code != 0 && *code != item.code) out.push_back({item.id, item.list, item.code, *code, item.case_number});
  }
  return out;
}

Result<DropRespondOutcome> respond_to_drop(Desk& desk, const DropRules& rules, const std::filesystem::path& out_dir) {
  auto items = desk.drop_items("");
  if (!items) return propagate(items.error());
  DropRespondOutcome out;
  std::map<std::pair<std::string, std::string>, std::vector<DropStatusRow>> by_file;  // (broker, list) -> rows
  std::map<std::pair<std::string, std::string>, std::vector<DropStatusRow>> amends;   // corrections, the same way
  std::vector<DropItem*> answered;
  for (auto& item : *items) {
    if (item.state == "withdrawn") continue;
    auto code = code_for(desk, item);
    if (!code) return propagate(code.error());
    if (item.code != 0) {
      // Answered before, and the outcome has changed since (a consumer not found then, found and
      // erased now): the correction goes in an amend file.
      if (*code == 0 || *code == item.code) continue;
      item.code = *code;
      amends[{date_and_broker(item.file).second, item.list}].push_back({item.id, *code});
      ++out.amended;
      answered.push_back(&item);
      continue;
    }
    if (*code == 0) {
      ++out.waiting;
      continue;
    }
    item.code = *code;
    by_file[{date_and_broker(item.file).second, item.list}].push_back({item.id, *code});
    ++out.codes[*code];
    answered.push_back(&item);
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return invalid("cannot create " + out_dir.string() + ": " + ec.message());
  Date today = date_of(desk.clock().now());
  std::string date = format_date(today);
  date.erase(std::remove(date.begin(), date.end(), '-'), date.end());
  for (const auto& [key, rows] : by_file) {
    std::filesystem::path file = out_dir / rules.response_file_name(date, key.first, key.second);
    if (auto ok = write_drop_status_file(file, rules, rows); !ok) return propagate(ok.error());
    out.files.push_back(file);
  }
  for (const auto& [key, rows] : amends) {
    std::filesystem::path file = out_dir / rules.response_file_name(date, key.first, key.second);
    file.replace_filename(file.stem().string() + "_Amend" + file.extension().string());
    if (auto ok = write_drop_status_file(file, rules, rows); !ok) return propagate(ok.error());
    out.amend_files.push_back(file);
  }
  // Recorded once the files are written: a failure before leaves every item to answer again.
  Instant now = desk.clock().now();
  std::vector<DropItem> saved;
  for (DropItem* item : answered) {
    item->responded_at = now;
    saved.push_back(*item);
  }
  if (auto ok = desk.save_drop_items(saved); !ok) return propagate(ok.error());
  json codes = json::object();
  for (const auto& [code, n] : out.codes) codes[std::to_string(code)] = n;
  json details{{"files", out.files.size()},
               {"codes", codes},
               {"waiting", out.waiting},
               {"amend_files", out.amend_files.size()},
               {"amended", out.amended}};
  if (auto ok = desk.record_action("", "drop-respond", "ok", details.dump()); !ok) return propagate(ok.error());
  return out;
}

Result<DropRules> load_drop_rules(const Settings& settings) { return DropRules::load(settings.drop_rules_file); }

namespace {

DropApiSettings api_settings(const Settings& settings) {
  DropApiSettings api;
  api.base_url = settings.drop_api_url;
  const char* key = std::getenv(settings.drop_api_key_env.c_str());
  api.api_key = key ? key : "";
  api.ca_file = settings.drop_ca_file;
  return api;
}

}  // namespace

Result<DropDownloadResult> download_drop_lists(Desk& desk, const Settings& settings, const std::filesystem::path& zip) {
  auto got = drop_download(api_settings(settings), zip, desk.clock().now());
  // The state's API refusing our key is a refusal (nothing changed here), any other error a failure.
  const char* outcome = !got ? (got.error().code == ErrorCode::permission_denied ? "refused" : "failed") : got->state == DropDownloadState::saved ? "ok" : got->state == DropDownloadState::preparing ? "preparing" : "no-data";
  json details{{"file", zip.filename().string()}};
  if (!got) details["error"] = got.error().message;
  if (auto ok = desk.record_action("", "drop-download", outcome, details.dump()); !ok) return propagate(ok.error());
  return got;
}

Status upload_drop_status(Desk& desk, const Settings& settings, const std::filesystem::path& file, bool amend) {
  Status sent = drop_upload(api_settings(settings), file, amend, desk.clock().now());
  json details{{"file", file.filename().string()}, {"amend", amend}};
  if (!sent) details["error"] = sent.error().message;
  if (auto ok = desk.record_action("", "drop-upload", sent ? "ok" : "failed", details.dump()); !ok) return ok;
  return sent;
}

}  // namespace maestro
