#include "crypto/keyring.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace maestro {

namespace {

constexpr std::size_t k_key_bytes = 32;
constexpr std::size_t k_nonce_bytes = 12;
constexpr std::size_t k_tag_bytes = 16;
constexpr char k_sealed_version = '\x01';

struct CipherContext {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  CipherContext() {
    if (!ctx) throw std::bad_alloc();
  }
  ~CipherContext() { EVP_CIPHER_CTX_free(ctx); }
  CipherContext(const CipherContext&) = delete;
  CipherContext& operator=(const CipherContext&) = delete;
};

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

}  // namespace

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string to_hex(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0x0f]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha256(), nullptr);
  return to_hex(std::string_view(reinterpret_cast<const char*>(out.data()), length));
}

Result<std::string> sha256_file_hex(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::unavailable, "cannot read " + path.string());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::array<char, 1 << 16> chunk{};
  while (in) {
    in.read(chunk.data(), chunk.size());
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return fail(ErrorCode::unavailable, "cannot read " + path.string());
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), out.data(), &length);
  return to_hex(std::string_view(reinterpret_cast<const char*>(out.data()), length));
}

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (RAND_bytes(bytes(out), static_cast<int>(count)) != 1) {
    throw std::runtime_error("the operating system's random source failed");
  }
  return out;
}

SecretKeyRing::SecretKeyRing(std::string master_key)
    : m_pseudonym_key(hmac_sha256(master_key, "maestro/pseudonym/v1")),
      m_integrity_key(hmac_sha256(master_key, "maestro/integrity/v1")),
      m_encryption_key(hmac_sha256(master_key, "maestro/encryption/v1")) {}

std::string SecretKeyRing::pseudonym(std::string_view value) const {
  return to_hex(hmac_sha256(m_pseudonym_key, value));
}

std::string SecretKeyRing::integrity_mac(std::string_view data) const {
  return to_hex(hmac_sha256(m_integrity_key, data));
}

// Layout: version byte | 12-byte nonce | ciphertext | 16-byte tag.
std::string SecretKeyRing::seal(std::string_view plaintext) const {
  std::string nonce = random_bytes(k_nonce_bytes);
  std::string out;
  out.reserve(1 + k_nonce_bytes + plaintext.size() + k_tag_bytes);
  out.push_back(k_sealed_version);
  out += nonce;
  std::string cipher(plaintext.size(), '\0');
  CipherContext c;
  int length = 0;
  EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, bytes(m_encryption_key), bytes(nonce));
  EVP_EncryptUpdate(c.ctx, bytes(cipher), &length, bytes(plaintext), static_cast<int>(plaintext.size()));
  int tail = 0;
  EVP_EncryptFinal_ex(c.ctx, bytes(cipher) + length, &tail);
  std::string tag(k_tag_bytes, '\0');
  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(k_tag_bytes), tag.data());
  out += cipher;
  out += tag;
  return out;
}

Result<std::string> SecretKeyRing::open(std::string_view sealed) const {
  if (sealed.size() < 1 + k_nonce_bytes + k_tag_bytes || sealed[0] != k_sealed_version) {
    return fail(ErrorCode::data_loss, "encrypted field is truncated or of an unknown format");
  }
  std::string_view nonce = sealed.substr(1, k_nonce_bytes);
  std::string_view cipher = sealed.substr(1 + k_nonce_bytes, sealed.size() - 1 - k_nonce_bytes - k_tag_bytes);
  std::string tag(sealed.substr(sealed.size() - k_tag_bytes));
  std::string plain(cipher.size(), '\0');
  CipherContext c;
  int length = 0;
  EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, bytes(m_encryption_key), bytes(nonce));
  EVP_DecryptUpdate(c.ctx, bytes(plain), &length, bytes(cipher), static_cast<int>(cipher.size()));
  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(k_tag_bytes), tag.data());
  int tail = 0;
  if (EVP_DecryptFinal_ex(c.ctx, bytes(plain) + length, &tail) != 1) {
    return fail(ErrorCode::data_loss,
                "encrypted field does not decrypt: it was altered, or the key file is not the one "
                "this store was created with");
  }
  return plain;
}

Result<std::unique_ptr<KeyRing>> load_or_create_key_file(const std::filesystem::path& path, KeyFileMode mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (mode == KeyFileMode::must_exist) {
      return not_found("key file " + path.string() +
                       " is missing: restore it from your backup (without it the case store cannot "
                       "be read)");
    }
    std::string key = random_bytes(k_key_bytes);
    fs::create_directories(path.parent_path().empty() ? fs::path(".") : path.parent_path(), ec);
    // Create with 0600 from the start so the key is never readable by others, even briefly.
    mode_t old_mask = ::umask(0077);
    std::ofstream out(path, std::ios::out | std::ios::trunc);
    ::umask(old_mask);
    out << to_hex(key) << '\n';
    out.close();
    if (!out) return fail(ErrorCode::unavailable, "cannot write key file " + path.string());
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
    return std::make_unique<SecretKeyRing>(std::move(key));
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & 0077) != 0) {
    return fail(ErrorCode::permission_denied,
                "key file " + path.string() + " can be read by other users: run chmod 600 on it");
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string hex = text.str();
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) hex.pop_back();
  auto key = from_hex(hex);
  if (!in || !key || key->size() != k_key_bytes) {
    return fail(ErrorCode::data_loss, "key file " + path.string() + " is not a Maestro key (expected 64 hex digits)");
  }
  return std::make_unique<SecretKeyRing>(std::move(*key));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out.data(), &length);
  return std::string(reinterpret_cast<const char*>(out.data()), length);
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace maestro
