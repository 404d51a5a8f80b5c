// A throwaway Ed25519 key pair for tests that play a signing agent: libsodium's combined mode
// (the signature followed by the message), as DRP agents sign. Header-only, so that only the
// tests that use it link libsodium.
#pragma once

#include <sodium.h>

#include <stdexcept>
#include <string>

namespace maestro::testing {

struct Ed25519KeyPair {
  std::string public_key = std::string(crypto_sign_PUBLICKEYBYTES, '\0');
  std::string secret_key = std::string(crypto_sign_SECRETKEYBYTES, '\0');

  Ed25519KeyPair() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
    crypto_sign_keypair(reinterpret_cast<unsigned char*>(public_key.data()),
                        reinterpret_cast<unsigned char*>(secret_key.data()));
  }

  // The signed message, raw bytes.
  std::string sign(const std::string& message) const {
    std::string out(message.size() + crypto_sign_BYTES, '\0');
    unsigned long long length = 0;
    crypto_sign(reinterpret_cast<unsigned char*>(out.data()), &length,
                reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                reinterpret_cast<const unsigned char*>(secret_key.data()));
    out.resize(length);
    return out;
  }
};

}  // namespace maestro::testing
