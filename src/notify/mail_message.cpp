#include "notify/mail_message.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <mutex>

#include "common/text.hpp"

namespace maestro {

namespace {

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

// Owns a GObject reference.
template <typename T>
struct Ref {
  T* p = nullptr;
  explicit Ref(T* object) : p(object) {}
  ~Ref() {
    if (p) g_object_unref(p);
  }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
};

// A header value as one line: no CR, LF or other control characters (header injection).
std::string one_line(const char* text) {
  std::string out;
  if (!text) return out;
  for (const char* c = text; *c; ++c) {
    unsigned char u = static_cast<unsigned char>(*c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : *c;
  }
  auto first = out.find_first_not_of(' ');
  auto last = out.find_last_not_of(' ');
  return first == std::string::npos ? "" : out.substr(first, last - first + 1);
}

std::string decoded_content(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return "";
  Ref<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, out.p);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.p));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

struct Walk {
  ReceivedMail* message;
  std::string plain, html;
};

void visit_part(GMimeObject* /*parent*/, GMimeObject* object, gpointer data) {
  auto* walk = static_cast<Walk*>(data);
  if (GMIME_IS_MESSAGE_PART(object)) return;  // a forwarded or bounced message: not this one's body
  if (!GMIME_IS_PART(object)) return;
  GMimePart* part = GMIME_PART(object);
  GMimeContentType* type = g_mime_object_get_content_type(object);
  bool attachment = g_mime_part_is_attachment(part);
  if (!attachment && GMIME_IS_TEXT_PART(object) && g_mime_content_type_is_type(type, "text", "plain")) {
    char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(object));
    if (text && walk->plain.empty()) walk->plain = text;
    g_free(text);
    return;
  }
  if (!attachment && GMIME_IS_TEXT_PART(object) && g_mime_content_type_is_type(type, "text", "html")) {
    char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(object));
    if (text && walk->html.empty()) walk->html = text;
    g_free(text);
    return;
  }
  char* mime = g_mime_content_type_get_mime_type(type);
  MailAttachment a{one_line(g_mime_part_get_filename(part)), mime ? ascii_lower(mime) : "", decoded_content(part)};
  g_free(mime);
  walk->message->attachments.push_back(std::move(a));
}

void read_addresses(GMimeMessage* gm, ReceivedMail& m) {
  InternetAddressList* from = g_mime_message_get_from(gm);
  if (!from || internet_address_list_length(from) == 0) return;
  InternetAddress* address = internet_address_list_get_address(from, 0);
  m.from_name = one_line(internet_address_get_name(address));
  if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
    m.from_address = ascii_lower(one_line(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address))));
  }
}

void read_threading(GMimeMessage* gm, ReceivedMail& m) {
  m.message_id = one_line(g_mime_message_get_message_id(gm));
  GMimeObject* object = GMIME_OBJECT(gm);
  if (const char* reply = g_mime_object_get_header(object, "In-Reply-To")) {
    GMimeReferences* refs = g_mime_references_parse(nullptr, reply);
    if (refs && g_mime_references_length(refs) > 0) m.in_reply_to = one_line(g_mime_references_get_message_id(refs, 0));
    if (refs) g_mime_references_free(refs);
  }
  if (const char* references = g_mime_object_get_header(object, "References")) {
    GMimeReferences* refs = g_mime_references_parse(nullptr, references);
    for (int i = 0; refs && i < g_mime_references_length(refs); ++i)
      m.references.push_back(one_line(g_mime_references_get_message_id(refs, i)));
    if (refs) g_mime_references_free(refs);
  }
}

void read_machine_headers(GMimeMessage* gm, ReceivedMail& m) {
  for (const char* name : {"Auto-Submitted", "Precedence", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress",
                           "X-Spam-Flag", "Return-Path", "List-Id"}) {
    if (const char* value = g_mime_object_get_header(GMIME_OBJECT(gm), name)) {
      m.machine_headers[ascii_lower(name)] = one_line(value);
    }
  }
  GMimeObject* body = g_mime_message_get_mime_part(gm);
  if (body) {
    GMimeContentType* type = g_mime_object_get_content_type(body);
    if (g_mime_content_type_is_type(type, "multipart", "report")) {
      m.report_type = ascii_lower(one_line(g_mime_content_type_get_parameter(type, "report-type")));
    }
  }
}

std::string decode_entity(std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> named{
      {"amp", "&"},      {"lt", "<"},       {"gt", ">"},       {"quot", "\""},    {"apos", "'"},     {"nbsp", " "},
      {"auml", "ä"},     {"ouml", "ö"},     {"uuml", "ü"},     {"Auml", "Ä"},     {"Ouml", "Ö"},     {"Uuml", "Ü"},
      {"szlig", "ß"},    {"eacute", "é"},   {"egrave", "è"},   {"agrave", "à"},   {"ccedil", "ç"},   {"ecirc", "ê"},
      {"aacute", "á"},   {"iacute", "í"},   {"oacute", "ó"},   {"uacute", "ú"},   {"ntilde", "ñ"},   {"atilde", "ã"},
      {"otilde", "õ"},   {"euro", "€"}};
  if (auto it = named.find(name); it != named.end()) return it->second;
  if (name.size() > 1 && name[0] == '#') {
    unsigned long code = name[1] == 'x' || name[1] == 'X' ? std::strtoul(std::string(name.substr(2)).c_str(), nullptr, 16)
                                                           : std::strtoul(std::string(name.substr(1)).c_str(), nullptr, 10);
    std::string out;
    if (code == 0 || code > 0x10FFFF) return "";
    append_utf8(out, static_cast<char32_t>(code));
    return out;
  }
  return "&" + std::string(name) + ";";
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string out;
  std::size_t i = 0;
  auto skip_element = [&](std::string_view tag) {  // <script>...</script>, <style>...</style>
    std::string close = "</" + std::string(tag);
    std::string rest = ascii_lower(std::string(html.substr(i)));
    std::size_t end = rest.find(close);
    i = end == std::string::npos ? html.size() : i + end;
  };
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      std::size_t end = html.find('>', i);
      if (end == std::string::npos) break;
      std::string tag = ascii_lower(std::string(html.substr(i + 1, end - i - 1)));
      std::string name = tag.substr(0, tag.find_first_of(" \t\r\n/", tag[0] == '/' ? 1 : 0));
      i = end + 1;
      if (name == "script" || name == "style" || name == "head") {
        skip_element(name);
        continue;
      }
      static const std::vector<std::string> blocks{"br", "p", "/p", "div", "/div", "tr", "/tr", "li", "h1", "h2", "h3",
                                                   "/h1", "/h2", "/h3", "blockquote", "/blockquote", "table", "/table"};
      if (std::find(blocks.begin(), blocks.end(), name) != blocks.end() && (out.empty() || out.back() != '\n')) {
        out += '\n';
      }
      continue;
    }
    if (c == '&') {
      std::size_t end = html.find(';', i);
      if (end != std::string::npos && end - i <= 10) {
        out += decode_entity(html.substr(i + 1, end - i - 1));
        i = end + 1;
        continue;
      }
    }
    if (c == '\r') {
      ++i;
      continue;
    }
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && (out.back() == ' ' || out.back() == '\n')) {
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

Result<ReceivedMail> parse_mail(std::string_view raw) {
  init_gmime();
  if (raw.find(':') == std::string_view::npos) return invalid("not an email message: it has no headers");
  Ref<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  Ref<GMimeParser> parser(g_mime_parser_new_with_stream(stream.p));
  Ref<GMimeMessage> gm(g_mime_parser_construct_message(parser.p, nullptr));
  if (!gm.p) return invalid("not an email message: its headers cannot be read");
  ReceivedMail m;
  read_addresses(gm.p, m);
  m.subject = one_line(g_mime_message_get_subject(gm.p));
  read_threading(gm.p, m);
  if (GDateTime* date = g_mime_message_get_date(gm.p)) {
    m.date = Instant{std::chrono::seconds{g_date_time_to_unix(date)}};
  }
  read_machine_headers(gm.p, m);
  Walk walk{&m, "", ""};
  g_mime_message_foreach(gm.p, &visit_part, &walk);
  if (!walk.plain.empty()) {
    m.text = walk.plain;
  } else if (!walk.html.empty()) {
    m.text = html_to_text(walk.html);
    m.html_only = true;
  }
  m.text.erase(std::remove(m.text.begin(), m.text.end(), '\r'), m.text.end());
  return m;
}

}  // namespace maestro
