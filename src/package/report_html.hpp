// report.html, the access report a person reads: a summary, then every place their data was
// found (purpose, legal basis, categories, recipients, source, retention, automated decisions,
// transfers, and the records with field labels and dates in words), their rights, and who to
// contact. Records are streamed from the package's spool files, never held in memory.
// Internal to package/: PackageWriter::seal() calls it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "datamap/datamap.hpp"

namespace maestro {

struct PackageInfo;
class ReportTexts;

struct ReportSection {
  const Collection* collection = nullptr;
  std::size_t records = 0;
  std::vector<std::string> columns;  // as the records hold them
  std::filesystem::path spool;       // one JSON record per line
};

struct ReportInput {
  const PackageInfo& info;
  const DataMap& map;
  const ReportTexts& texts;
  std::vector<ReportSection> sections;
};

Status write_report_html(const std::filesystem::path& file, const ReportInput& input);

// A data category in words: the taxonomy's name where the map loaded one, else the key made
// readable ("user.contact.email" -> "Email (contact)").
std::string category_name(const DataMap& map, const std::string& category);

}  // namespace maestro
