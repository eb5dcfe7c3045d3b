package notebooks

import (
	"errors"
	"fmt"
)

// Error codes. The server maps each to an HTTP status and a websocket error message.
const (
	EInvalid      = "invalid"       // bad input from the user: 400
	ENotFound     = "not_found"     // 404
	EConflict     = "conflict"      // the target changed or exists: 409
	EBrokenFile   = "broken_file"   // a notebook file that does not parse: 422
	EUnauthorized = "unauthorized"  // 401
	EForbidden    = "forbidden"     // 403
	ETooLarge     = "too_large"     // 413
	ERun          = "run_error"     // the paragraph's code failed (bad SQL, Go that does not compile, a panic)
	EKernelDied   = "kernel_died"   // the kernel process died during the run; it was restarted
	ECanceled     = "canceled"      // the run was cancelled
	EInternal     = "internal"      // 500: details are logged, not shown
	EUnavailable  = "unavailable"   // 503
	EStorage      = "storage_error" // object storage failed (unreachable, denied, dropped the connection): 502
)

// Error is an error with a code users and programs can act on. Message is safe to show to users.
// Line and Column, when set, point into the paragraph's text (1-based).
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: line %d: %s", e.Code, e.Line, e.Message)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns the first *Error in err's chain, or an EInternal error whose message hides
// the details (callers log err itself).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EInternal, Message: "internal error"}
}
