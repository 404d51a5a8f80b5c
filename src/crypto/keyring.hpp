// The installation's secrets: keyed pseudonyms and encryption at rest.
//
// One 256-bit master key, kept in a key file readable only by its owner, is the root of all
// secrets. Separate sub-keys are derived from it for each purpose, so that a pseudonym can never
// be mistaken for a MAC of something else.
//
//   auto ring = load_or_create_key_file(home / "secret.key", KeyFileMode::create_if_missing);
//   std::string id = ring->pseudonym("email:jane@example.com");   // 64 hex chars, stable
//   std::string box = ring->seal("Jane Example");                 // AES-256-GCM, random nonce
//   ring->open(box) == "Jane Example"
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace maestro {

class KeyRing {
 public:
  virtual ~KeyRing() = default;
  // HMAC-SHA256 of `value` under the pseudonym key, as lowercase hex. The same value always maps
  // to the same pseudonym within one installation and cannot be reversed without the key.
  virtual std::string pseudonym(std::string_view value) const = 0;
  // HMAC-SHA256 of `data` under the integrity key, as lowercase hex (used to anchor the audit trail).
  virtual std::string integrity_mac(std::string_view data) const = 0;
  // Encrypts with AES-256-GCM under a fresh random nonce. The result is binary.
  virtual std::string seal(std::string_view plaintext) const = 0;
  // Decrypts what seal() produced; data_loss if it was altered or sealed under another key.
  virtual Result<std::string> open(std::string_view sealed) const = 0;
};

// A key ring over a 32-byte master key held in memory. Thread-safe (all methods are const).
class SecretKeyRing final : public KeyRing {
 public:
  explicit SecretKeyRing(std::string master_key);
  std::string pseudonym(std::string_view value) const override;
  std::string integrity_mac(std::string_view data) const override;
  std::string seal(std::string_view plaintext) const override;
  Result<std::string> open(std::string_view sealed) const override;

 private:
  std::string m_pseudonym_key;
  std::string m_integrity_key;
  std::string m_encryption_key;
};

enum class KeyFileMode { must_exist, create_if_missing };

// Reads the hex master key from `path`. With create_if_missing, a new random key is written with
// mode 0600 when the file does not exist. Refuses a key file that other users can read.
Result<std::unique_ptr<KeyRing>> load_or_create_key_file(const std::filesystem::path& path, KeyFileMode mode);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// HMAC-SHA256 of `data` under `key`, as raw bytes (SigV4, webhook signatures).
std::string hmac_sha256(std::string_view key, std::string_view data);
// Standard base64 (RFC 4648, with padding) of raw bytes.
std::string base64(std::string_view bytes);
// Lowercase hex SHA-256 of a file's contents, read in small chunks (files may be large).
Result<std::string> sha256_file_hex(const std::filesystem::path& path);
// `count` bytes from the operating system's cryptographic random source.
std::string random_bytes(std::size_t count);
std::string to_hex(std::string_view bytes);
// The bytes of lowercase or uppercase hex; nullopt when `hex` is not hex.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace maestro
