// Result types for expected failures.
//
// Every operation that can fail for a reason a user can act on (bad input, a missing case, a
// locked store) returns `Result<T>` or `Status`. The error carries a canonical code, which the
// CLI maps to an exit status, and a one-line message meant for a privacy officer.
//
//   Result<Case> c = desk.find("DSAR-2026-001");
//   if (!c) return c.error();
#pragma once

#include <string>
#include <utility>

// std::expected where the standard library has it (libstdc++ 12 with g++ 12); tl::expected
// (Debian's libexpected-dev, the same interface) where it does not, as with clang 14, whose
// concepts level libstdc++ 12's <expected> does not accept.
#if __has_include(<expected>)
#include <expected>
#endif
#if !defined(__cpp_lib_expected)
#include <tl/expected.hpp>
#endif

namespace maestro {

#if defined(__cpp_lib_expected)
template <typename T, typename E>
using Expected = std::expected<T, E>;
template <typename E>
using Unexpected = std::unexpected<E>;
#else
template <typename T, typename E>
using Expected = tl::expected<T, E>;
template <typename E>
using Unexpected = tl::unexpected<E>;
#endif

enum class ErrorCode {
  invalid_argument,     // the input is malformed: a date, a right, an email
  not_found,            // a case, a key file or a file that must exist does not
  already_exists,       // something that must be unique is not
  failed_precondition,  // the request is valid but not in this state (an invalid transition)
  unavailable,          // a resource is busy or unreachable (a locked store)
  data_loss,            // stored data is corrupt or has been tampered with
  permission_denied,    // the caller may not do this
  internal,             // a bug or an unexpected library failure
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

template <typename T>
using Result = Expected<T, Error>;

using Status = Expected<void, Error>;

inline Unexpected<Error> fail(ErrorCode code, std::string message) {
  return Unexpected<Error>(Error{code, std::move(message)});
}
inline Unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::invalid_argument, std::move(message));
}
inline Unexpected<Error> not_found(std::string message) {
  return fail(ErrorCode::not_found, std::move(message));
}
inline Unexpected<Error> precondition(std::string message) {
  return fail(ErrorCode::failed_precondition, std::move(message));
}
inline Unexpected<Error> propagate(const Error& error) {
  return Unexpected<Error>(error);
}

// A short lowercase name of the code, for JSON output and logs.
const char* error_code_name(ErrorCode code);

}  // namespace maestro
