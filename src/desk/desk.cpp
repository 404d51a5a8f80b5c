#include "desk/desk.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "common/text.hpp"
#include "package/package.hpp"

namespace maestro {

using nlohmann::json;

namespace {

constexpr std::size_t k_max_name_length = 200;
constexpr std::size_t k_max_note_length = 10000;
constexpr std::chrono::minutes k_clock_skew_allowance{5};

bool has_control_characters(std::string_view text, bool allow_newlines) {
  return std::any_of(text.begin(), text.end(), [&](unsigned char c) {
    return (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t'))) || c == 0x7f;
  });
}

bool is_simple_token(std::string_view text, std::size_t max_length) {
  return !text.empty() && text.size() <= max_length && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == '#';
  });
}

std::string case_number(int year, int sequence) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "DSAR-%04d-%03d", year, sequence);
  return buffer;
}

// Normalises a case number typed in any case ("dsar-2026-1" stays as typed but upper-cased).
std::string normalise_number(std::string_view number) {
  std::string out = trim(number);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

Status validate_case_number(std::string_view number) {
  bool ok = number.size() >= 13 && number.size() <= 20 && number.substr(0, 5) == "DSAR-" &&
            std::all_of(number.begin() + 5, number.begin() + 9, [](unsigned char c) { return std::isdigit(c); }) &&
            number[9] == '-' &&
            std::all_of(number.begin() + 10, number.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!ok)
    return invalid("invalid case number '" + std::string(number) + "': expected DSAR-YYYY-NNN, e.g. DSAR-2026-001");
  return {};
}

Result<Case> validate_intake(const IntakeRequest& r, const Policy& policy, Instant now) {
  Case c;
  if (r.subjects.empty()) {
    return invalid("give at least one subject identifier, e.g. --subject email:jane@example.com");
  }
  for (const auto& text : r.subjects) {
    auto id = parse_identifier(text);
    if (!id) return propagate(id.error());
    if (std::find(c.identifiers.begin(), c.identifiers.end(), *id) == c.identifiers.end()) c.identifiers.push_back(*id);
  }
  c.subject_name = trim(r.name);
  if (c.subject_name.size() > k_max_name_length || has_control_characters(c.subject_name, false)) {
    return invalid("the subject's name must be at most 200 characters with no control characters");
  }
  auto rights = parse_rights(r.rights);
  if (!rights) return propagate(rights.error());
  c.rights = *rights;
  if (r.jurisdiction.empty()) return invalid("give the jurisdiction, e.g. --jurisdiction uk-gdpr");
  auto jurisdiction = policy.jurisdiction(r.jurisdiction);
  if (!jurisdiction) return propagate(jurisdiction.error());
  c.jurisdiction = (*jurisdiction)->id;
  const auto& channels = known_channels();
  if (std::find(channels.begin(), channels.end(), r.channel) == channels.end()) {
    std::string known;
    for (const auto& ch : channels) known += (known.empty() ? "" : ", ") + ch;
    return invalid("unknown channel '" + r.channel + "': use one of " + known);
  }
  c.channel = r.channel;
  c.received_at = now;
  if (r.received) {
    auto received = parse_instant(*r.received);
    if (!received) return propagate(received.error());
    if (*received > now + k_clock_skew_allowance) {
      return invalid("the received time " + format_instant(*received) + " is in the future");
    }
    c.received_at = *received;
  }
  for (const auto& tenant : r.tenants) {
    if (!is_simple_token(tenant, 64)) {
      return invalid("invalid tenant '" + tenant + "': use letters, digits, '-', '_' or '.' (at most 64)");
    }
    if (std::find(c.tenants.begin(), c.tenants.end(), tenant) == c.tenants.end()) c.tenants.push_back(tenant);
  }
  c.gpc = r.gpc;
  c.formats = trim(r.formats);
  if (!c.formats.empty()) {
    if (auto formats = parse_package_formats(c.formats); !formats) return propagate(formats.error());
  }
  c.language = trim(r.language);
  if (!c.language.empty()) {
    static const std::set<std::string> languages{"en", "de", "fr", "es", "nl", "pt-br"};
    if (!languages.contains(c.language))
      return invalid("unknown language '" + c.language.substr(0, 20) + "' (known: en, de, fr, es, nl, pt-br)");
  }
  c.ticket = trim(r.ticket);
  if (!c.ticket.empty() && !is_simple_token(c.ticket, 128)) {
    return invalid("invalid ticket reference: use letters, digits and - _ . / # (at most 128)");
  }
  return c;
}

bool shares_right(const Case& a, const Case& b) {
  return std::any_of(a.rights.begin(), a.rights.end(),
                     [&](Right r) { return std::find(b.rights.begin(), b.rights.end(), r) != b.rights.end(); });
}

}  // namespace

Desk::Desk(CaseStore& store, const KeyRing& keys, const Policy& policy, const Clock& clock, std::string actor)
    : m_store(store), m_keys(keys), m_policy(policy), m_clock(clock), m_actor(std::move(actor)) {}

std::vector<std::string> Desk::pseudonyms(const Case& c) const {
  std::vector<std::string> out;
  for (const auto& id : c.identifiers) out.push_back(m_keys.pseudonym(id.canonical()));
  return out;
}

Result<std::vector<std::string>> Desk::find_duplicates(const Case& c) {
  std::vector<std::string> out;
  const HolidayCalendar& calendar = m_policy.calendar_for(**m_policy.jurisdiction(c.jurisdiction));
  for (const auto& pseudonym : pseudonyms(c)) {
    auto numbers = m_store.cases_with_subject(pseudonym);
    if (!numbers) return propagate(numbers.error());
    for (const auto& number : *numbers) {
      if (std::find(out.begin(), out.end(), number) != out.end()) continue;
      auto other = m_store.load_case(number);
      if (!other) return propagate(other.error());
      if (!*other || !shares_right(c, **other)) continue;
      Instant earlier = std::min(c.received_at, (*other)->received_at);
      Instant later = std::max(c.received_at, (*other)->received_at);
      if (later <= add_duration(earlier, m_policy.retention.duplicate_window, calendar)) out.push_back(number);
    }
  }
  return out;
}

Status Desk::append_audit(std::string_view case_number, std::string_view action, std::string_view outcome,
                          const std::string& details_json) {
  auto previous = m_store.newest_event();
  if (!previous) return propagate(previous.error());
  AuditEvent e;
  e.at = m_clock.now();
  e.actor = m_actor;
  e.case_number = std::string(case_number);
  e.action = std::string(action);
  e.outcome = std::string(outcome);
  e.details = details_json;
  e = link(std::move(e), *previous);
  return m_store.append_event(e, make_anchor(e, m_keys));
}

Status Desk::record_action(std::string_view case_number, std::string_view action, std::string_view outcome,
                           const std::string& details_json) {
  return m_store.transaction([&] { return append_audit(case_number, action, outcome, details_json); });
}

Result<IntakeResult> Desk::intake(const IntakeRequest& request) {
  auto validated = validate_intake(request, m_policy, m_clock.now());
  if (!validated) return propagate(validated.error());
  return log_case(std::move(*validated));
}

Result<IntakeResult> Desk::log_case(Case c) {
  Instant now = m_clock.now();
  auto deadlines = compute_deadlines(c, m_policy, now);
  if (!deadlines) return propagate(deadlines.error());
  Status done = m_store.transaction([&]() -> Status {
    int year = static_cast<int>(date_of(c.received_at).year());
    auto sequence = m_store.next_case_sequence(year);
    if (!sequence) return propagate(sequence.error());
    c.number = case_number(year, *sequence);
    if (c.appeal_of.empty()) {  // an appeal repeats its original on purpose
      auto duplicates = find_duplicates(c);
      if (!duplicates) return propagate(duplicates.error());
      c.possible_duplicates = *duplicates;
    }
    if (auto ok = m_store.save_case(c, pseudonyms(c)); !ok) return ok;
    if (auto ok = save_queue_facts(c, *deadlines); !ok) return ok;
    json subjects = json::array();
    for (const auto& id : c.identifiers) {
      subjects.push_back({{"kind", id.kind}, {"pseudonym", m_keys.pseudonym(id.canonical())}});
    }
    json details{{"subjects", subjects},
                 {"rights", join_rights(c.rights)},
                 {"jurisdiction", c.jurisdiction},
                 {"channel", c.channel},
                 {"received_at", format_instant(c.received_at)},
                 {"legal_due", format_date(deadlines->legal_due)},
                 {"possible_duplicates", c.possible_duplicates}};
    if (!c.ticket.empty()) details["ticket"] = c.ticket;
    if (c.gpc) details["gpc"] = true;
    if (!c.appeal_of.empty()) details["appeal_of"] = c.appeal_of;
    return append_audit(c.number, "intake", "ok", details.dump());
  });
  if (!done) return propagate(done.error());
  return IntakeResult{std::move(c), std::move(*deadlines)};
}

Result<IntakeResult> Desk::open_appeal(std::string_view original, std::optional<std::string> received) {
  auto first = find(original);
  if (!first) return propagate(first.error());
  const Case& o = first->c;
  if (!o.appeal_of.empty()) {
    return precondition(o.number + " is itself an appeal (of " + o.appeal_of +
                        "): a refused appeal goes to the authority the refusal letter names");
  }
  if (o.state != CaseState::denied) {
    return precondition("only a refused request can be appealed: " + o.number + " is " +
                        std::string(state_name(o.state)));
  }
  auto jurisdiction = m_policy.jurisdiction(o.jurisdiction);
  if (!jurisdiction) return propagate(jurisdiction.error());
  if (!(*jurisdiction)->appeal) {
    return precondition((*jurisdiction)->name + " gives no appeal against a refusal: the requester may complain to " +
                        (*jurisdiction)->authority);
  }
  if (o.personal_data_purged_at) return precondition(o.number + ": its personal data was purged, so the appeal "
                                                     "must be logged as a new request (dsar intake)");
  Case appeal;
  appeal.jurisdiction = o.jurisdiction;
  appeal.rights = o.rights;
  appeal.channel = o.channel;
  appeal.tenants = o.tenants;
  appeal.formats = o.formats;
  appeal.language = o.language;
  appeal.ticket = o.ticket;
  appeal.subject_name = o.subject_name;
  appeal.identifiers = o.identifiers;
  appeal.appeal_of = o.number;
  appeal.received_at = m_clock.now();
  if (received) {
    auto at = parse_instant(*received);
    if (!at) return propagate(at.error());
    if (*at > m_clock.now() + k_clock_skew_allowance)
      return invalid("the received time " + format_instant(*at) + " is in the future");
    if (o.closed_at && *at < *o.closed_at)
      return invalid("an appeal cannot be received before the refusal it appeals (" + format_instant(*o.closed_at) + ")");
    appeal.received_at = *at;
  }
  std::optional<IntakeResult> made;
  Status done = m_store.transaction([&]() -> Status {
    auto logged = log_case(std::move(appeal));
    if (!logged) return propagate(logged.error());
    if (auto ok = append_audit(o.number, "appeal", "ok", json{{"appeal_case", logged->c.number}}.dump()); !ok)
      return ok;
    made = std::move(*logged);
    return {};
  });
  if (!done) return propagate(done.error());
  return std::move(*made);
}

Result<CaseView> Desk::intake_verified_elsewhere(const IntakeRequest& request, std::string_view reason) {
  std::optional<CaseView> made;
  Status done = m_store.transaction([&]() -> Status {
    auto created = intake(request);  // nested: a refused reason takes the new case back with it
    if (!created) return propagate(created.error());
    auto verified = override_verification(created->c.number, reason);
    if (!verified) return propagate(verified.error());
    made = std::move(*verified);
    return {};
  });
  if (!done) return propagate(done.error());
  return std::move(*made);
}

Result<Desk::IdempotentIntake> Desk::intake_once(const IntakeRequest& request, std::string_view key,
                                                 std::string_view request_text) {
  if (key.empty() || key.size() > 200) return invalid("an idempotency key is 1 to 200 characters");
  std::string mac = m_keys.integrity_mac("intake-request:" + std::string(request_text));
  auto seen = m_store.intake_key(key);
  if (!seen) return propagate(seen.error());
  if (*seen) {
    if ((*seen)->request_mac != mac) {
      return fail(ErrorCode::already_exists, "this idempotency key was used for a different request");
    }
    auto c = load((*seen)->case_number);
    if (!c) return propagate(c.error());
    auto v = view(std::move(*c));
    if (!v) return propagate(v.error());
    return IdempotentIntake{IntakeResult{std::move(v->c), std::move(v->deadlines)}, true};
  }
  std::optional<IntakeResult> made;
  Status done = m_store.transaction([&]() -> Status {
    auto result = intake(request);  // nested: one transaction with the key
    if (!result) return propagate(result.error());
    if (auto ok = m_store.remember_intake_key(key, {result->c.number, mac}, m_clock.now()); !ok) return ok;
    made = std::move(*result);
    return {};
  });
  if (!done) return propagate(done.error());
  return IdempotentIntake{std::move(*made), false};
}

Result<Case> Desk::load(std::string_view raw_number) {
  std::string number = normalise_number(raw_number);
  if (auto ok = validate_case_number(number); !ok) return propagate(ok.error());
  auto c = m_store.load_case(number);
  if (!c) return propagate(c.error());
  if (!*c) return not_found("no case " + number + " (run 'maestro dsar list' to see the cases)");
  return std::move(**c);
}

Result<CaseView> Desk::view(Case c) {
  auto deadlines = compute_deadlines(c, m_policy, m_clock.now());
  if (!deadlines) return propagate(deadlines.error());
  return CaseView{std::move(c), std::move(*deadlines)};
}

Result<CaseView> Desk::change_case(std::string_view number, std::string_view action, const Change& change,
                                   const std::string& extra_details) {
  std::optional<Case> changed;
  Status done = m_store.transaction([&]() -> Status {
    auto c = load(number);
    if (!c) return propagate(c.error());
    CaseState before = c->state;
    if (auto ok = change(*c); !ok) return ok;
    if (auto ok = m_store.save_case(*c, c->personal_data_purged_at ? std::vector<std::string>{} : pseudonyms(*c));
        !ok) {
      return ok;
    }
    auto deadlines = compute_deadlines(*c, m_policy, m_clock.now());
    if (!deadlines) return propagate(deadlines.error());
    if (auto ok = save_queue_facts(*c, *deadlines); !ok) return ok;
    json details{{"from", state_name(before)}, {"to", state_name(c->state)}};
    if (!extra_details.empty()) details.update(json::parse(extra_details));
    if (auto ok = append_audit(c->number, action, "ok", details.dump()); !ok) return ok;
    changed = std::move(*c);
    return {};
  });
  if (!done) return propagate(done.error());
  return view(std::move(*changed));
}

Result<CaseView> Desk::acknowledge(std::string_view number) {
  return change_case(number, "acknowledge", [&](Case& c) { return maestro::acknowledge(c, m_clock.now()); });
}

Result<CaseView> Desk::record_verification(std::string_view number, std::string_view method,
                                           VerificationOutcome outcome) {
  if (method.empty() || !is_simple_token(method, 40)) {
    return invalid("give the verification method as a short code, e.g. --method document");
  }
  json extra{{"method", method}, {"outcome", verification_outcome_name(outcome)}};
  return change_case(
      number, "verify",
      [&](Case& c) -> Status {
        auto state = maestro::record_verification(c, m_clock.now(), method, outcome, m_policy);
        if (!state) return propagate(state.error());
        return {};
      },
      extra.dump());
}

Result<CaseView> Desk::start(std::string_view number) {
  return change_case(number, "start", [&](Case& c) { return start_work(c, m_clock.now()); });
}

Result<CaseView> Desk::submit_for_review(std::string_view number) {
  return change_case(number, "review", [&](Case& c) { return maestro::submit_for_review(c, m_clock.now()); });
}

Result<CaseView> Desk::fulfil(std::string_view number) {
  return change_case(number, "fulfil", [&](Case& c) { return maestro::fulfil(c, m_clock.now()); });
}

Result<CaseView> Desk::fulfil_by_exception(std::string_view number, std::string_view reason) {
  std::string text = trim(reason);
  if (text.size() < 5 || text.size() > k_max_note_length || has_control_characters(text, true)) {
    return invalid("give the reason for closing by exception (at least 5 characters of plain text)");
  }
  json extra{{"exception", true}, {"reason_recorded", true}};
  return change_case(
      number, "fulfil",
      [&](Case& c) -> Status {
        auto owed = closing_blockers(c);
        if (auto ok = maestro::fulfil(c, m_clock.now(), true); !ok) return ok;
        std::string what;
        for (const auto& b : owed) what += (what.empty() ? "" : "; ") + b;
        c.notes.push_back({m_clock.now(), m_actor,
                           "Closed as fulfilled by exception" + (what.empty() ? "" : " (" + what + ")") + ": " + text});
        return {};
      },
      extra.dump());
}

Result<CaseView> Desk::deny(std::string_view number, std::string_view reason, std::string_view details) {
  if (details.size() > k_max_note_length || has_control_characters(details, true)) {
    return invalid("the denial details must be at most 10000 characters of plain text");
  }
  json extra{{"reason", reason}, {"details_recorded", !details.empty()}};
  return change_case(
      number, "deny", [&](Case& c) { return maestro::deny(c, m_clock.now(), reason, details, m_policy); },
      extra.dump());
}

Result<CaseView> Desk::withdraw(std::string_view number) {
  return change_case(number, "withdraw", [&](Case& c) { return maestro::withdraw(c, m_clock.now()); });
}

Result<CaseView> Desk::pause(std::string_view number, std::string_view reason) {
  json extra{{"reason", reason}};
  return change_case(
      number, "pause", [&](Case& c) { return maestro::pause(c, m_clock.now(), reason, m_policy); }, extra.dump());
}

Result<CaseView> Desk::resume(std::string_view number) {
  return change_case(number, "resume", [&](Case& c) { return maestro::resume(c, m_clock.now()); });
}

Result<CaseView> Desk::extend(std::string_view number, std::string_view reason) {
  json extra{{"reason", reason}};
  return change_case(
      number, "extend", [&](Case& c) { return maestro::extend(c, m_clock.now(), reason, m_policy); }, extra.dump());
}

Result<CaseView> Desk::add_note(std::string_view number, std::string_view text) {
  std::string note = trim(text);
  if (note.empty()) return invalid("the note is empty");
  if (note.size() > k_max_note_length || has_control_characters(note, true)) {
    return invalid("a note must be at most 10000 characters of plain text");
  }
  // The note may mention the subject: it is stored encrypted, and the audit trail records only
  // that a note was added.
  return change_case(number, "note", [&](Case& c) -> Status {
    if (c.personal_data_purged_at)
      return precondition("cannot add a note to " + c.number + ": its personal data was purged");
    c.notes.push_back({m_clock.now(), m_actor, note});
    return {};
  });
}

Result<CaseView> Desk::find(std::string_view number) {
  auto c = load(number);
  if (!c) return propagate(c.error());
  return view(std::move(*c));
}

Result<std::vector<CaseView>> Desk::open_cases_for(const std::vector<SubjectIdentifier>& identifiers) {
  std::set<std::string> numbers;
  for (const auto& id : identifiers) {
    auto found = m_store.cases_with_subject(m_keys.pseudonym(id.canonical()));
    if (!found) return propagate(found.error());
    numbers.insert(found->begin(), found->end());
  }
  std::vector<CaseView> out;
  for (const auto& number : numbers) {
    auto v = find(number);
    if (!v) return propagate(v.error());
    if (!is_closed(v->c.state)) out.push_back(std::move(*v));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.c.received_at < b.c.received_at; });
  return out;
}

Result<CaseView> Desk::override_verification(std::string_view number, std::string_view reason) {
  std::string text = trim(reason);
  if (text.size() < 5 || text.size() > k_max_note_length || has_control_characters(text, true)) {
    return invalid("give the reason for overriding identity verification (at least 5 characters of plain text)");
  }
  json extra{{"method", "override"}, {"outcome", "passed"}, {"reason_recorded", true}};
  return change_case(
      number, "verify",
      [&](Case& c) -> Status {
        if (c.state == CaseState::received) {
          if (auto ok = maestro::acknowledge(c, m_clock.now()); !ok) return ok;
        }
        auto state = maestro::record_verification(c, m_clock.now(), "override", VerificationOutcome::passed, m_policy);
        if (!state) return propagate(state.error());
        c.notes.push_back({m_clock.now(), m_actor, "Identity verification overridden: " + text});
        return {};
      },
      extra.dump());
}

Result<CaseView> Desk::record_delivery(std::string_view number, const PackageDelivery& delivery,
                                       const std::string& details_json, const std::vector<Redaction>& redactions,
                                       const std::string& password) {
  return change_case(
      number, "export",
      [&](Case& c) -> Status {
        if (is_closed(c.state)) return precondition("cannot deliver a package for " + c.number + ": it is closed");
        PackageDelivery staged = delivery;
        staged.status = "staged";
        c.deliveries.push_back(std::move(staged));
        if (!c.personal_data_purged_at) {
          c.redactions = redactions;
          c.package_password = password;
        }
        // Nothing reaches the requester before the DPO approves (fulfil): the letters go then.
        return {};
      },
      details_json);
}

Result<CaseView> Desk::record_work(std::string_view number, std::string_view action, std::string_view outcome,
                                   const std::string& details_json, const WorkOutcome& work) {
  std::optional<Case> changed;
  Status done = m_store.transaction([&]() -> Status {
    auto c = load(number);
    if (!c) return propagate(c.error());
    c->outcomes.push_back(work);
    if (auto ok = m_store.save_case(*c, c->personal_data_purged_at ? std::vector<std::string>{} : pseudonyms(*c));
        !ok) {
      return ok;
    }
    if (auto ok = append_audit(c->number, action, outcome, details_json); !ok) return ok;
    changed = std::move(*c);
    return {};
  });
  if (!done) return propagate(done.error());
  return view(std::move(*changed));
}

Status Desk::forget_package_password(std::string_view number) {
  std::string code = std::string(number);
  return m_store.transaction([&]() -> Status {
    auto c = load(code);
    if (!c) return propagate(c.error());
    if (c->package_password.empty()) return {};
    c->package_password.clear();
    return m_store.save_case(*c, c->personal_data_purged_at ? std::vector<std::string>{} : pseudonyms(*c));
  });
}

Result<CaseView> Desk::review_redaction(std::string_view number, int id, bool restore, std::string_view reason) {
  std::string why = trim(reason);
  if (restore && why.size() < 5) return invalid("give the reason for restoring the value (at least 5 characters)");
  if (why.size() > k_max_note_length || has_control_characters(why, true))
    return invalid("a reason must be at most 10000 characters of plain text");
  if (id < 0) return invalid("a redaction id is a positive number (0: every pending redaction)");
  if (restore && id == 0) return invalid("restore one redaction at a time: give its id (dsar show --redactions)");
  auto current = find(number);
  if (!current) return propagate(current.error());
  const Case& seen = current->c;
  if (seen.personal_data_purged_at) return precondition(seen.number + ": its personal data was purged");
  // The audit trail says which redactions, their fields and kinds, never the values.
  std::set<int> ids;
  json fields = json::array(), kinds = json::array();
  for (const auto& r : seen.redactions) {
    if ((id != 0 && r.id != id) || (id == 0 && r.status != "pending")) continue;
    ids.insert(r.id);
    fields.push_back(r.field);
    kinds.push_back(r.kind);
  }
  if (ids.empty()) {
    if (id == 0) return precondition(seen.number + " has no pending redaction");
    return not_found(seen.number + " has no redaction #" + std::to_string(id) + " (dsar show " + seen.number +
                     " --redactions lists them)");
  }
  json details{{"decision", restore ? "restored" : "released"}, {"ids", ids}, {"fields", fields}, {"kinds", kinds}};
  return change_case(
      number, "redaction",
      [&](Case& c) -> Status {
        for (auto& r : c.redactions) {
          if (!ids.contains(r.id)) continue;
          r.status = restore ? "restored" : "released";
          if (restore &&
              std::find(c.restored_values.begin(), c.restored_values.end(), r.value) == c.restored_values.end())
            c.restored_values.push_back(r.value);
        }
        if (!why.empty()) {
          c.notes.push_back({m_clock.now(), m_actor,
                             std::string(restore ? "Restored" : "Released") + " redaction " +
                                 (id == 0 ? std::string("(all pending)") : "#" + std::to_string(id)) + ": " + why});
        }
        return {};
      },
      details.dump());
}

Result<std::vector<CaseView>> Desk::list(const CaseQuery& q) {
  auto cases = m_store.load_cases();
  if (!cases) return propagate(cases.error());
  std::vector<CaseView> out;
  for (auto& c : *cases) {
    if (q.state && c.state != *q.state) continue;
    if (q.right && std::find(c.rights.begin(), c.rights.end(), *q.right) == c.rights.end()) continue;
    if (q.jurisdiction && c.jurisdiction != *q.jurisdiction) continue;
    auto v = view(std::move(c));
    if (!v) return propagate(v.error());
    if (q.overdue_only && !v->deadlines.overdue) continue;
    if (q.due_before && (is_closed(v->c.state) ||
                         std::chrono::sys_days{v->deadlines.legal_due} >= std::chrono::sys_days{*q.due_before})) {
      continue;
    }
    out.push_back(std::move(*v));
  }
  return out;
}

Status Desk::save_queue_facts(const Case& c, const Deadlines& deadlines) {
  QueueFacts facts;
  facts.legal_due = deadlines.legal_due;
  facts.paused = c.is_paused();
  if (deadlines.legal_clock_stopped && !is_closed(c.state)) facts.frozen_days_left = deadlines.days_left;
  facts.assignee = c.assignee;
  return m_store.set_queue_facts(c.number, facts);
}

Status Desk::fill_queue_due() {
  for (;;) {
    auto missing = m_store.cases_without_queue_due(200);
    if (!missing) return propagate(missing.error());
    if (missing->empty()) return {};
    Status filled = m_store.transaction([&]() -> Status {
      for (const auto& number : *missing) {
        auto c = load(number);
        if (!c) return propagate(c.error());
        auto v = view(std::move(*c));
        if (!v) return propagate(v.error());
        if (auto ok = save_queue_facts(v->c, v->deadlines); !ok) return ok;
      }
      return {};
    });
    if (!filled) return filled;
  }
}

Result<QueuePage> Desk::queue(const CaseQuery& q, int limit, std::string_view cursor) {
  if (limit < 1 || limit > 500) return invalid("a page holds 1 to 500 cases");
  if (auto ok = fill_queue_due(); !ok) return propagate(ok.error());
  Date today = date_of(m_clock.now());
  CasePageQuery page;
  if (q.state) page.state = std::string(state_name(*q.state));
  if (q.right) page.right = std::string(right_name(*q.right));
  if (q.jurisdiction) page.jurisdiction = *q.jurisdiction;
  if (q.overdue_only) page.overdue_on = today;
  if (q.assignee) page.assignee = q.assignee->empty() ? "-" : *q.assignee;
  if (q.subject) page.subject_pseudonym = m_keys.pseudonym(q.subject->canonical());
  if (!cursor.empty()) {
    std::string number = normalise_number(cursor);
    if (auto ok = validate_case_number(number); !ok) return invalid("the cursor is not a case number");
    page.after = number;
  }
  page.limit = limit;
  auto rows = m_store.queue_page(page);
  if (!rows) {
    if (rows.error().code == ErrorCode::not_found) return invalid("the cursor does not name a case");
    return propagate(rows.error());
  }
  QueuePage out;
  bool more = rows->size() > static_cast<std::size_t>(limit);
  if (more) rows->pop_back();
  if (more && !rows->empty()) out.next_cursor = rows->back().number;
  for (auto& row : *rows) {
    QueueItem item;
    if (row.facts) {  // fill_queue_due gave every case its facts; a row added since may lack them
      const QueueFacts& f = *row.facts;
      item.paused = f.paused;
      item.assignee = f.assignee;
      if (f.frozen_days_left) {
        // The legal clock stands still: the days left stay, the due date moves on each day.
        item.days_left = *f.frozen_days_left;
        item.legal_due = add_days(today, item.days_left);
      } else {
        item.legal_due = f.legal_due;
        item.days_left = days_between(row.closed_at ? date_of(*row.closed_at) : today, f.legal_due);
      }
      item.overdue = !row.closed_at && item.days_left < 0;
    }
    item.entry = std::move(row);
    out.items.push_back(std::move(item));
  }
  return out;
}

Result<CaseView> Desk::assign(std::string_view number, std::string_view assignee) {
  if (assignee.size() > 200 ||
      std::any_of(assignee.begin(), assignee.end(), [](unsigned char ch) { return ch < 0x20; }))
    return invalid("an assignee is an operator's name or email, at most 200 characters on one line");
  json details{{"assignee", std::string(assignee)}};
  return change_case(
      number, "assign",
      [&](Case& c) -> Status {
        if (is_closed(c.state)) return precondition("case " + c.number + " is closed");
        c.assignee = std::string(assignee);
        return {};
      },
      details.dump());
}

Result<CaseStore::QueueCounts> Desk::queue_counts(int days) {
  if (auto ok = fill_queue_due(); !ok) return propagate(ok.error());
  Date today = date_of(m_clock.now());
  return m_store.queue_counts(today, add_days(today, days));
}

Result<AuditCheck> Desk::verify_audit() {
  ChainVerifier verifier(m_keys);
  Status read = m_store.for_each_event("", [&](const AuditEvent& e) -> Status {
    verifier.check(e);
    return {};
  });
  if (!read) return propagate(read.error());
  auto anchor = m_store.audit_anchor();
  if (!anchor) return propagate(anchor.error());
  verifier.finish(*anchor);
  AuditCheck check;
  check.intact = verifier.intact();
  check.events = verifier.events_checked();
  check.first_broken = verifier.first_broken();
  check.problem = verifier.problem().value_or("");
  check.head_hash = verifier.head_hash();
  return check;
}

Result<MailDraft> Desk::record_mail_draft(MailDraft draft, std::string_view message_key, std::string_view guess_json,
                                          std::string_view raw_message) {
  draft.message_mac = m_keys.pseudonym("mail:" + std::string(message_key));
  draft.recorded_at = m_clock.now();
  draft.sealed_guess = m_keys.seal(guess_json);
  draft.sealed_message = m_keys.seal(raw_message);
  Status done = m_store.transaction([&]() -> Status {
    auto id = m_store.add_mail_draft(draft);
    if (!id) return propagate(id.error());
    draft.id = *id;
    json details{{"draft", draft.id}, {"state", draft.state}, {"confidence", draft.confidence}, {"rights", draft.rights}};
    if (!draft.ignored_reason.empty()) details["reason"] = draft.ignored_reason;
    return append_audit("", "mail-received", "ok", details.dump());
  });
  if (!done) return propagate(done.error());
  return draft;
}

Status Desk::save_mail_draft(const MailDraft& draft, std::string_view action) {
  return m_store.transaction([&]() -> Status {
    if (auto ok = m_store.update_mail_draft(draft); !ok) return ok;
    json details{{"draft", draft.id}, {"state", draft.state}};
    if (!draft.ignored_reason.empty()) details["reason"] = draft.ignored_reason;
    return append_audit(draft.case_number, action, "ok", details.dump());
  });
}

Result<std::vector<MailDraft>> Desk::mail_drafts(std::string_view state, int limit) {
  return m_store.load_mail_drafts(state, limit);
}

Result<MailDraft> Desk::mail_draft(std::int64_t id) {
  auto draft = m_store.mail_draft(id);
  if (!draft) return propagate(draft.error());
  if (!*draft) return fail(ErrorCode::not_found, "no mail draft #" + std::to_string(id) + " (see 'maestro mail list')");
  return **draft;
}

Result<std::vector<MailDraft>> Desk::mail_drafts_of_case(std::string_view number) {
  return m_store.load_mail_drafts_of_case(number);
}

Status Desk::record_evidence_viewed(const MailDraft& draft, std::size_t index) {
  json details{{"draft", draft.id}, {"attachment", index}};
  return append_audit(draft.case_number, "evidence-viewed", "ok", details.dump());
}

Status Desk::audit_events_after(std::int64_t after, int limit, const std::function<Status(const AuditEvent&)>& visit) {
  return m_store.for_each_event_after(after, limit, visit);
}

Result<std::int64_t> Desk::newest_audit_sequence() {
  auto newest = m_store.newest_event();
  if (!newest) return propagate(newest.error());
  return *newest ? (*newest)->sequence : 0;
}

Result<std::optional<std::int64_t>> Desk::trail_cursor(std::string_view follower) {
  return m_store.trail_cursor(follower);
}

Status Desk::save_trail_cursor(std::string_view follower, std::int64_t sequence) {
  return m_store.save_trail_cursor(follower, sequence);
}

Status Desk::audit_events(std::string_view case_number, const std::function<Status(const AuditEvent&)>& visit) {
  std::string number;
  if (!case_number.empty()) {
    number = normalise_number(case_number);
    if (auto ok = validate_case_number(number); !ok) return ok;
  }
  return m_store.for_each_event(number, visit);
}

Result<PurgeResult> Desk::purge_expired(bool dry_run) {
  Instant now = m_clock.now();
  auto cases = m_store.load_cases();
  if (!cases) return propagate(cases.error());
  PurgeResult result;
  for (const auto& c : *cases) {
    if (!is_closed(c.state) || !c.closed_at || c.personal_data_purged_at) continue;
    const HolidayCalendar& calendar = m_policy.calendar_for(**m_policy.jurisdiction(c.jurisdiction));
    if (add_duration(*c.closed_at, m_policy.retention.personal_data_after_close, calendar) > now) continue;
    result.purged.push_back(c.number);
  }
  if (dry_run) return result;
  json extra{{"retention", format_duration(m_policy.retention.personal_data_after_close)}};
  for (const auto& number : result.purged) {
    auto purged = change_case(
        number, "purge",
        [&](Case& c) -> Status {
          c.subject_name.clear();
          c.identifiers.clear();
          c.notes.clear();
          c.redactions.clear();
          c.restored_values.clear();
          c.denial_details.clear();
          c.package_password.clear();
          c.personal_data_purged_at = now;
          return {};
        },
        extra.dump());
    if (!purged) return propagate(purged.error());
  }
  return result;
}

}  // namespace maestro
