// The requester's side of a case, for the portal of `maestro serve`: a request in plain words
// becomes a case (rights and law chosen from what the person wants and where they live), is
// acknowledged with a link to its status page, and starts the email-code check; the status page
// says in plain words where the request stands and what the requester must do next.
//
//   auto receipt = submit_portal_request(desk, mail, submission, "https://privacy.example.com");
//   // receipt->status_url is mailed with the acknowledgement; a code is mailed too
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/settings.hpp"
#include "desk/correspondence.hpp"
#include "desk/desk.hpp"

namespace maestro {

struct PortalSubmission {
  std::string name;
  std::string email;
  std::vector<std::string> other_identifiers;  // "customer_id:42", "phone:+442079460000"
  std::vector<std::string> wishes;             // values of portal_wishes()
  std::string residence;                       // a value of portal_residences()
  std::string formats;                         // "json,csv" (default), "json,csv,html", "json,csv,html,pdf"
  std::string language;                        // a value of portal_languages(); empty: the installation's
  std::string details;                         // free text; kept encrypted as a note
  bool gpc = false;                            // Sec-GPC: 1 came with the form
};

// What a person may ask for, in their words: value and label. The law decides the right.
const std::vector<std::pair<std::string, std::string>>& portal_wishes();
// Where a person may live: value and label (uk, eu, california, brazil, virginia, other).
const std::vector<std::pair<std::string, std::string>>& portal_residences();
// The languages a person may be answered in: code and the language's own name.
const std::vector<std::pair<std::string, std::string>>& portal_languages();

// The case a submission becomes: jurisdiction from the residence (uk -> uk-gdpr, eu -> gdpr,
// california -> ccpa, brazil -> lgpd, virginia -> vcdpa, other -> `default_jurisdiction`),
// rights from the wishes under that law (a copy -> access or ccpa-know, ...), channel portal.
Result<IntakeRequest> portal_intake_request(const PortalSubmission& submission,
                                            const std::string& default_jurisdiction);

struct PortalReceipt {
  CaseView view;
  std::string status_url;
  std::vector<std::string> warnings;  // letters that could not be queued (the case stands)
};

// Logs the case, keeps the details as a note, makes the status link, acknowledges (template A
// with the link) and mails a one-time code.
Result<PortalReceipt> submit_portal_request(Desk& desk, Correspondence& mail, const PortalSubmission& submission,
                                            const std::string& public_url, const std::string& default_jurisdiction);

// Where a request stands, for the requester.
struct RequesterStatus {
  std::string headline;     // "We are collecting your data"
  std::string explanation;  // a sentence or two
  std::string next_step;    // enter-code, answer-questions, none
};
RequesterStatus requester_status(const CaseView& view, const Policy& policy);
// The package download of a fulfilled access request (seed 003, 6.2): open from the fulfilment
// for `length`, at most `limit` downloads, and only to a browser that entered a fresh code.
struct DownloadWindow {
  bool open = false;
  std::string why_not;  // for the requester, when closed
  Instant closes_at{};
  int left = 0;  // downloads left
  std::optional<PackageDelivery> package;
};
DownloadWindow download_window(const CaseView& view, Instant now, std::chrono::hours length, int limit);
// Mails a one-time code for downloading (10 minutes; one try: a wrong code spends it).
Status send_download_code(Desk& desk, Correspondence& mail, const CaseView& view);
// Checks the code; returns the secret of a 15-minute download session for the browser's cookie.
Result<std::string> unlock_download(Desk& desk, const CaseView& view, std::string_view code);
// The package to hand over now, counted and audited; refused outside the window, over the
// limit, or without a live session of this case.
Result<PackageDelivery> take_download(Desk& desk, const CaseView& view, std::string_view session_secret,
                                      std::chrono::hours length, int limit);

// Checks that each portal question names a field of the data map ("orders.id": a collection's
// name or key, then a field); serve refuses to start otherwise.
Status check_portal_questions(const DataMap& map, const std::vector<ServerSettings::Question>& questions);

// The case's rights as the requester would say them: "a copy of your data, ...".
std::string rights_in_words(const Case& c);

}  // namespace maestro
