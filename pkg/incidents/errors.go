package incidents

import (
	"errors"
	"fmt"
)

// Error kinds the HTTP layer maps to status codes.
var (
	ErrNotFound = errors.New("incident not found")
)

// ValidationError is a 400 with the offending field.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// TooLargeError is a 413.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("request body exceeds %d bytes", e.Limit)
}

// TransitionError is a 409 for a status change the lifecycle forbids.
type TransitionError struct {
	From    string
	To      string
	Allowed []string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("invalid status transition %s → %s; allowed from %s: %v", e.From, e.To, e.From, e.Allowed)
}

// ConflictError is a 409 for a stale version (optimistic concurrency). The
// zero value means the retries ran out without a version from the request
// (versions start at 1).
type ConflictError struct {
	Expected int64
	Current  int64
}

func (e *ConflictError) Error() string {
	if e.Expected == 0 {
		return "incident is being modified concurrently by others; reload and retry"
	}
	return fmt.Sprintf("incident was modified concurrently: version is %d, request expected %d; reload and retry", e.Current, e.Expected)
}

// TimelineFullError is a 409: the write would take the incident's timeline
// past its cap (creation, changes and notes together).
type TimelineFullError struct{ Limit int }

func (e *TimelineFullError) Error() string {
	return fmt.Sprintf("the incident's timeline is full: it holds at most %d events (creation, changes and notes); nothing was saved — record further work in a new incident", e.Limit)
}
