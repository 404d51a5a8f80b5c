// The data map: where a company keeps personal data, and how one person's records connect.
//
// Systems hold one store each (a database, files, an API) with collections (tables, file
// globs) and fields. A field may be an identity a request can start from (email, customer id),
// may reference another collection's field (customer.id -> invoice.customer_id), carries
// fideslang data categories, and says how it is erased. Both Maestro's datamap.yaml and Fides
// dataset files load into this one model (datamap_loader.cpp); docs/datamap.md documents it.
//
//   DataMap map = *load_data_map("datamap.yaml");
//   for (const auto& edge : map.edges()) ...   // customer.id -> invoice.customer_id
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cases/calendar.hpp"
#include "common/result.hpp"

namespace maestro {

enum class ErasureAction { delete_row, set_null, redact, hash, hmac, random, generalize, retain };

std::string_view erasure_action_name(ErasureAction action);

struct ErasureStrategy {
  ErasureAction action = ErasureAction::set_null;
  std::string text;                    // redact: the replacement text
  std::string legal_reason;            // retain: why the law requires keeping it
  std::optional<Duration> retain_for;  // retain: how long
};

struct FieldRef {
  std::string collection;  // "<system>.<collection>" once resolved
  std::string field;       // a column, or a dotted path into a JSON column
  friend bool operator==(const FieldRef&, const FieldRef&) = default;
  friend auto operator<=>(const FieldRef&, const FieldRef&) = default;
};

struct Field {
  std::string name;  // a column, or "payload.customerName" for a JSON path inside column "payload"
  std::vector<std::string> categories;
  std::optional<std::string> identity;  // the identifier kind a request may start from
  bool primary_key = false;
  bool other_person = false;  // holds another individual's data (Art. 15(4)): left out of exports
  std::string data_type;
  std::optional<ErasureStrategy> erasure;
  // An HTTP API's request parameter that finds records (`<user_id>`), not a field the records
  // hold: it takes part in lookups and references, never in exports or erasure.
  bool lookup_only = false;
  // The part of a composite DROP identifier this field holds (first_name, last_name,
  // date_of_birth, zip, vin): California's NDZ and NameVIN lists hash them together.
  std::string drop_part;
  // What the requester reads in the report instead of the column name, and what it means.
  std::string label, description;
};

// A decision made about the person by automated means (Art. 15(1)(h), Art. 22).
struct AutomatedDecision {
  std::string name;          // e.g. "Fraud screening at checkout"
  std::string logic;         // the logic involved, in plain words
  std::string significance;  // its significance and envisaged consequences for the person
};

// A transfer of the data outside the UK/EEA (Art. 15(2)) and the safeguard that covers it.
struct Transfer {
  std::string country;
  std::string recipient;  // optional: who receives it there
  std::string safeguard;  // one of transfer_safeguards()
};

// The safeguards a transfer may name: adequacy, standard_contractual_clauses,
// binding_corporate_rules, uk_idta, uk_addendum, derogation.
const std::vector<std::string>& transfer_safeguards();

// A raw reference as written: `from` knows values that find rows of `to`.
struct Reference {
  FieldRef from;
  FieldRef to;
};

// A field that records a processing choice on the person's rows: restriction (Art. 18, e.g.
// a label `restricted`) or objection (Art. 21/22, e.g. ai_enabled = false).
struct ProcessingMarker {
  std::string field;
  std::string value;                  // set when the right is exercised
  std::optional<std::string> lifted;  // set when it is lifted; none: lifting is done by hand
};

// An HTTP API's requests for one collection (store type `http`), from Maestro's map or a Fides
// SaaS config. Strings may hold placeholders: <param> (a request parameter), <connector param>,
// <masked_object_fields> (update bodies).
struct HttpParam {
  std::string name;                     // the placeholder it fills
  std::string field;                    // the collection's lookup field it answers (find(field, value))
  std::optional<std::string> identity;  // filled from the person's identifier of this kind
  bool from_reference = false;          // filled from a referenced collection's field
};
struct HttpPostprocessor {
  std::string strategy;                 // filter: keep items whose `field` equals `value`; unwrap: take `data_path`
  std::string field;                    // filter
  std::string value;                    // filter: a literal or a <placeholder>
  std::optional<std::string> identity;  // filter: compare with the person's identifier of this kind
  std::string data_path;                // unwrap
};
struct HttpPagination {
  std::string strategy;  // "", link, offset, cursor
  std::map<std::string, std::string>
      config;  // source/rel/path; incremental_param/increment_by/limit; cursor_param/field
};
// At most `rate` requests in any `period_seconds`, counted under `key` (Fides' rate_limit_config).
struct HttpRateLimit {
  int rate = 0;
  int period_seconds = 1;
  std::string key;  // limits with the same key share their count
};
struct HttpAsync;
struct HttpRequestSpec {
  std::string method = "GET";
  std::string base_url;  // the request's own protocol://host (a Fides request's client_config); "" = the store's
  // The request's own authentication (a Fides request's client_config): "strategy" (basic, bearer,
  // api_key) and its templates ("username", "token", "header.X-Key", "query.key"); empty: the store's.
  std::map<std::string, std::string> auth;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<HttpParam> params;
  // Placeholders filled from a connector parameter of another name (Segment's <workspace_name>
  // from its `workspace`): placeholder -> connector parameter.
  std::map<std::string, std::string> connector_aliases;
  // Parameters filled together from one record (Fides' grouped_inputs): an account's id and a
  // contact's number in that account, never one record's id with another's number.
  std::vector<std::string> grouped_inputs;
  std::string data_path;  // dotted path to the records in the answer; "" for the whole answer
  std::vector<HttpPostprocessor> postprocessors;
  HttpPagination pagination;
  bool ignore_all_errors = false;
  std::vector<int> ignore_errors;  // statuses treated as "nothing here"
  std::vector<HttpRateLimit> rate_limits;  // this request's own, besides the store's
  // A parameter without a value (a referenced field the record lacks) skips the request instead
  // of failing the system (Fides' skip_missing_param_values).
  bool skip_missing_param_values = false;
  // An API that answers later (Fides' async_config, strategy polling): the request starts a job,
  // its id at correlation_id_path of the answer (<correlation_id> in the next requests).
  std::shared_ptr<const HttpAsync> async;
  std::string correlation_id_path;
  std::string where;               // file:line, for messages
};
// How an asynchronous request's job is followed: its status asked every `async_poll_seconds` of
// the store until `status_path` holds `completed_value` (for at most `async_timeout_seconds`),
// then, for a read, its records fetched by the result request (at result_path).
struct HttpAsync {
  HttpRequestSpec status;
  std::string status_path, completed_value;
  std::optional<HttpRequestSpec> result;
  std::string result_path;
};
struct HttpResource {
  std::vector<HttpRequestSpec> read;  // tried in turn: the first whose parameter answers the lookup
  std::optional<HttpRequestSpec> update;
  std::optional<HttpRequestSpec> remove;
  // Fides' data_protection_request (Segment's regulations, SparkPost's RTBF): one delete of the
  // person by identifier that erases, at the provider, every record of the system no update of
  // its collection changes. Sent only when the person's records were found in the system.
  bool covers_system = false;

  // A delete without a read (Ada's data-subject request, Qualtrics' erase-personal-data): the
  // API is told the person's identifiers and erases whatever it holds; nothing can be read first
  // or again, so the API's acceptance is the proof.
  bool erases_by_identifier() const { return read.empty() && remove.has_value(); }
};

// What Article 15 requires the requester be told about a collection's processing. A system
// may state it once for all its collections (a Fides dataset's collections take it from there).
struct Article15Info {
  std::string purpose, legal_basis, retention, origin;
  std::vector<std::string> recipients;
  bool recipients_stated = false;  // `recipients: []` says "nobody"; no key says nothing
  // Unset: the map does not say; empty: the map says there are none.
  std::optional<std::vector<AutomatedDecision>> automated_decisions;
  std::optional<std::vector<Transfer>> transfers;
};

struct Collection : Article15Info {
  std::string system;
  std::string name;
  std::string source;  // table name or file glob; defaults to the name
  std::vector<Field> fields;
  std::optional<ErasureStrategy> erasure;  // a whole-row strategy (delete, retain)
  std::string description;
  std::optional<ProcessingMarker> restriction;
  std::optional<ProcessingMarker> objection;
  std::optional<HttpResource> http;  // store type http only
  // Collections of the same system whose erasure comes first (Fides' erase_after: Mailchimp's
  // members only after their list memberships), besides the order references give.
  std::vector<std::string> erase_after;
  // Fields that find records only together, each set from one record of the collection the
  // references name (an API read with grouped inputs). Locate asks for them as tuples.
  std::vector<std::vector<std::string>> grouped_lookups;
  // Fields that find records only together, each from another collection's records (a Fides read
  // with several references and no grouped inputs: Square's orders by location and customer).
  // Locate asks every combination of the values found for one person, never mixing people.
  std::vector<std::vector<std::string>> combined_lookups;

  std::string key() const { return system + "." + name; }
  const Field* field(std::string_view name) const;
  // The Article 15 items the map leaves unsaid for this collection ("purpose", "legal basis",
  // "retention", "recipients", "source"): the requester's report would have a gap there.
  std::vector<std::string> article15_gaps() const;
};

struct StoreSpec {
  std::string type;                             // sqlite, postgres, mysql, jsonl, csv, textlog, s3, http, manual
  std::map<std::string, std::string> settings;  // path, host, port, database, user, password_env, ...
  std::vector<std::string> tenants;             // the store is templated over these ("{tenant}")
  std::vector<HttpRateLimit> rate_limits;       // type http: every request's (Fides' rate_limit_config)
  // type http: requests that record the person's choice at the API by identifier (Fides'
  // consent_requests): opt-out on an objection or a CCPA opt-out, opt-in when it is lifted.
  std::vector<HttpRequestSpec> opt_out_requests, opt_in_requests;

  // How the store's records are lines of files: "jsonl", "csv" or "textlog" for a folder of
  // files of that type and for objects in a bucket (`type: s3`, `format:`); "" for the others.
  std::string line_format() const {
    if (type == "jsonl" || type == "csv" || type == "textlog") return type;
    auto format = settings.find("format");
    return type == "s3" && format != settings.end() ? format->second : "";
  }

  // A text log matches identifiers in every form of their kind (an email in any letter case, a
  // phone number by its digits, an IPv6 address however written) unless `match: exact`.
  bool matches_by_kind() const {
    auto match = settings.find("match");
    return line_format() == "textlog" && (match == settings.end() || match->second != "exact");
  }
};

struct System {
  std::string name;
  std::string description;
  std::string owner;  // who is asked to act for a `manual` system (an email address)
  StoreSpec store;
  Article15Info article15;               // defaults for its collections: each key a collection leaves out
  std::vector<std::string> collections;  // keys into DataMap::collections
};

// A fideslang data category in words: its name and description from the taxonomy file.
struct CategoryText {
  std::string name, description;
};

class DataMap {
 public:
  std::vector<System> systems;
  // The names and descriptions of the categories the map uses, when a taxonomy was loaded.
  std::map<std::string, CategoryText> category_texts;
  std::map<std::string, Collection> collections;  // by "<system>.<collection>"
  std::vector<Reference> references;

  const Collection* collection(std::string_view key) const;
  const System* system(std::string_view name) const;
  // The system's data protection request (HttpResource::covers_system), or null when it has none.
  const Collection* data_protection_request(const System& system) const;
  // Collections that hold an identity of this kind, with the field.
  std::vector<FieldRef> identity_fields(std::string_view kind) const;
  std::set<std::string> identity_kinds() const;
};

// The fideslang data categories, with their names and descriptions (from fideslang_data_categories.yml or a file of
// that shape).
class Taxonomy {
 public:
  static Result<Taxonomy> load(const std::filesystem::path& file);
  bool contains(std::string_view category) const { return m_texts.contains(std::string(category)); }
  std::size_t size() const { return m_texts.size(); }
  const CategoryText* text(std::string_view category) const;

 private:
  std::map<std::string, CategoryText, std::less<>> m_texts;
};

// Loads a datamap.yaml (and the Fides dataset files it names), resolves references, and checks
// that every category is in the taxonomy (when the map names one or `taxonomy` is given), that
// every reference points at an existing field, that no credential is written inline, and that
// every collection can be reached from an identity. Errors name the file and line.
Result<DataMap> load_data_map(const std::filesystem::path& file, const Taxonomy* taxonomy = nullptr);

}  // namespace maestro
