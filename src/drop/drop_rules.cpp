#include "drop/drop_rules.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/text.hpp"
#include "config/embedded.hpp"
#include "crypto/keyring.hpp"

namespace maestro {

namespace {

std::string sha256_bytes(std::string_view text) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string ascii_case(std::string_view s, const std::string& mode) {
  std::string out(s);
  if (mode == "lower")
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  if (mode == "upper")
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  return out;
}

// Decodes one UTF-8 character at `at` (advancing it); invalid bytes come back as themselves.
char32_t next_code_point(std::string_view s, std::size_t& at) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char first = byte(at);
  std::size_t length = first < 0x80 ? 1 : (first >> 5) == 6 ? 2 : (first >> 4) == 14 ? 3 : (first >> 3) == 30 ? 4 : 1;
  if (at + length > s.size()) length = 1;
  char32_t cp = length == 1 ? first : first & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) cp = (cp << 6) | (byte(at + i) & 0x3F);
  at += length;
  return cp;
}

// Lower case for the scripts the transliteration table covers (Latin, Greek, Cyrillic).
char32_t lower_code_point(char32_t cp) {
  if (cp < 0x80) return static_cast<char32_t>(std::tolower(static_cast<int>(cp)));
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;
  if (cp >= 0x100 && cp <= 0x137 && cp % 2 == 0) return cp + 1;
  if (cp >= 0x139 && cp <= 0x148 && cp % 2 == 1) return cp + 1;
  if (cp >= 0x14A && cp <= 0x177 && cp % 2 == 0) return cp + 1;
  if (cp == 0x178) return 0xFF;
  if (cp >= 0x179 && cp <= 0x17E && cp % 2 == 1) return cp + 1;
  if (cp >= 0x218 && cp <= 0x21B && cp % 2 == 0) return cp + 1;  // Ș Ț
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
  if (cp == 0x386) return 0x3AC;
  if (cp >= 0x388 && cp <= 0x38A) return cp + 0x25;
  if (cp == 0x38C) return 0x3CC;
  if (cp == 0x38E || cp == 0x38F) return cp + 0x3F;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  if (cp == 0x490) return 0x491;
  return cp;
}

}  // namespace

std::string drop_hash(std::string_view standardized) {
  std::string digest = sha256_bytes(standardized);
  return base64(digest);
}

std::optional<DropDigest> drop_digest_of(std::string_view text) {
  if (!is_drop_hash(text)) return std::nullopt;
  unsigned char decoded[33];
  if (EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(text.data()), 44) != 33) return std::nullopt;
  DropDigest out;
  std::copy(decoded, decoded + 32, out.begin());
  return out;
}

bool is_drop_hash(std::string_view text) {
  if (text.size() != 44 || text[43] != '=' || text[42] == '=') return false;
  for (std::size_t i = 0; i < 43; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (!std::isalnum(c) && c != '+' && c != '/') return false;
  }
  // 32 bytes fill 43 characters; the last one carries 2 bits, so its low 2 bits are zero.
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return alphabet.find(text[42]) % 4 == 0;
}

Result<DropRules> DropRules::load(const std::optional<std::filesystem::path>& file) {
  if (file) {
    std::ifstream in(*file);
    if (!in) return invalid("cannot read the DROP rules file " + file->string());
    std::stringstream text;
    text << in.rdbuf();
    return parse(text.str(), file->string());
  }
  for (const auto& embedded : embedded::files()) {
    if (embedded.name == "drop/rules.yaml") return parse(embedded.content, "embedded drop/rules.yaml");
  }
  return fail(ErrorCode::internal, "the embedded DROP rules are missing from this build");
}

Result<DropRules> DropRules::parse(std::string_view yaml, std::string_view origin) {
  DropRules rules;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return invalid(std::string(origin) + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  auto at = [&](const YAML::Node& node) { return std::string(origin) + ":" + std::to_string(node.Mark().line + 1); };
  auto text = [](const YAML::Node& node, const std::string& fallback) {
    return node && node.IsScalar() ? node.as<std::string>() : fallback;
  };
  static const std::vector<std::string> known_kinds{"email", "phone", "maid", "ctvid", "first_name",
                                                    "last_name", "date_of_birth", "zip", "vin"};
  for (const auto& entry : root["lists"]) {
    std::string list = entry.first.as<std::string>();
    for (const auto& kind : entry.second) {
      std::string k = kind.as<std::string>();
      if (std::find(known_kinds.begin(), known_kinds.end(), k) == known_kinds.end())
        return invalid(at(kind) + ": list " + list + " names an unknown kind '" + k + "'");
      rules.m_lists[list].push_back(k);
    }
    if (rules.m_lists[list].empty()) return invalid(at(entry.second) + ": list " + list + " names no kind");
  }
  if (rules.m_lists.empty()) return invalid(std::string(origin) + ": 'lists' names no DROP list");
  rules.m_removed_list = text(root["removed_list"], rules.m_removed_list);
  std::string whitespace = text(root["email"]["whitespace"], "trim");
  if (whitespace != "trim" && whitespace != "remove")
    return invalid(at(root["email"]) + ": email whitespace is 'trim' or 'remove'");
  rules.m_email_remove_all_whitespace = whitespace == "remove";
  rules.m_phone_digits = std::stoi(text(root["phone"]["keep_last_digits"], "10"));
  if (rules.m_phone_digits < 1) return invalid(at(root["phone"]) + ": keep_last_digits must be positive");
  rules.m_device_case = text(root["device_ids"]["case"], "lower");
  if (rules.m_device_case != "lower" && rules.m_device_case != "upper" && rules.m_device_case != "keep")
    return invalid(at(root["device_ids"]) + ": case is lower, upper or keep");
  std::string inner = text(root["composite"]["inner_encoding"], "base64");
  if (inner != "base64" && inner != "hex") return invalid(at(root["composite"]) + ": inner_encoding is base64 or hex");
  rules.m_composite_hex = inner == "hex";
  rules.m_composite_separator = text(root["composite"]["separator"], "");
  rules.m_response_name = text(root["response"]["file_name"], rules.m_response_name);
  if (root["response"]["columns"]) {
    rules.m_response_columns.clear();
    for (const auto& c : root["response"]["columns"]) rules.m_response_columns.push_back(c.as<std::string>());
    if (rules.m_response_columns.size() != 2) return invalid(at(root["response"]) + ": columns names the ID and the status");
  }
  for (const auto& entry : root["transliterate"]) {
    std::string from = entry.first.as<std::string>();
    std::size_t i = 0;
    char32_t cp = next_code_point(from, i);
    if (from.empty() || i != from.size()) return invalid(at(entry.first) + ": transliterate maps one letter at a time");
    rules.m_transliterate[cp] = entry.second.IsNull() ? "" : entry.second.as<std::string>();
  }
  return rules;
}

const std::vector<std::string>* DropRules::kinds_of(std::string_view list) const {
  auto it = m_lists.find(std::string(list));
  return it == m_lists.end() ? nullptr : &it->second;
}

std::string DropRules::transliterate_lower(std::string_view name) const {
  std::string out;
  for (std::size_t at = 0; at < name.size();) {
    char32_t cp = lower_code_point(next_code_point(name, at));
    if (auto it = m_transliterate.find(cp); it != m_transliterate.end())
      out += it->second;
    else
      append_utf8(out, cp);
  }
  return out;
}

std::optional<std::string> DropRules::standardize(std::string_view kind, std::string_view value) const {
  std::string out;
  if (!standardize_into(kind, value, out)) return std::nullopt;
  return out;
}

namespace {

// SHA-256 through a digest context kept per thread and an algorithm fetched once: OpenSSL 3's
// one-shot SHA256() looks the algorithm up on every call, which costs more than hashing a
// short identifier.
void sha256_into(std::string_view data, DropDigest& out) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned int size = 0;
  EVP_DigestInit_ex2(ctx.get(), md, nullptr);
  EVP_DigestUpdate(ctx.get(), data.data(), data.size());
  EVP_DigestFinal_ex(ctx.get(), out.data(), &size);
}

}  // namespace

bool DropRules::digest(std::string_view kind, std::string_view value, std::string& scratch, DropDigest& out) const {
  if (!standardize_into(kind, value, scratch)) return false;
  sha256_into(scratch, out);
  return true;
}

bool DropRules::standardize_into(std::string_view kind, std::string_view value, std::string& out) const {
  out.clear();
  if (kind == "email") {
    if (m_email_remove_all_whitespace) {
      for (char c : value)
        if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    } else {
      out.assign(trimmed(value));
    }
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  } else if (kind == "phone") {
    for (char c : value)
      if (std::isdigit(static_cast<unsigned char>(c))) out += c;
    if (out.size() > static_cast<std::size_t>(m_phone_digits)) out.erase(0, out.size() - static_cast<std::size_t>(m_phone_digits));
  } else if (kind == "maid" || kind == "ctvid") {
    out = ascii_case(trimmed(value), m_device_case);
  } else if (kind == "first_name" || kind == "last_name") {
    out = transliterate_lower(trimmed(value));
  } else if (kind == "date_of_birth") {
    for (char c : value.substr(0, std::min<std::size_t>(value.size(), 10)))  // 1990-04-01, 1990-04-01T00:00
      if (std::isdigit(static_cast<unsigned char>(c))) out += c;
    if (out.size() != 8) return false;
  } else if (kind == "zip") {
    for (char c : value)
      if (std::isdigit(static_cast<unsigned char>(c))) out += c;
    if (out.size() > 5) out.resize(5);  // ZIP+4 to the five-digit ZIP
  } else if (kind == "vin") {
    for (char c : value)
      if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return !out.empty();
}

bool DropRules::composite_digest(std::string_view list, const std::vector<std::string>& values, DropDigest& out) const {
  auto hash_text = hash(list, values);
  if (!hash_text) return false;
  auto digest = drop_digest_of(*hash_text);
  if (!digest) return false;
  out = *digest;
  return true;
}

std::optional<std::string> DropRules::hash(std::string_view list, const std::vector<std::string>& values) const {
  const auto* kinds = kinds_of(list);
  if (!kinds || kinds->size() != values.size()) return std::nullopt;
  if (kinds->size() == 1) {
    auto standard = standardize(kinds->front(), values.front());
    return standard ? std::optional(drop_hash(*standard)) : std::nullopt;
  }
  std::string joined;
  for (std::size_t i = 0; i < kinds->size(); ++i) {
    auto standard = standardize((*kinds)[i], values[i]);
    if (!standard) return std::nullopt;
    if (i > 0) joined += m_composite_separator;
    joined += m_composite_hex ? hex(sha256_bytes(*standard)) : drop_hash(*standard);
  }
  return drop_hash(joined);
}

std::string DropRules::response_file_name(std::string_view date, std::string_view broker, std::string_view list) const {
  std::string name = m_response_name;
  for (auto [key, value] : {std::pair<std::string, std::string_view>{"{date}", date}, {"{broker}", broker}, {"{list}", list}}) {
    for (auto at = name.find(key); at != std::string::npos; at = name.find(key)) name.replace(at, key.size(), value);
  }
  return name;
}

}  // namespace maestro
