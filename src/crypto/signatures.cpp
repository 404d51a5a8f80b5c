#include "crypto/signatures.hpp"

#include <sodium.h>

#include "common/text.hpp"
#include "crypto/keyring.hpp"

namespace maestro {

namespace {

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::optional<std::string> decode_variant(std::string_view text, int variant) {
  std::string out(text.size() * 3 / 4 + 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &length, &end, variant) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  out.resize(length);
  return out;
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  if (!sodium_ready()) return std::nullopt;
  text = trimmed(text);
  if (text.empty()) return std::nullopt;
  bool padded = text.back() == '=';
  bool url_safe = text.find_first_of("-_") != std::string_view::npos;
  int variant = url_safe ? (padded ? sodium_base64_VARIANT_URLSAFE : sodium_base64_VARIANT_URLSAFE_NO_PADDING)
                         : (padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  return decode_variant(text, variant);
}

std::optional<std::string> parse_verify_key(std::string_view text) {
  text = trimmed(text);
  if (text.size() == 2 * crypto_sign_PUBLICKEYBYTES) {
    if (auto raw = from_hex(text)) return raw;
  }
  auto raw = decode_base64(text);
  if (raw && raw->size() == crypto_sign_PUBLICKEYBYTES) return raw;
  return std::nullopt;
}

Result<std::string> open_signed(std::string_view signed_message, std::string_view verify_key) {
  if (!sodium_ready()) return fail(ErrorCode::internal, "libsodium could not be initialised");
  if (verify_key.size() != crypto_sign_PUBLICKEYBYTES) return fail(ErrorCode::invalid_argument, "the verify key is not 32 bytes");
  if (signed_message.size() < crypto_sign_BYTES) return fail(ErrorCode::permission_denied, "the message is shorter than a signature");
  std::string message(signed_message.size() - crypto_sign_BYTES, '\0');
  unsigned long long length = 0;
  if (crypto_sign_open(reinterpret_cast<unsigned char*>(message.data()), &length,
                       reinterpret_cast<const unsigned char*>(signed_message.data()), signed_message.size(),
                       reinterpret_cast<const unsigned char*>(verify_key.data())) != 0)
    return fail(ErrorCode::permission_denied, "the signature does not verify");
  message.resize(static_cast<std::size_t>(length));
  return message;
}

}  // namespace maestro
