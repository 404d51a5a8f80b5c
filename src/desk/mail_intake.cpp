#include "desk/mail_intake.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "crypto/keyring.hpp"
#include "desk/case_actions.hpp"

namespace maestro {

using nlohmann::json;

namespace {

// ASCII letters lowered; UTF-8 letters (ä, é) are kept as they are, so keywords are written in
// lower case.
std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  // The capitals of the accented letters the keywords use.
  for (auto [upper, lower] : std::initializer_list<std::pair<const char*, const char*>>{
           {"Ä", "ä"}, {"Ö", "ö"}, {"Ü", "ü"}, {"É", "é"}, {"È", "è"}, {"Ç", "ç"}, {"Ã", "ã"}}) {
    for (auto at = out.find(upper); at != std::string::npos; at = out.find(upper, at)) out.replace(at, 2, lower);
  }
  return out;
}

struct RightWords {
  Right right;
  std::vector<std::string> words;  // lower case, in the six languages
};

// What people write when they ask for each right. A word that could belong to several (English
// "data") is in none.
const std::vector<RightWords>& right_words() {
  static const std::vector<RightWords> table{
      {Right::erasure,
       {"delete my", "deletion", "erase", "erasure", "right to be forgotten", "forget me", "remove my data",
        "remove my personal", "close my account and delete", "löschung", "löschen", "lösche", "art. 17", "artikel 17",
        "vergessenwerden", "suppression", "supprimer", "supprimez", "effacement", "droit à l'oubli", "supresión",
        "suprimir", "eliminar mis", "borrar", "derecho al olvido", "verwijder", "wissen van", "recht op vergetelheid",
        "eliminação", "apagar", "excluir meus", "exclusão"}},
      {Right::access,
       {"access request", "subject access", "right of access", "copy of my data", "copy of my personal",
        "what data you hold", "what personal data", "data you have about me", "dsar", "sar request", "auskunft",
        "art. 15", "artikel 15", "kopie meiner daten", "welche daten", "droit d'accès", "accès à mes données",
        "copie de mes données", "derecho de acceso", "acceso a mis datos", "copia de mis datos", "inzageverzoek",
        "recht op inzage", "inzage", "direito de acesso", "acesso aos meus dados", "cópia dos meus dados"}},
      {Right::rectification,
       {"rectif", "correct my", "correction of my", "update my address", "wrong address", "berichtigung",
        "berichtigen", "art. 16", "rectification", "corriger", "rectificación", "corregir", "rectificatie",
        "correctie", "retificação", "corrigir"}},
      {Right::portability,
       {"portability", "portable format", "machine-readable", "datenübertragbarkeit", "art. 20", "portabilité",
        "portabilidad", "overdraagbaarheid", "portabilidade"}},
      {Right::restriction,
       {"restrict", "restriction of processing", "einschränkung", "art. 18", "limitation du traitement",
        "limitación del tratamiento", "beperking van de verwerking", "limitação do tratamento"}},
      {Right::objection,
       {"object to", "objection", "opt out", "opt-out", "unsubscribe me from marketing", "do not sell",
        "do not share", "widerspruch", "widerspreche", "art. 21", "opposition", "je m'oppose", "oposición",
        "me opongo", "bezwaar", "oposição", "me oponho"}},
  };
  return table;
}

// Words common in everyday mail of each language, to tell which one the requester writes.
const std::map<std::string, std::vector<std::string>>& language_words() {
  static const std::map<std::string, std::vector<std::string>> table{
      {"en", {" the ", " my ", " please ", " and ", " you ", " data "}},
      {"de", {" ich ", " meine ", " bitte ", " und ", " sie ", " daten ", " der ", " die "}},
      {"fr", {" je ", " mes ", " vous ", " et ", " les ", " données ", " merci "}},
      {"es", {" yo ", " mis ", " por favor ", " y ", " los ", " datos ", " solicito "}},
      {"nl", {" ik ", " mijn ", " alstublieft ", " en ", " u ", " gegevens ", " het "}},
      {"pt-br", {" eu ", " meus ", " por favor ", " e ", " os ", " dados ", " você ", " solicito "}},
  };
  return table;
}

std::size_t count_of(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + word.size())) ++n;
  return n;
}

std::string guess_language(const std::string& lower_text) {
  std::string padded = " " + lower_text + " ";
  std::replace_if(padded.begin(), padded.end(), [](char c) { return c == '\n' || c == ',' || c == '.'; }, ' ');
  std::string best = "en";
  std::size_t best_count = 0;
  for (const auto& [language, words] : language_words()) {
    std::size_t n = 0;
    for (const auto& w : words) n += count_of(padded, w);
    if (n > best_count) {
      best = language;
      best_count = n;
    }
  }
  return best;
}

bool machine_header(const ReceivedMail& m, const char* name, std::initializer_list<const char*> values = {}) {
  auto it = m.machine_headers.find(name);
  if (it == m.machine_headers.end()) return false;
  if (values.size() == 0) return true;
  std::string v = lowered(it->second);
  return std::any_of(values.begin(), values.end(), [&](const char* x) { return v.find(x) != std::string::npos; });
}

// Why a message is machine mail, or "" for a person's.
std::string machine_reason(const ReceivedMail& m) {
  if (machine_header(m, "x-spam-flag", {"yes"})) return "spam";
  std::string from = m.from_address.substr(0, m.from_address.find('@'));
  if (m.report_type == "delivery-status" || from == "mailer-daemon" || from == "postmaster") return "bounce";
  if (machine_header(m, "return-path", {"<>"}) && m.report_type.empty() && !m.from_address.empty()) {
    // A null return path alone is a notification; with no report part it may still be a person's
    // forwarded message, so it counts only with an auto header (below).
  }
  auto submitted = m.machine_headers.find("auto-submitted");
  if ((submitted != m.machine_headers.end() && lowered(submitted->second) != "no") || machine_header(m, "x-autoreply") ||
      machine_header(m, "x-autorespond") || machine_header(m, "precedence", {"auto_reply", "bulk", "junk"})) {
    return "auto-reply";
  }
  std::string subject = lowered(m.subject);
  for (const char* prefix : {"out of office", "automatic reply", "auto-reply", "autoreply", "abwesenheitsnotiz",
                             "automatische antwort", "réponse automatique", "absence du bureau", "respuesta automática",
                             "fuera de la oficina", "automatisch antwoord", "afwezig", "resposta automática",
                             "ausente do escritório"}) {
    if (subject.starts_with(prefix)) return "auto-reply";
  }
  if (machine_header(m, "list-id") || machine_header(m, "precedence", {"list"})) return "mailing list";
  return "";
}

// A name from the signature: the line after a closing formula ("Kind regards," / "Mit
// freundlichen Grüßen" / "Cordialement").
std::string signature_name(const std::string& text) {
  static const std::vector<std::string> closings{"regards", "sincerely", "best wishes", "thanks", "thank you",
                                                 "grüße", "grüßen", "gruß", "cordialement", "salutations",
                                                 "saludos", "atentamente", "groeten", "met vriendelijke groet",
                                                 "atenciosamente", "abraços"};
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t nl = text.find('\n', at);
    std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    auto first = line.find_first_not_of(" \t"), last = line.find_last_not_of(" \t,");
    lines.push_back(first == std::string::npos ? "" : line.substr(first, last - first + 1));
    at = nl == std::string::npos ? text.size() : nl + 1;
  }
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    std::string l = lowered(lines[i]);
    bool closing = l.size() < 40 && std::any_of(closings.begin(), closings.end(), [&](const std::string& c) {
                     return l.find(c) != std::string::npos;
                   });
    if (!closing) continue;
    const std::string& next = lines[i + 1];
    static const std::regex name_pattern(R"(^[^\d@<>:;/\\]{2,60}$)");
    if (std::regex_match(next, name_pattern) && next.find(' ') != std::string::npos) return next;
  }
  return "";
}

void add_subject(MailGuess& g, const std::string& subject) {
  if (std::find(g.subjects.begin(), g.subjects.end(), subject) == g.subjects.end()) g.subjects.push_back(subject);
}

// Identifiers in the text: other email addresses, phone numbers, order numbers.
void find_identifiers(const ReceivedMail& m, MailGuess& g) {
  std::string text = m.subject + "\n" + m.text;
  static const std::regex email(R"(([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}))");
  for (std::sregex_iterator it(text.begin(), text.end(), email), end; it != end; ++it) {
    std::string address = lowered((*it)[1].str());
    std::string own = address.substr(address.find('@') + 1);
    if (address == m.from_address) continue;
    if (own == "example.invalid") continue;
    add_subject(g, "email:" + address);
  }
  static const std::regex order(
      R"((?:#\s?|(?:order|bestell|commande|pedido|bestelling|encomenda)[a-zäöüéèçã ]{0,12}(?:no\.?|nr\.?|number|nummer|numéro|número|nº)?\s*[:#]?\s*)([A-Z]{0,4}[0-9]{4,12})\b)",
      std::regex::icase);
  for (std::sregex_iterator it(text.begin(), text.end(), order), end; it != end; ++it) {
    add_subject(g, "order_number:" + (*it)[1].str());
  }
  static const std::regex phone(R"((?:^|[\s:(])((?:\+|00)[1-9][0-9 ()\-./]{7,18}[0-9]))");
  for (std::sregex_iterator it(text.begin(), text.end(), phone), end; it != end; ++it) {
    std::string digits;
    for (char c : (*it)[1].str()) {
      if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    }
    if ((*it)[1].str().starts_with("00")) digits = digits.substr(2);
    if (digits.size() >= 8 && digits.size() <= 15) add_subject(g, "phone:+" + digits);
  }
}

std::string guess_jurisdiction(const std::string& lower_text, const std::string& from) {
  if (lower_text.find("ccpa") != std::string::npos || lower_text.find("cpra") != std::string::npos ||
      lower_text.find("california") != std::string::npos || lower_text.find("do not sell") != std::string::npos) {
    return "ccpa";
  }
  if (lower_text.find("uk gdpr") != std::string::npos || lower_text.find("data protection act 2018") != std::string::npos ||
      from.ends_with(".uk")) {
    return "uk-gdpr";
  }
  if (lower_text.find("gdpr") != std::string::npos || lower_text.find("dsgvo") != std::string::npos ||
      lower_text.find("rgpd") != std::string::npos || lower_text.find("avg") != std::string::npos) {
    return "gdpr";
  }
  return "";
}

// CCPA names its rights differently.
std::vector<Right> for_jurisdiction(std::vector<Right> rights, const std::string& jurisdiction) {
  if (jurisdiction != "ccpa") return rights;
  for (auto& r : rights) {
    if (r == Right::access) r = Right::ccpa_know;
    if (r == Right::erasure) r = Right::ccpa_delete;
    if (r == Right::objection) r = Right::ccpa_opt_out_of_sale;
  }
  return rights;
}

void record_outcome(MailFetchReport& report, const MailDraft& recorded) {
  report.draft_ids.push_back(recorded.id);
  if (recorded.state == "ignored")
    ++report.ignored;
  else if (recorded.state == "joined")
    ++report.replies;
  else
    ++report.drafts;
}

// The key a message is recorded under: its Message-ID, else its bytes.
std::string message_key(const std::optional<ReceivedMail>& m, const std::string& raw) {
  if (m && !m->message_id.empty()) return "id:" + m->message_id;
  return "sha256:" + sha256_hex(raw);
}

}  // namespace

MailGuess guess_request(const ReceivedMail& m) {
  MailGuess g;
  g.ignore_reason = machine_reason(m);
  std::string subject = lowered(m.subject), body = lowered(m.text);
  std::set<Right> in_subject, in_body;
  for (const auto& [right, words] : right_words()) {
    for (const auto& w : words) {
      if (subject.find(w) != std::string::npos) in_subject.insert(right);
      if (body.find(w) != std::string::npos) in_body.insert(right);
    }
  }
  // Seed 002's form: "Privacy Request - Delete My Data".
  std::set<Right> said = in_subject.empty() ? in_body : in_subject;
  for (const auto& rw : right_words()) {
    if (said.contains(rw.right)) g.rights.push_back(rw.right);
  }
  g.jurisdiction = guess_jurisdiction(subject + "\n" + body, m.from_address);
  g.rights = for_jurisdiction(g.rights, g.jurisdiction);
  g.language = guess_language(subject + "\n" + body);
  g.name = !m.from_name.empty() && m.from_name.find('@') == std::string::npos ? m.from_name : signature_name(m.text);
  if (!m.from_address.empty()) add_subject(g, "email:" + m.from_address);
  find_identifiers(m, g);
  if (!in_subject.empty()) g.reasons.push_back("the subject names the right");
  if (in_subject.empty() && !in_body.empty()) g.reasons.push_back("the text names the right");
  if (g.rights.empty()) g.reasons.push_back("no right named: ask the requester or choose one");
  if (!g.ignore_reason.empty()) g.reasons.push_back("machine mail: " + g.ignore_reason);
  if (!m.from_address.empty()) {
    g.reasons.push_back("the sender's address is not verified yet: the usual emailed code proves it is theirs");
  }
  bool one_clear_right = !in_subject.empty() && in_subject.size() <= 2;
  g.confidence = !g.ignore_reason.empty() || g.rights.empty() || m.from_address.empty() ? "low"
                 : one_clear_right                                                       ? "high"
                                                                                         : "medium";
  return g;
}

std::string guess_json(const MailGuess& g) {
  json rights = json::array();
  for (Right r : g.rights) rights.push_back(std::string(right_name(r)));
  return json{{"ignore_reason", g.ignore_reason}, {"rights", rights},         {"language", g.language},
              {"jurisdiction", g.jurisdiction},   {"name", g.name},           {"subjects", g.subjects},
              {"confidence", g.confidence},       {"reasons", g.reasons}}
      .dump();
}

Result<MailGuess> guess_from_json(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return fail(ErrorCode::data_loss, "a mail draft's guess is not JSON");
  MailGuess g;
  try {
    g.ignore_reason = j.at("ignore_reason").get<std::string>();
    for (const auto& r : j.at("rights")) {
      auto right = parse_right(r.get<std::string>());
      if (!right) return propagate(right.error());
      g.rights.push_back(*right);
    }
    g.language = j.at("language").get<std::string>();
    g.jurisdiction = j.at("jurisdiction").get<std::string>();
    g.name = j.at("name").get<std::string>();
    g.subjects = j.at("subjects").get<std::vector<std::string>>();
    g.confidence = j.at("confidence").get<std::string>();
    g.reasons = j.at("reasons").get<std::vector<std::string>>();
  } catch (const json::exception&) {
    return fail(ErrorCode::data_loss, "a mail draft's guess lacks a field");
  }
  return g;
}

namespace {

// The case a reply belongs to: one of Maestro's own letters named in In-Reply-To or References
// (ids of the form DSAR-YYYY-NNN.letter.hex@domain, checked against the case's outbox), else a
// case number in the subject; and whether the sender is that case's requester (an email
// identifier of the case). A message that names a case it is not from joins nothing.
struct Thread {
  std::string case_number;
  bool from_requester = false;
};

std::optional<std::string> sent_by_us(Desk& desk, const std::string& id) {
  static const std::regex ours(R"(^(DSAR-\d{4}-\d{3,})\.[a-z-]+\.[0-9a-f]+@.+$)");
  std::smatch m;
  if (!std::regex_match(id, m, ours)) return std::nullopt;
  auto letters = desk.messages_of_case(m[1].str());
  if (!letters) return std::nullopt;
  for (const auto& letter : *letters) {
    auto text = desk.keys().open(letter.sealed);
    if (text && json::parse(*text, nullptr, false).value("message_id", "") == id) return m[1].str();
  }
  return std::nullopt;
}

Thread thread_of(Desk& desk, const ReceivedMail& m) {
  Thread t;
  std::vector<std::string> ids = m.references;
  if (!m.in_reply_to.empty()) ids.insert(ids.begin(), m.in_reply_to);
  for (const auto& id : ids) {
    if (auto number = sent_by_us(desk, id)) {
      t.case_number = *number;
      break;
    }
  }
  static const std::regex in_subject(R"(\b(DSAR-\d{4}-\d{3,})\b)");
  std::smatch sm;
  if (t.case_number.empty() && std::regex_search(m.subject, sm, in_subject)) t.case_number = sm[1].str();
  if (t.case_number.empty() || m.from_address.empty()) return t;
  CaseQuery query;
  query.subject = SubjectIdentifier{"email", m.from_address};
  auto cases = desk.queue(query, 100, "");
  if (!cases) return t;
  t.from_requester = std::any_of(cases->items.begin(), cases->items.end(),
                                 [&](const QueueItem& item) { return item.entry.number == t.case_number; });
  return t;
}

// A reply joins its case: its text as an encrypted note, its attachments kept sealed as
// evidence for an operator to look at (maestro mail evidence) until the check destroys them.
Status join_case(Desk& desk, MailDraft& draft, const ReceivedMail& m) {
  std::string note = "Reply by email (mail draft #" + std::to_string(draft.id) + "): " + m.subject + "\n\n" + m.text;
  for (std::size_t i = 0; i < m.attachments.size(); ++i) {
    const auto& a = m.attachments[i];
    note += "\nAttachment " + std::to_string(i + 1) + ": " + (a.filename.empty() ? "(unnamed)" : a.filename) + " (" +
            a.content_type + ", " + std::to_string(a.bytes.size()) + " bytes), kept sealed as evidence until checked: " +
            "maestro mail evidence " + std::to_string(draft.id);
  }
  auto noted = desk.add_note(draft.case_number, note);
  if (!noted) return propagate(noted.error());
  return desk.save_mail_draft(draft, "mail-reply");
}

// A message as recorded: its draft, and whether it carried evidence (attachments of a reply).
struct Recorded {
  MailDraft draft;
  bool evidence = false;
};

// Records one message (or finds it recorded) and says where it goes.
Result<Recorded> record_message(Desk& desk, Inbox& inbox, std::uint64_t uid, const MailIntakeOptions& options,
                                 MailFetchReport& report) {
  MailDraft draft;
  draft.received_at = desk.clock().now();
  draft.state = "ignored";
  draft.confidence = "low";
  auto size = inbox.size(uid);
  if (!size) return propagate(size.error());
  if (*size > options.max_bytes) {
    // Too large to read: set aside whole (it stays in the mailbox's ignored folder).
    draft.ignored_reason = "too large (" + std::to_string(*size >> 20) + " MB; the limit is " +
                           std::to_string(options.max_bytes >> 20) + " MB: mail.max_message_mb)";
    auto recorded = desk.record_mail_draft(
        draft, "uid:" + inbox.name() + ":" + std::to_string(uid) + ":" + std::to_string(*size), "{}", "");
    if (!recorded) return propagate(recorded.error());
    return Recorded{*recorded, false};
  }
  auto raw = inbox.fetch(uid);
  if (!raw) return propagate(raw.error());
  ++report.read;
  auto parsed = parse_mail(*raw);
  MailGuess guess;
  if (!parsed) {
    draft.ignored_reason = "unreadable: " + parsed.error().message;
  } else {
    guess = guess_request(*parsed);
    if (parsed->date) draft.received_at = std::min(*parsed->date, desk.clock().now());
    draft.ignored_reason = guess.ignore_reason;
    draft.state = guess.ignore_reason.empty() ? "pending" : "ignored";
    draft.confidence = guess.confidence;
    draft.rights = join_rights(guess.rights);
    draft.language = guess.language;
    if (draft.state == "pending") {
      Thread thread = thread_of(desk, *parsed);
      if (thread.from_requester) {
        draft.state = "joined";
        draft.case_number = thread.case_number;
      } else if (!thread.case_number.empty()) {
        guess.reasons.push_back("names " + thread.case_number +
                                " but is not from its requester's address: attached to no case");
        draft.confidence = "low";
      }
    }
  }
  std::optional<ReceivedMail> message = parsed ? std::optional<ReceivedMail>(*parsed) : std::nullopt;
  auto recorded = desk.record_mail_draft(draft, message_key(message, *raw), guess_json(guess), *raw);
  if (!recorded) return propagate(recorded.error());
  if (recorded->state != "joined") return Recorded{*recorded, false};
  if (auto joined = join_case(desk, *recorded, *parsed); !joined) return propagate(joined.error());
  return Recorded{*recorded, !parsed->attachments.empty()};
}

// imap_auto_log: a confident draft becomes a case, acknowledged (template A) at once.
void log_at_once(Desk& desk, Correspondence* mail, std::int64_t id, const MailIntakeOptions& options,
                 MailFetchReport& report) {
  MailConfirmation confirm;
  confirm.default_jurisdiction = options.jurisdiction;
  auto logged = log_mail_draft(desk, id, confirm);
  if (!logged) {
    report.problems.push_back("draft #" + std::to_string(id) + ": " + logged.error().message);
    return;
  }
  ++report.logged;
  --report.drafts;
  auto ack = run_case_action(desk, mail, logged->c.number, CaseActionRequest{.action = "acknowledge"});
  if (!ack) report.problems.push_back(logged->c.number + ": not acknowledged: " + ack.error().message);
}

}  // namespace

Result<MailFetchReport> fetch_mail(Desk& desk, Inbox& inbox, Correspondence* mail, const MailIntakeOptions& options) {
  MailFetchReport report;
  auto waiting = inbox.waiting();
  if (!waiting) return propagate(waiting.error());
  for (std::uint64_t uid : *waiting) {
    auto recorded = record_message(desk, inbox, uid, options, report);
    std::string folder = options.processed_folder;
    if (!recorded && recorded.error().code == ErrorCode::already_exists) {
      ++report.duplicates;  // recorded by an earlier run whose move failed
    } else if (!recorded) {
      report.problems.push_back("message " + std::to_string(uid) + ": " + recorded.error().message);
      continue;  // left in the inbox for the next run
    } else {
      const MailDraft& draft = recorded->draft;
      record_outcome(report, draft);
      if (draft.state == "ignored") folder = options.ignored_folder;
      if (recorded->evidence) {
        // The sealed copy in the case store is the only one: the check destroys it.
        if (auto removed = inbox.remove(uid); !removed)
          report.problems.push_back("message " + std::to_string(uid) + " (evidence) not removed from the mailbox: " +
                                    removed.error().message);
        continue;
      }
      if (options.log_confident && draft.state == "pending" && draft.confidence == "high") {
        log_at_once(desk, mail, draft.id, options, report);
      }
    }
    if (auto moved = inbox.move(uid, folder); !moved) {
      report.problems.push_back("message " + std::to_string(uid) + " recorded but not moved: " + moved.error().message);
    }
  }
  return report;
}

Result<MailDraftView> mail_draft_view(Desk& desk, std::int64_t id) {
  auto draft = desk.mail_draft(id);
  if (!draft) return propagate(draft.error());
  MailDraftView view{*draft, {}, "", "", "", {}};
  auto guess_text = desk.keys().open(draft->sealed_guess);
  if (!guess_text) return propagate(guess_text.error());
  if (*guess_text != "{}") {
    auto guess = guess_from_json(*guess_text);
    if (!guess) return propagate(guess.error());
    view.guess = std::move(*guess);
  }
  auto raw = desk.keys().open(draft->sealed_message);
  if (!raw) return propagate(raw.error());
  if (auto m = parse_mail(*raw); m) {
    view.from = m->from_address;
    view.subject = m->subject;
    view.text = m->text;
    for (const auto& a : m->attachments) {
      view.attachments.push_back((a.filename.empty() ? "(unnamed)" : a.filename) + " (" + a.content_type + ", " +
                                 std::to_string(a.bytes.size()) + " bytes)");
    }
  }
  return view;
}

Result<IntakeResult> log_mail_draft(Desk& desk, std::int64_t id, const MailConfirmation& confirmation) {
  auto view = mail_draft_view(desk, id);
  if (!view) return propagate(view.error());
  MailDraft draft = view->draft;
  if (draft.state != "pending") {
    return precondition("mail draft #" + std::to_string(id) + " is " + draft.state +
                        (draft.case_number.empty() ? "" : " as " + draft.case_number) + ": only a pending draft is logged");
  }
  IntakeRequest request;
  request.subjects = confirmation.subjects.empty() ? view->guess.subjects : confirmation.subjects;
  request.name = confirmation.name.value_or(view->guess.name);
  request.rights = confirmation.rights.value_or(join_rights(view->guess.rights));
  if (request.rights.empty()) {
    return invalid("mail draft #" + std::to_string(id) + " names no right: give it with --rights (e.g. access)");
  }
  std::string jurisdiction = view->guess.jurisdiction.empty() ? confirmation.default_jurisdiction : view->guess.jurisdiction;
  request.jurisdiction = confirmation.jurisdiction.value_or(jurisdiction);
  request.channel = "email";
  request.received = format_instant(draft.received_at);
  request.language = view->guess.language;
  auto logged = desk.intake(request);
  if (!logged) return propagate(logged.error());
  draft.state = "logged";
  draft.case_number = logged->c.number;
  if (auto ok = desk.save_mail_draft(draft, "mail-logged"); !ok) return propagate(ok.error());
  return logged;
}

Result<MailDraft> ignore_mail_draft(Desk& desk, std::int64_t id, const std::string& reason) {
  auto draft = desk.mail_draft(id);
  if (!draft) return propagate(draft.error());
  if (draft->state != "pending") return precondition("mail draft #" + std::to_string(id) + " is " + draft->state);
  if (reason.empty() || reason.size() > 200) return invalid("say why the message is no request (at most 200 characters)");
  draft->state = "ignored";
  draft->ignored_reason = reason;
  if (auto ok = desk.save_mail_draft(*draft, "mail-ignored"); !ok) return propagate(ok.error());
  return *draft;
}

}  // namespace maestro

namespace maestro {

namespace {

// The reply's draft and its message, for evidence work.
Result<std::pair<MailDraft, ReceivedMail>> reply_of(Desk& desk, std::int64_t id) {
  auto draft = desk.mail_draft(id);
  if (!draft) return propagate(draft.error());
  if (draft->state != "joined") {
    return precondition("mail draft #" + std::to_string(id) + " is no reply that joined a case (it is " + draft->state + ")");
  }
  auto raw = desk.keys().open(draft->sealed_message);
  if (!raw) return propagate(raw.error());
  auto message = parse_mail(*raw);
  if (!message) return propagate(message.error());
  return std::pair<MailDraft, ReceivedMail>{*draft, *message};
}

}  // namespace

Result<MailAttachment> mail_evidence(Desk& desk, std::int64_t id, std::size_t index) {
  auto reply = reply_of(desk, id);
  if (!reply) return propagate(reply.error());
  const auto& attachments = reply->second.attachments;
  if (attachments.empty()) {
    return precondition("mail draft #" + std::to_string(id) + " holds no attachment (none came, or the check destroyed it)");
  }
  if (index < 1 || index > attachments.size()) {
    return invalid("mail draft #" + std::to_string(id) + " has attachments 1 to " + std::to_string(attachments.size()));
  }
  if (auto audited = desk.record_evidence_viewed(reply->first, index); !audited) return propagate(audited.error());
  return attachments[index - 1];
}

Result<std::vector<CaseEvidence>> evidence_of_case(Desk& desk, std::string_view case_number) {
  auto drafts = desk.mail_drafts_of_case(case_number);
  if (!drafts) return propagate(drafts.error());
  std::vector<CaseEvidence> out;
  for (const auto& draft : *drafts) {
    if (draft.state != "joined") continue;
    auto raw = desk.keys().open(draft.sealed_message);
    if (!raw) return propagate(raw.error());
    auto message = parse_mail(*raw);
    if (!message || message->attachments.empty()) continue;  // checked (destroyed), or never any
    CaseEvidence evidence{draft.id, draft.received_at, message->subject, {}};
    for (std::size_t i = 0; i < message->attachments.size(); ++i) {
      const auto& a = message->attachments[i];
      evidence.attachments.push_back({i + 1, a.filename, a.content_type, a.bytes.size()});
    }
    out.push_back(std::move(evidence));
  }
  return out;
}

Result<EvidenceCheck> check_mail_evidence(Desk& desk, Correspondence& mail, std::int64_t id, std::string_view method,
                                          VerificationOutcome outcome, const std::string& finding) {
  auto reply = reply_of(desk, id);
  if (!reply) return propagate(reply.error());
  MailDraft& draft = reply->first;  // named, not bound: clang 14 cannot capture bindings in lambdas
  const ReceivedMail& message = reply->second;
  if (message.attachments.empty()) return precondition("mail draft #" + std::to_string(id) + " holds no evidence to check");
  if (finding.empty() || finding.size() > 2000) return invalid("say what the check found (at most 2000 characters)");
  json hashes = json::array();
  std::string kept = "From: " + message.from_address + "\r\nSubject: " + message.subject + "\r\nMessage-ID: <" +
                     message.message_id + ">\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + message.text +
                     "\r\n";
  for (const auto& a : message.attachments) {
    std::string digest = sha256_hex(a.bytes);
    hashes.push_back(digest);
    kept += "[attachment destroyed after the check: " + (a.filename.empty() ? "(unnamed)" : a.filename) + " (" +
            a.content_type + ", " + std::to_string(a.bytes.size()) + " bytes, SHA-256 " + digest + ")]\r\n";
  }
  json details{{"evidence", "mail draft #" + std::to_string(id)}, {"attachments_sha256", hashes}, {"destroyed", true}};
  std::optional<CaseView> view;
  // The check, the finding and the destruction are recorded together, or none of them.
  Status done = desk.in_one_transaction([&]() -> Status {
    auto checked = desk.record_check(draft.case_number, method, outcome, std::nullopt, details.dump());
    if (!checked) return propagate(checked.error());
    auto noted = desk.add_note(draft.case_number, "Evidence of mail draft #" + std::to_string(id) + " checked (" +
                                                      std::string(verification_outcome_name(outcome)) + "): " + finding +
                                                      "\nThe attachments were destroyed; their SHA-256 are in the audit trail.");
    if (!noted) return propagate(noted.error());
    view = std::move(*noted);
    draft.sealed_message = desk.keys().seal(kept);
    return desk.save_mail_draft(draft, "evidence-destroyed");
  });
  if (!done) return propagate(done.error());
  EvidenceCheck out{std::move(*view), ""};
  if (out.view.c.state != CaseState::denied) return out;
  auto sent = send_case_action_letter(mail, out.view, "deny");
  if (!sent) out.letter = "the refusal letter could not be written: " + sent.error().message;
  else if (*sent) out.letter = "the refusal letter is " + (*sent)->message.state;
  return out;
}

}  // namespace maestro
