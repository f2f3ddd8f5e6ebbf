// Package incidents holds the incident rules: validation, the status
// lifecycle, timeline events, and the Service used by the HTTP resources.
package incidents

import "slices"

// Statuses of the incident lifecycle.
const (
	StatusOpen          = "open"
	StatusInvestigating = "investigating"
	StatusMitigated     = "mitigated"
	StatusResolved      = "resolved"
)

// Statuses lists every status in lifecycle order.
var Statuses = []string{StatusOpen, StatusInvestigating, StatusMitigated, StatusResolved}

// Severities lists every severity, most severe first.
var Severities = []string{"critical", "high", "medium", "low"}

// Transitions is THE allowed-transition table (documented in docs/INCIDENTS.md).
// Forward moves may skip steps (e.g. a false alarm goes open → resolved);
// a failed mitigation goes back mitigated → investigating; a resolved
// incident can only be reopened (resolved → open). Setting the current
// status again is a no-op, not a transition. Every other pair is rejected
// with 409.
var Transitions = map[string][]string{
	StatusOpen:          {StatusInvestigating, StatusMitigated, StatusResolved},
	StatusInvestigating: {StatusMitigated, StatusResolved},
	StatusMitigated:     {StatusInvestigating, StatusResolved},
	StatusResolved:      {StatusOpen},
}

// CanTransition reports whether from → to is allowed (from == to is a no-op
// and reported as allowed).
func CanTransition(from, to string) bool {
	if from == to {
		return slices.Contains(Statuses, from)
	}
	return slices.Contains(Transitions[from], to)
}

// AllowedFrom returns the statuses reachable from from (never nil).
func AllowedFrom(from string) []string {
	out := append([]string{}, Transitions[from]...)
	return out
}
