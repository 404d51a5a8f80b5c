// Result types for expected failures.
//
// Every operation that can fail for a reason a user can act on (bad input, a missing case, a
// locked store) returns `Result<T>` or `Status`. The error carries a canonical code, which the
// CLI maps to an exit status, and a one-line message meant for a privacy officer.
//
//   Result<Case> c = desk.find("DSAR-2026-001");
//   if (!c) return c.error();
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace maestro {

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
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}
inline std::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::invalid_argument, std::move(message));
}
inline std::unexpected<Error> not_found(std::string message) {
  return fail(ErrorCode::not_found, std::move(message));
}
inline std::unexpected<Error> precondition(std::string message) {
  return fail(ErrorCode::failed_precondition, std::move(message));
}
inline std::unexpected<Error> propagate(const Error& error) {
  return std::unexpected<Error>(error);
}

// A short lowercase name of the code, for JSON output and logs.
const char* error_code_name(ErrorCode code);

}  // namespace maestro
