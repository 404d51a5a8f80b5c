#include "package/report_pdf.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "package/package.hpp"
#include "package/report_content.hpp"
#include "package/report_texts.hpp"

namespace maestro {

namespace fs = std::filesystem;

namespace {

// A4 in points, margins of 2 cm; the footer sits in the bottom margin.
constexpr double k_page_width = 595.28;
constexpr double k_page_height = 841.89;
constexpr double k_margin = 56.7;
constexpr double k_body_width = k_page_width - 2 * k_margin;
constexpr double k_body_bottom = k_page_height - k_margin;
constexpr double k_cell_padding = 3.0;
// A table of more columns than this is drawn record by record (label: value), as are columns
// that would not each get k_min_column_width.
constexpr std::size_t k_max_table_columns = 6;
constexpr double k_min_column_width = 60.0;
// About the width of a character of DejaVu Sans at 9.5 pt, for sizing columns before drawing.
constexpr double k_average_char_width = 6.1;
constexpr double k_average_bold_char_width = 6.8;

enum class Font { body, bold, small, mono, h1, h2, h3 };

const char* font_spec(Font f) {
  switch (f) {
    case Font::body: return "DejaVu Sans 9.5";
    case Font::bold: return "DejaVu Sans Bold 9.5";
    case Font::small: return "DejaVu Sans 8";
    case Font::mono: return "DejaVu Sans Mono 8";
    case Font::h1: return "DejaVu Sans Bold 22";
    case Font::h2: return "DejaVu Sans Bold 15";
    case Font::h3: return "DejaVu Sans Bold 12";
  }
  return "DejaVu Sans 9.5";
}

// The longest run of characters without a space: the least a column can be without breaking a word.
std::size_t longest_word(const std::string& s) {
  std::size_t longest = 0, current = 0;
  for (char ch : s) {
    if (ch == ' ') {
      current = 0;
    } else if ((ch & 0xC0) != 0x80) {
      longest = std::max(longest, ++current);
    }
  }
  return longest;
}

std::size_t utf8_length(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

struct GObjectUnref {
  void operator()(void* p) const { g_object_unref(p); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectUnref>;

class PdfReport {
 public:
  PdfReport(const fs::path& file, const ReportInput& input, const std::vector<FileHash>& other_files)
      : c(input), m_hashes(other_files) {
    m_surface = cairo_pdf_surface_create(file.c_str(), k_page_width, k_page_height);
    m_cr = cairo_create(m_surface);
    m_context = pango_font_map_create_context(pango_cairo_font_map_get_default());
    // PDF user space is in points: 72 per inch, so a 10 pt font is 10 units high.
    pango_cairo_context_set_resolution(m_context, 72.0);
    pango_cairo_update_context(m_cr, m_context);
    for (Font f : {Font::body, Font::bold, Font::small, Font::mono, Font::h1, Font::h2, Font::h3})
      m_fonts[static_cast<int>(f)] = pango_font_description_from_string(font_spec(f));
  }

  ~PdfReport() {
    m_value.reset();
    for (auto* font : m_fonts) pango_font_description_free(font);
    g_object_unref(m_context);
    cairo_destroy(m_cr);
    cairo_surface_destroy(m_surface);
  }

  PdfReport(const PdfReport&) = delete;
  PdfReport& operator=(const PdfReport&) = delete;

  Status write() {
    if (cairo_surface_status(m_surface) != CAIRO_STATUS_SUCCESS)
      return fail(ErrorCode::unavailable, "cannot create the PDF report");
    m_empty = c.text("empty_value");
    metadata();
    cover();
    new_page();
    summary();
    places();
    rights();
    contact();
    hashes();
    finish_page();
    cairo_surface_finish(m_surface);
    if (auto ok = c.status(); !ok) return ok;
    if (cairo_surface_status(m_surface) != CAIRO_STATUS_SUCCESS)
      return fail(ErrorCode::unavailable, std::string("cannot write the PDF report: ") +
                                              cairo_status_to_string(cairo_surface_status(m_surface)));
    return {};
  }

 private:
  ReportContent c;
  const std::vector<FileHash>& m_hashes;
  cairo_surface_t* m_surface = nullptr;
  cairo_t* m_cr = nullptr;
  PangoContext* m_context = nullptr;
  PangoFontDescription* m_fonts[7] = {};
  double m_y = k_margin;
  int m_page = 1;
  int m_outline_places = 0;  // the bookmark the places hang under
  std::string m_continued;   // said at the top of a page a table or record continues on
  std::string m_empty;       // what an empty value reads as in a block
  LayoutPtr m_value;         // a block's value, reused for every field

  // ---- text ----

  LayoutPtr layout(const std::string& text, Font font, double width) {
    LayoutPtr l(pango_layout_new(m_context));
    pango_layout_set_font_description(l.get(), m_fonts[static_cast<int>(font)]);
    pango_layout_set_width(l.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(l.get(), PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(l.get(), text.data(), static_cast<int>(text.size()));
    return l;
  }

  static double height_of(PangoLayout* l) {
    int width = 0, height = 0;
    pango_layout_get_size(l, &width, &height);
    return static_cast<double>(height) / PANGO_SCALE;
  }

  // Draws a layout whole at (x, y), its top-left corner there.
  void draw_at(PangoLayout* l, double x, double y) {
    cairo_move_to(m_cr, x, y);
    pango_cairo_show_layout(m_cr, l);
  }

  // Draws a layout line by line from the current position, turning pages where it must: a
  // value longer than a page is never cut off.
  void flow(PangoLayout* l, double x) {
    PangoLayoutIter* it = pango_layout_get_iter(l);
    do {
      PangoRectangle logical;
      pango_layout_iter_get_line_extents(it, nullptr, &logical);
      double line_height = static_cast<double>(logical.height) / PANGO_SCALE;
      double baseline = static_cast<double>(pango_layout_iter_get_baseline(it) - logical.y) / PANGO_SCALE;
      if (m_y + line_height > k_body_bottom) continue_on_new_page();
      cairo_move_to(m_cr, x + static_cast<double>(logical.x) / PANGO_SCALE, m_y + baseline);
      pango_cairo_show_layout_line(m_cr, pango_layout_iter_get_line_readonly(it));
      m_y += line_height;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
  }

  void paragraph(const std::string& text, Font font = Font::body, double space_after = 6.0, double indent = 0.0) {
    auto l = layout(text, font, k_body_width - indent);
    flow(l.get(), k_margin + indent);
    m_y += space_after;
  }

  void bullet(const std::string& text, Font font = Font::body) {
    auto l = layout("•", font, 10);
    if (m_y + height_of(l.get()) > k_body_bottom) new_page();
    draw_at(l.get(), k_margin + 4, m_y);
    paragraph(text, font, 3.0, 16.0);
  }

  // A heading is kept with what follows it, tagged as H1-H3, named as a link destination and
  // listed among the bookmarks. Returns the bookmark's id.
  int heading(const std::string& text, int level, const std::string& destination = "", int parent_outline = 0) {
    Font font = level == 1 ? Font::h1 : level == 2 ? Font::h2 : Font::h3;
    auto l = layout(text, font, k_body_width);
    double h = height_of(l.get());
    double space_before = level == 1 ? 0 : level == 2 ? 14 : 10;
    if (m_y > k_margin) m_y += space_before;
    if (m_y + h + 60 > k_body_bottom) new_page();
    std::string tag = "H" + std::to_string(level);
    cairo_tag_begin(m_cr, tag.c_str(), nullptr);
    if (!destination.empty()) cairo_tag_begin(m_cr, CAIRO_TAG_DEST, ("name='" + destination + "'").c_str());
    draw_at(l.get(), k_margin, m_y);
    if (!destination.empty()) cairo_tag_end(m_cr, CAIRO_TAG_DEST);
    cairo_tag_end(m_cr, tag.c_str());
    std::string link =
        "page=" + std::to_string(m_page) + " pos=[" + std::to_string(k_margin) + " " + std::to_string(m_y) + "]";
    int id = cairo_pdf_surface_add_outline(m_surface, parent_outline, text.c_str(), link.c_str(),
                                           static_cast<cairo_pdf_outline_flags_t>(0));
    m_y += h + (level == 1 ? 10 : 5);
    if (level >= 2) rule(0.6);
    return id;
  }

  void rule(double width, double gray = 0.2) {
    cairo_save(m_cr);
    cairo_set_source_rgb(m_cr, gray, gray, gray);
    cairo_set_line_width(m_cr, width);
    cairo_move_to(m_cr, k_margin, m_y);
    cairo_line_to(m_cr, k_margin + k_body_width, m_y);
    cairo_stroke(m_cr);
    cairo_restore(m_cr);
    m_y += 6;
  }

  // ---- pages ----

  void metadata() {
    std::string title = c.text("title") + " - " + c.input().info.case_number;
    cairo_pdf_surface_set_metadata(m_surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(m_surface, CAIRO_PDF_METADATA_AUTHOR, c.organisation().c_str());
    cairo_pdf_surface_set_metadata(m_surface, CAIRO_PDF_METADATA_CREATOR, "Maestro");
  }

  void footer() {
    auto l = layout(c.text("page_footer", {{"case", c.input().info.case_number}, {"page", std::to_string(m_page)}}),
                    Font::small, k_body_width);
    pango_layout_set_alignment(l.get(), PANGO_ALIGN_CENTER);
    cairo_save(m_cr);
    cairo_set_source_rgb(m_cr, 0.3, 0.3, 0.3);
    draw_at(l.get(), k_margin, k_page_height - k_margin + 16);
    cairo_restore(m_cr);
  }

  void finish_page() {
    footer();
    cairo_show_page(m_cr);
  }

  void new_page() {
    finish_page();
    ++m_page;
    m_y = k_margin;
  }

  // A page break inside a table or a record says what continues.
  void continue_on_new_page() {
    new_page();
    if (m_continued.empty()) return;
    auto l = layout(c.text("continued", {{"title", m_continued}}), Font::small, k_body_width);
    cairo_save(m_cr);
    cairo_set_source_rgb(m_cr, 0.3, 0.3, 0.3);
    draw_at(l.get(), k_margin, m_y);
    cairo_restore(m_cr);
    m_y += height_of(l.get()) + 4;
  }

  // ---- sections ----

  void cover() {
    const PackageInfo& info = c.input().info;
    m_y = k_margin + 120;
    heading(c.text("title"), 1);
    paragraph(c.request_line(), Font::body, 10);
    if (!info.subject_name.empty()) paragraph(c.text("prepared_for", {{"name", info.subject_name}}), Font::bold, 10);
    paragraph(c.text("controller", {{"organisation", c.organisation()}}), Font::body, 4);
    for (const auto& line : c.contact_lines()) paragraph(line, Font::body, 2);
    m_y += 16;
    heading(c.text("how_to_read_heading"), 3);
    paragraph(c.about());
    paragraph(c.text("how_to_read"));
  }

  void summary() {
    heading(c.text("summary_heading"), 2, "summary");
    paragraph(c.summary_found());
    if (auto searched = c.summary_searched()) paragraph(*searched);
    if (auto missing = c.summary_incomplete()) paragraph(*missing);
    auto categories = c.categories();
    if (!categories.empty()) {
      paragraph(c.text("summary_categories"), Font::body, 3);
      for (const auto& category : categories)
        bullet(category.description.empty() ? category.name : category.name + ": " + category.description);
      m_y += 4;
    }
    const auto& sections = c.input().sections;
    if (sections.empty()) return;
    paragraph(c.text("summary_contents"), Font::body, 3);
    for (std::size_t i = 0; i < sections.size(); ++i) {
      auto l = layout(std::to_string(i + 1) + ". " + c.place_line(sections[i]), Font::body, k_body_width - 16);
      double h = height_of(l.get());
      if (m_y + h > k_body_bottom) new_page();
      cairo_tag_begin(m_cr, CAIRO_TAG_LINK, ("dest='" + destination(i) + "'").c_str());
      cairo_save(m_cr);
      cairo_set_source_rgb(m_cr, 0.02, 0.27, 0.68);
      draw_at(l.get(), k_margin + 16, m_y);
      cairo_restore(m_cr);
      cairo_tag_end(m_cr, CAIRO_TAG_LINK);
      m_y += h + 2;
    }
  }

  static std::string destination(std::size_t section) { return "place-" + std::to_string(section + 1); }

  void facts(const Collection& collection) {
    const double label_width = k_body_width * 0.3;
    for (const auto& fact : c.facts(collection)) {
      auto label = layout(fact.label, Font::bold, label_width - 8);
      std::string value;
      for (const auto& v : fact.values) value += (value.empty() ? "" : "\n") + (fact.values.size() > 1 ? "• " + v : v);
      auto text = layout(value, Font::body, k_body_width - label_width);
      double h = std::max(height_of(label.get()), height_of(text.get()));
      if (m_y + h > k_body_bottom) {
        if (h > k_body_bottom - k_margin) {  // longer than a page: label, then the text flowing
          paragraph(fact.label, Font::bold, 2);
          flow(text.get(), k_margin + label_width);
          m_y += 4;
          continue;
        }
        new_page();
      }
      draw_at(label.get(), k_margin, m_y);
      draw_at(text.get(), k_margin + label_width, m_y);
      m_y += h + 4;
    }
    m_y += 6;
  }

  void places() {
    const auto& sections = c.input().sections;
    if (sections.empty()) return;
    m_outline_places = heading(c.text("places_heading"), 2, "places");
    for (std::size_t i = 0; i < sections.size(); ++i) {
      const ReportSection& s = sections[i];
      std::string title = c.title_of(*s.collection);
      heading(title, 3, destination(i), m_outline_places);
      paragraph(c.records_line(s));
      facts(*s.collection);
      records(s, title);
    }
  }

  // ---- records ----

  // Column widths from the longest text each column holds (a first pass over the spool), or
  // nothing when the records are too wide for a table and go record by record.
  // Column widths the way a browser lays out a table: each column needs room for its longest
  // text (a first pass over the spool, in characters of an average width; a label may wrap
  // between words); columns that need less than an even share get what they need, the others
  // share the rest by need. Nothing when the records are too wide for a table: they go record
  // by record.
  std::optional<std::vector<double>> column_widths(const ReportSection& s, const ReportColumns& columns) {
    const std::size_t n = columns.labels.size();
    if (n == 0 || n > k_max_table_columns) return std::nullopt;
    std::vector<std::size_t> longest(n, 3);
    c.each_row(s, columns, [&](const ReportRow& row) {
      for (std::size_t i = 0; i < n; ++i)
        longest[i] = std::max(longest[i], std::min<std::size_t>(utf8_length(row[i]), 60));
    });
    std::vector<double> need;
    for (std::size_t i = 0; i < n; ++i) {
      double label = static_cast<double>(longest_word(columns.labels[i])) * k_average_bold_char_width;
      need.push_back(std::max(label, static_cast<double>(longest[i]) * k_average_char_width) + 2 * k_cell_padding + 2);
    }
    std::vector<double> widths(n, 0.0);
    std::vector<bool> fixed(n, false);
    double remaining = k_body_width;
    for (bool changed = true; changed;) {
      changed = false;
      std::size_t open = static_cast<std::size_t>(std::count(fixed.begin(), fixed.end(), false));
      if (open == 0) break;
      double share = remaining / static_cast<double>(open);
      for (std::size_t i = 0; i < n; ++i) {
        if (fixed[i] || need[i] > share) continue;
        widths[i] = need[i];
        remaining -= need[i];
        fixed[i] = changed = true;
      }
    }
    double open_need = 0;
    for (std::size_t i = 0; i < n; ++i) open_need += fixed[i] ? 0 : need[i];
    for (std::size_t i = 0; i < n; ++i) {
      if (!fixed[i]) widths[i] = remaining * need[i] / open_need;
      if (widths[i] < k_min_column_width && need[i] > widths[i]) return std::nullopt;
    }
    // Room left over when everything fits goes to every column alike.
    double used = 0;
    for (double w : widths) used += w;
    for (double& w : widths) w += (k_body_width - used) / static_cast<double>(n);
    return widths;
  }

  void records(const ReportSection& s, const std::string& title) {
    if (s.records == 0) return;
    ReportColumns columns = c.columns(s);
    paragraph(c.text("records_caption", {{"title", title}}), Font::bold, 4);
    m_continued = title;
    if (auto widths = column_widths(s, columns))
      table(s, columns, *widths);
    else
      blocks(s, columns);
    m_continued.clear();
    m_y += 8;
  }

  std::vector<LayoutPtr> row_layouts(const ReportRow& cells, const std::vector<double>& widths, Font font) {
    std::vector<LayoutPtr> out;
    for (std::size_t i = 0; i < cells.size(); ++i)
      out.push_back(layout(cells[i], font, widths[i] - 2 * k_cell_padding));
    return out;
  }

  double row_height(const std::vector<LayoutPtr>& cells) {
    double h = 0;
    for (const auto& l : cells) h = std::max(h, height_of(l.get()));
    return h + 2 * k_cell_padding;
  }

  void draw_row(const std::vector<LayoutPtr>& cells, const std::vector<double>& widths, double h, bool header) {
    double x = k_margin;
    cairo_save(m_cr);
    cairo_set_line_width(m_cr, 0.5);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      cairo_rectangle(m_cr, x, m_y, widths[i], h);
      if (header) {
        cairo_set_source_rgb(m_cr, 0.92, 0.92, 0.92);
        cairo_fill_preserve(m_cr);
      }
      cairo_set_source_rgb(m_cr, 0.45, 0.45, 0.45);
      cairo_stroke(m_cr);
      cairo_set_source_rgb(m_cr, 0, 0, 0);
      draw_at(cells[i].get(), x + k_cell_padding, m_y + k_cell_padding);
      x += widths[i];
    }
    cairo_restore(m_cr);
    m_y += h;
  }

  // Records as a table; its header row is repeated on every page it continues on.
  void table(const ReportSection& s, const ReportColumns& columns, const std::vector<double>& widths) {
    auto header = row_layouts(columns.labels, widths, Font::bold);
    double header_height = row_height(header);
    if (m_y + header_height * 2 > k_body_bottom) new_page();
    draw_row(header, widths, header_height, true);
    // One layout per column, given each row's text in turn: building a layout costs more than
    // laying out a cell.
    auto cells = row_layouts(ReportRow(columns.labels.size()), widths, Font::body);
    std::vector<LayoutPtr> labels;  // for a row taller than a page, drawn as a block
    c.each_row(s, columns, [&](const ReportRow& row) {
      for (std::size_t i = 0; i < row.size(); ++i)
        pango_layout_set_text(cells[i].get(), row[i].data(), static_cast<int>(row[i].size()));
      double h = row_height(cells);
      if (h + header_height > k_body_bottom - k_margin - 20) {  // taller than a page: this one as a block
        if (labels.empty()) labels = block_labels(columns);
        block(labels, row);
        return;
      }
      if (m_y + h > k_body_bottom) {
        continue_on_new_page();
        draw_row(header, widths, header_height, true);
      }
      draw_row(cells, widths, h, false);
    });
  }

  // Records one after another, each field a line "label: value", for records too wide for a table.
  void blocks(const ReportSection& s, const ReportColumns& columns) {
    auto labels = block_labels(columns);
    std::size_t number = 0;
    c.each_row(s, columns, [&](const ReportRow& row) {
      ++number;
      if (m_y + 40 > k_body_bottom) continue_on_new_page();
      paragraph(c.text("record_number", {{"number", std::to_string(number)}, {"count", std::to_string(s.records)}}),
                Font::small, 2);
      block(labels, row);
    });
  }

  static constexpr double k_block_label_width = k_body_width * 0.32;

  std::vector<LayoutPtr> block_labels(const ReportColumns& columns) {
    std::vector<LayoutPtr> out;
    for (const auto& label : columns.labels) out.push_back(layout(label, Font::bold, k_block_label_width - 8));
    return out;
  }

  // One record as "label: value" lines; `labels` from block_labels().
  void block(const std::vector<LayoutPtr>& labels, const ReportRow& row) {
    if (!m_value) m_value = layout("", Font::body, k_body_width - k_block_label_width);
    PangoLayout* value = m_value.get();
    for (std::size_t i = 0; i < row.size(); ++i) {
      PangoLayout* label = labels[i].get();
      const std::string& text = row[i].empty() ? m_empty : row[i];
      pango_layout_set_text(value, text.data(), static_cast<int>(text.size()));
      double h = std::max(height_of(label), height_of(value));
      if (m_y + h > k_body_bottom) {
        if (h > k_body_bottom - k_margin - 20) {
          draw_at(label, k_margin, m_y);
          flow(value, k_margin + k_block_label_width);
          continue;
        }
        continue_on_new_page();
      }
      draw_at(label, k_margin, m_y);
      draw_at(value, k_margin + k_block_label_width, m_y);
      m_y += h + 1.5;
    }
    m_y += 3;
    rule(0.3, 0.6);
  }

  // ---- the end ----

  void rights() {
    heading(c.text("rights_heading"), 2, "rights");
    paragraph(c.rights_intro());
    for (const auto& right : c.rights()) {
      paragraph(right.name, Font::bold, 1);
      paragraph(right.how, Font::body, 5);
    }
    if (auto complaint = c.complaint()) paragraph(*complaint);
    heading(c.text("other_people_heading"), 3);
    paragraph(c.text("other_people"));
  }

  void contact() {
    heading(c.text("contact_heading"), 2, "contact");
    paragraph(c.text("controller", {{"organisation", c.organisation()}}));
    for (const auto& line : c.contact_lines()) bullet(line);
  }

  void hashes() {
    if (m_hashes.empty()) return;
    heading(c.text("hashes_heading"), 2, "hashes");
    paragraph(c.text("hashes_intro"));
    for (const auto& file : m_hashes) {
      paragraph(c.text("hash_file", {{"file", file.file}, {"bytes", std::to_string(file.bytes)}}), Font::bold, 1);
      paragraph(file.sha256, Font::mono, 5);
    }
  }
};

// cairo 1.16 writes the heading structure (StructTreeRoot) but neither marks the document as
// tagged nor gives its language, which screen readers use to pick a voice. An incremental
// update (PDF 1.7, 7.5.6) appends a new version of the catalog with /MarkInfo and /Lang; the
// original bytes stay as they are.
// Reads `size` bytes of `file` from `offset`.
std::string read_part(const fs::path& file, std::uintmax_t offset, std::size_t size) {
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string out(size, '\0');
  in.read(out.data(), static_cast<std::streamsize>(size));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

Status mark_tagged(const fs::path& file, const std::string& language) {
  // Only the end is read: the trailer, and the catalog cairo writes just before the xref table.
  const std::uintmax_t file_size = fs::file_size(file);
  const std::size_t tail_size = static_cast<std::size_t>(std::min<std::uintmax_t>(file_size, 4096));
  std::string tail = read_part(file, file_size - tail_size, tail_size);
  std::size_t trailer_at = tail.rfind("trailer");
  std::size_t startxref_at = tail.rfind("startxref");
  if (trailer_at == std::string::npos || startxref_at == std::string::npos || startxref_at < trailer_at)
    return fail(ErrorCode::internal, "the PDF report has no trailer");
  std::string trailer = tail.substr(trailer_at, startxref_at - trailer_at);
  std::smatch root, size, info, previous;
  static const std::regex root_pattern(R"(/Root\s+(\d+)\s+0\s+R)"), size_pattern(R"(/Size\s+(\d+))"),
      info_pattern(R"(/Info\s+(\d+\s+0\s+R))"), xref_pattern(R"(startxref\s+(\d+))");
  std::string last = tail.substr(startxref_at);
  if (!std::regex_search(trailer, root, root_pattern) || !std::regex_search(trailer, size, size_pattern) ||
      !std::regex_search(last, previous, xref_pattern))
    return fail(ErrorCode::internal, "the PDF report's trailer is not understood");
  const std::string object = root[1].str();
  const std::uintmax_t xref_at_before = std::stoull(previous[1].str());
  const std::uintmax_t window = std::min<std::uintmax_t>(xref_at_before, 65536);
  std::string before_xref = read_part(file, xref_at_before - window, static_cast<std::size_t>(window));
  std::size_t start = before_xref.rfind("\n" + object + " 0 obj");
  std::size_t end = start == std::string::npos ? start : before_xref.find("endobj", start);
  if (end == std::string::npos) return fail(ErrorCode::internal, "the PDF report has no catalog where cairo writes it");
  std::string catalog = before_xref.substr(start + 1, end - start - 1);
  std::size_t close = catalog.rfind(">>");
  if (close == std::string::npos || catalog.find("/MarkInfo") != std::string::npos) return {};
  std::string lang;  // a PDF literal string: only letters, digits and '-' reach here, no escaping needed
  for (char ch : language) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-') lang += ch;
  }
  catalog.insert(close, "   /MarkInfo << /Marked true >>\n   /Lang (" + lang + ")\n");
  std::ostringstream update;
  const std::uintmax_t object_at = file_size + 1;
  update << "\n" << catalog << "endobj\n";
  const std::uintmax_t xref_at = file_size + update.str().size();
  char entry[32];
  std::snprintf(entry, sizeof entry, "%010ju 00000 n \n", object_at);
  update << "xref\n"
         << object << " 1\n"
         << entry << "trailer\n<< /Size " << size[1].str() << " /Root " << object << " 0 R";
  if (std::regex_search(trailer, info, info_pattern)) update << " /Info " << info[1].str();
  update << " /Prev " << xref_at_before << " >>\nstartxref\n" << xref_at << "\n%%EOF\n";
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out << update.str();
  if (!out) return fail(ErrorCode::unavailable, "cannot write " + file.string());
  return {};
}

}  // namespace

Status write_report_pdf(const fs::path& file, const ReportInput& input, const std::vector<FileHash>& other_files) {
  {
    PdfReport report(file, input, other_files);
    if (auto ok = report.write(); !ok) return ok;
  }
  return mark_tagged(file, input.texts.language());
}

}  // namespace maestro
