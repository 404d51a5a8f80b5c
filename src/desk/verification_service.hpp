// Verifying the requester (seed 001 step 3, seed 002 section 3, CCPA regulations).
//
// - email-code: a one-time code of 6+ digits from the operating system's cryptographic random
//   source is mailed to the case's email address; only its keyed hash is stored; it expires
//   (10 minutes by default) and works once.
// - knowledge: data points the requester gives (an order number, an invoice id, a postcode) are
//   matched against the company's own records of that person, found through the data map. GDPR
//   needs one matching point by default, CCPA two, and CCPA specific pieces three and a signed
//   declaration.
// - document: an operator records that a document was seen, by whom, and the outcome. The
//   document itself is never stored.
// Access and export need one passed check; erasure and rectification two different ones. A
// failed check counts; after two (policy) the case is denied. Every attempt is an audit event;
// no code, answer or document content is ever logged.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datamap/datamap.hpp"
#include "desk/correspondence.hpp"
#include "desk/desk.hpp"

namespace maestro {

struct VerificationResult {
  CaseView view;
  bool passed = false;
  int factors_passed = 0;    // different methods passed so far
  int factors_required = 0;  // for the case's rights
  std::string explanation;   // what happened, for the operator (no code, no answers)
};

// Starts a check: mails a code (email-code) or asks for proof (knowledge, document; template B).
// The case moves to awaiting_verification.
Result<VerificationResult> start_verification(Desk& desk, Correspondence& mail, std::string_view number,
                                              std::string_view method, const std::string& requested_proof);

// The checks below take the mail because a failed check may deny the case: the requester then
// gets the refusal letter (the reason, the complaint route) at once, as with any refusal.
Result<VerificationResult> check_code(Desk& desk, Correspondence& mail, std::string_view number,
                                      std::string_view code);

struct KnowledgeAnswers {
  std::map<std::string, std::string> answers;  // "invoice.InvoiceId" or "InvoiceId" -> value
  bool specific_pieces = false;                // CCPA: the request is for specific pieces of information
  bool signed_declaration = false;
};
Result<VerificationResult> check_knowledge(Desk& desk, Correspondence& mail, const DataMap& map,
                                           std::string_view number, const KnowledgeAnswers& answers);

// The documents an operator may record having seen: passport, driving-licence, ...
const std::vector<std::string>& document_kinds();
Result<VerificationResult> record_document(Desk& desk, Correspondence& mail, std::string_view number,
                                           std::string_view document, VerificationOutcome outcome);

// A fresh code of `digits` digits, uniformly drawn from the cryptographic random source.
std::string generate_code(int digits);

}  // namespace maestro
