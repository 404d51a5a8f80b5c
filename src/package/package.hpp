// The access package: everything found about one person, in the forms seed 001, 003 and 004 ask
// for, sealed in an AES-256 encrypted ZIP.
//
// Contents: <CASE>_DSAR_PACKAGE.json (seed 001 Appendix A, extended with the Article 15
// information), one CSV per collection, report.html, report.pdf (when asked for), schema.json (what every field means)
// and manifest.json (SHA-256 of every file). Records stream to spool files as they are found, so memory does not grow
// with the amount of data. Only the encrypted ZIP is left on disk.
//
//   PackageWriter w(work_dir, map, info, {PackageFormat::json, PackageFormat::csv, PackageFormat::html});
//   w.add(found) ...;
//   SealedPackage p = *w.seal();   // p.zip_path, p.sha256, p.password (shown once, never stored)
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cases/case.hpp"
#include "cases/subject.hpp"
#include "common/time.hpp"
#include "datamap/datamap.hpp"
#include "locate/locate.hpp"
#include "package/report_texts.hpp"

namespace maestro {

enum class PackageFormat { json, csv, html, pdf };

// A package lists at most this many redactions for review; all are counted.
inline constexpr std::size_t k_max_listed_redactions = 500;

// Parses "json,csv,html,pdf" (any subset; json is always included, as the package's index).
Result<std::set<PackageFormat>> parse_package_formats(std::string_view text);

// Who answers the requests, and in which words: the same for every package of a deployment
// (organisation: and language: in maestro.yaml).
struct PackageSender {
  std::string organisation, organisation_address, organisation_email, dpo_name, dpo_email;
  std::shared_ptr<const ReportTexts> texts;            // the installation's language; null: the built-in English
  std::optional<std::filesystem::path> templates_dir;  // where a case's own language is looked up
};

struct PackageInfo {
  std::string case_number;
  Instant request_date{};
  Instant fulfilment_date{};
  std::string subject_name;
  std::vector<SubjectIdentifier> identifiers;
  std::string jurisdiction;       // id, e.g. uk-gdpr
  std::string jurisdiction_name;  // e.g. UK General Data Protection Regulation
  std::string complaint_authority;
  PackageSender sender;
  std::vector<std::string> restored_values;  // the DPO restored these: never redacted in this case
  // Stores that could not be searched (an incomplete package, allowed by the operator): the
  // package JSON, the manifest and the report say so.
  std::vector<std::string> unsearched;
};

struct SealedPackage {
  std::filesystem::path zip_path;
  std::string sha256;    // of the ZIP file, as delivered
  std::string password;  // generated; shown to the operator once
  std::uintmax_t size = 0;
  std::vector<std::string> files;  // inside the ZIP
  std::map<std::string, std::size_t> records_by_collection;
  std::size_t redacted_values = 0;  // other people's data left out
  // Per field ("support.tickets.body"), how many values were left out or replaced.
  std::map<std::string, std::size_t> redactions_by_field;
  // The replacements in free text, for the DPO's review (the first k_max_listed_redactions).
  std::vector<Redaction> redactions;
  // Collections in the package whose Article 15 information the map leaves unsaid, with what is
  // missing ("shop.orders: recipients, source"): the report has gaps there.
  std::vector<std::string> map_gaps;
};

class PackageWriter {
 public:
  // `work_dir` must not exist yet; it is created and, after seal(), holds only the ZIP.
  PackageWriter(std::filesystem::path work_dir, const DataMap& map, PackageInfo info, std::set<PackageFormat> formats);
  ~PackageWriter();
  PackageWriter(const PackageWriter&) = delete;
  PackageWriter& operator=(const PackageWriter&) = delete;

  // Adds one record, leaving out fields that hold another person's data. Other people's names,
  // emails and phone numbers inside text are replaced when the package is sealed, once every
  // record has told whose data is whose (package/redaction.hpp).
  Status add(const FoundRecord& found);
  // The email addresses (and phone numbers) of other people that the records' text holds, so
  // that the caller can look them up and hand their records to learn_other_person(): their
  // names are then redacted wherever the requester's text names them. At most 200.
  std::vector<SubjectIdentifier> other_people_contacts() const;
  // A record of another person (found by one of their contacts): the values of its name fields
  // are other people's names.
  void learn_other_person(const FoundRecord& found);
  // Marks the package incomplete: these stores could not be searched (before seal()).
  void mark_incomplete(std::vector<std::string> unsearched);
  // Writes every document, seals them in the encrypted ZIP and removes the clear-text files.
  Result<SealedPackage> seal();

 private:
  struct State;
  std::unique_ptr<State> m;
};

// 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I) or shell-special characters, from the OS CSPRNG.
std::string generate_package_password();

}  // namespace maestro
