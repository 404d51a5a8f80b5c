// The access package: everything found about one person, in the forms seed 001, 003 and 004 ask
// for, sealed in an AES-256 encrypted ZIP.
//
// Contents: <CASE>_DSAR_PACKAGE.json (seed 001 Appendix A, extended with the Article 15
// information), one CSV per collection, report.html, report.pdf (when asked for), schema.json (what every field means) and
// manifest.json (SHA-256 of every file). Records stream to spool files as they are found, so
// memory does not grow with the amount of data. Only the encrypted ZIP is left on disk.
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

#include "cases/subject.hpp"
#include "common/time.hpp"
#include "datamap/datamap.hpp"
#include "locate/locate.hpp"
#include "package/report_texts.hpp"

namespace maestro {

enum class PackageFormat { json, csv, html, pdf };

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
};

struct SealedPackage {
  std::filesystem::path zip_path;
  std::string sha256;    // of the ZIP file, as delivered
  std::string password;  // generated; shown to the operator once
  std::uintmax_t size = 0;
  std::vector<std::string> files;  // inside the ZIP
  std::map<std::string, std::size_t> records_by_collection;
  std::size_t redacted_values = 0;  // other people's data left out
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

  // Adds one record, leaving out fields that hold another person's data and redacting other
  // people's email addresses inside free text.
  Status add(const FoundRecord& found);
  // Writes every document, seals them in the encrypted ZIP and removes the clear-text files.
  Result<SealedPackage> seal();

 private:
  struct State;
  std::unique_ptr<State> m;
};

// 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I) or shell-special characters, from the OS CSPRNG.
std::string generate_package_password();

}  // namespace maestro
