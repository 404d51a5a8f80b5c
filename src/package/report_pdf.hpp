// report.pdf, the access report to read and keep: a cover page (the request, the person, the
// controller, how to read the report), contents with links, the summary, every place with its
// Article 15 information and its records, the person's rights, who we are, and the SHA-256 of
// every other file of the package. Drawn with cairo and pango: text is shaped for every script
// (fontconfig falls back to a font that has the characters), fonts are embedded, text can be
// selected and searched, headings are tagged and listed as bookmarks, contents entries link to
// their places. Pages are written as they fill, from the spools, so memory does not grow with
// the number of records. Internal to package/: PackageWriter::seal() calls it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "package/report_html.hpp"

namespace maestro {

struct FileHash {
  std::string file;
  std::string sha256;
  std::uintmax_t bytes = 0;
};

Status write_report_pdf(const std::filesystem::path& file, const ReportInput& input,
                        const std::vector<FileHash>& other_files);

}  // namespace maestro
