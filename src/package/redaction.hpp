// Other people's data inside the requester's records (GDPR Art. 15(4), seed 003 section 12.1):
// names, email addresses and phone numbers of other people are replaced in the text before the
// requester sees it; the requester's own data never is.
//
// Whose data is whose, learnt from the records themselves: values of fields the map marks
// `other_person` (a support agent's name) are other people's names; the requester's identifiers
// and the values of their own name and contact fields are theirs. Any email address or phone
// number that is not theirs is someone else's.
//
//   Redactor r(case_identifiers, restored_values);
//   r.learn_other("Bob Agent");  r.learn_own("+44 20 7946 1001");
//   std::string sent = r.redact(text, "support.tickets.body", on_redaction);
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cases/case.hpp"
#include "cases/subject.hpp"

namespace maestro {

inline constexpr std::string_view k_redaction_marker = "[redacted: another person]";

class Redactor {
 public:
  Redactor(const std::vector<SubjectIdentifier>& subject, const std::vector<std::string>& restored);

  // A value of an `other_person` field: a name to look for in free text (ids and numbers are not).
  void learn_other(std::string_view value);
  // A value of one of the requester's own name or contact fields.
  void learn_own(std::string_view value);
  // Any value of the requester's own records: one that is, whole, an email address or a phone
  // number is theirs, wherever else it appears.
  void learn_own_if_contact(std::string_view value);

  // `text` with other people's names, emails and phone numbers replaced by the marker. Each
  // replacement is told to `found` (kind, value, text before, text after), when given.
  using Found = std::function<void(const Redaction&)>;
  std::string redact(std::string_view text, const std::string& field, const Found& found) const;

  // Email addresses and phone numbers in `text` that are not the requester's (as known so far),
  // added to the sets, as written: who they belong to can then be looked up by email, and that
  // person's name redacted too.
  void other_contacts(std::string_view text, std::set<std::string>& emails, std::set<std::string>& phones) const;
  // The requester's own (a restored value is kept in the text, but still someone else's).
  bool is_subjects_email(const std::string& email) const;

 private:
  std::set<std::string> m_own_emails;        // lower case
  std::set<std::string> m_own_phone_digits;  // digits only
  std::set<std::string> m_own_names;         // as written
  std::set<std::string> m_other_names;       // as written, each at least 3 characters with a letter
  std::set<std::string> m_restored;          // as written; emails lower case, phones digits too

  bool is_own_phone(const std::string& digits) const;
  bool is_kept_email(const std::string& email) const;  // the requester's, or restored
  bool is_kept_phone(const std::string& digits) const;
};

}  // namespace maestro
