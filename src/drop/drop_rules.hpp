// California DROP's hashing rules: how an identifier is standardized (email lowercased, a phone's
// last ten digits, a name transliterated) and hashed (SHA-256, Base64, 44 characters), so that
// Maestro compares its own records with the platform's deletion lists by hash only. The rules
// DROP's documentation leaves uncertain are data (data/drop/rules.yaml, or the operator's copy).
//
//   auto rules = *DropRules::load(std::nullopt);
//   rules.hash("Phone", {"+1(415)555-9317"});  // "vGM7y5n+hBXRSEAklhHDPCbysyNgYTmXdMcagGUOY8E="
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace maestro {

// The 32 bytes of a SHA-256.
using DropDigest = std::array<unsigned char, 32>;

// Base64 of the SHA-256 of `standardized` (its UTF-8 bytes): DROP's hash, 44 characters.
std::string drop_hash(std::string_view standardized);
// The digest a DROP hash holds; nullopt when it is not one (see is_drop_hash).
std::optional<DropDigest> drop_digest_of(std::string_view drop_hash);
// Whether `text` has the form of a DROP hash: 44 Base64 characters holding 32 bytes.
bool is_drop_hash(std::string_view text);

class DropRules {
 public:
  // The embedded rules, or the operator's file when one is named.
  static Result<DropRules> load(const std::optional<std::filesystem::path>& file);
  static Result<DropRules> parse(std::string_view yaml, std::string_view origin);

  // The list types the rules know, and the identity kinds each is compared with (several for a
  // composite list, in the order their hashes are joined).
  const std::map<std::string, std::vector<std::string>>& lists() const { return m_lists; }
  const std::vector<std::string>* kinds_of(std::string_view list) const;
  const std::string& removed_list() const { return m_removed_list; }

  // The standardized form of an identifier of this kind; nullopt when nothing is left to hash
  // (a phone without digits, an empty name).
  std::optional<std::string> standardize(std::string_view kind, std::string_view value) const;
  // The same into `out` (cleared first); false when nothing is left to hash.
  bool standardize_into(std::string_view kind, std::string_view value, std::string& out) const;
  // DROP's hash of one consumer's identifier on `list` (one value per kind of the list).
  std::optional<std::string> hash(std::string_view list, const std::vector<std::string>& values) const;
  // The digest of one identifier of a single-kind list, standardized into `scratch` (reused, so
  // that a pass over millions of records allocates nothing per value). False: nothing to hash.
  bool digest(std::string_view kind, std::string_view value, std::string& scratch, DropDigest& out) const;
  // The digest of a composite list's identifier (NDZ, NameVIN): one value per kind of the list.
  bool composite_digest(std::string_view list, const std::vector<std::string>& values, DropDigest& out) const;

  std::string response_file_name(std::string_view date, std::string_view broker, std::string_view list) const;
  const std::vector<std::string>& response_columns() const { return m_response_columns; }

 private:
  std::string transliterate_lower(std::string_view name) const;

  std::map<std::string, std::vector<std::string>> m_lists;
  std::string m_removed_list = "Removed";
  bool m_email_remove_all_whitespace = false;
  int m_phone_digits = 10;
  std::string m_device_case = "lower";
  bool m_composite_hex = false;
  std::string m_composite_separator;
  std::string m_response_name = "{date}_{broker}_{list}_Status.csv";
  std::vector<std::string> m_response_columns{"ID", "Status"};
  std::map<char32_t, std::string> m_transliterate;
};

}  // namespace maestro
