package policy

import (
	"fmt"
	"strings"
)

// Kind says what a document is for; it decides which elements are allowed.
type Kind int

const (
	// Identity is a policy attached to a role or permission set.
	Identity Kind = iota
	// Trust is a role's trust (assume-role) policy.
	Trust
)

// Problem is one mistake in a document. Statement is the index of the
// statement at fault, or -1 for the document as a whole.
type Problem struct {
	Statement int
	Warning   bool
	Msg       string
}

var (
	conditionOp = operatorSet(
		"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
		"StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
		"NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
		"DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
		"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals",
		"ArnNotLike", "Null",
	)
)

func operatorSet(ops ...string) map[string]bool {
	m := make(map[string]bool, len(ops))
	for _, op := range ops {
		m[op] = true
	}
	return m
}

// ValidOperator reports whether op is an IAM condition operator, with the
// optional ForAllValues:/ForAnyValue: prefix and IfExists suffix.
func ValidOperator(op string) bool {
	base := op
	if p, rest, ok := strings.Cut(op, ":"); ok {
		if p != "ForAllValues" && p != "ForAnyValue" {
			return false
		}
		base = rest
	}
	if trimmed, ok := strings.CutSuffix(base, "IfExists"); ok {
		// Null has no IfExists form: it already tests for absence.
		return trimmed != "Null" && conditionOp[trimmed]
	}
	return conditionOp[base]
}

// Validate checks the grammar of d and the AWS size limits for its kind.
// partition, when not empty, is the partition ARNs must name.
func Validate(d *Document, kind Kind, partition string) []Problem {
	var out []Problem
	add := func(i int, format string, args ...any) {
		out = append(out, Problem{Statement: i, Msg: fmt.Sprintf(format, args...)})
	}
	if d.Version != DefaultVersion && d.Version != "2008-10-17" {
		if d.Version == "" {
			add(-1, "policy Version is missing; use %q", DefaultVersion)
		} else {
			add(-1, "policy Version %q is not a policy language version; use %q", d.Version, DefaultVersion)
		}
	}
	if len(d.Statement) == 0 {
		add(-1, "policy has no statements")
	}
	sids := map[string]int{}
	for i, s := range d.Statement {
		if s.Sid != "" {
			if !alnum(s.Sid) {
				add(i, "sid %q may only hold letters and digits", s.Sid)
			}
			if j, dup := sids[s.Sid]; dup {
				add(i, "sid %q is used by statement %d too; sids must be unique", s.Sid, j+1)
			}
			sids[s.Sid] = i
		}
		if s.Effect != "Allow" && s.Effect != "Deny" {
			add(i, "effect must be Allow or Deny, got %q", s.Effect)
		}
		switch {
		case len(s.Action) == 0 && len(s.NotAction) == 0:
			add(i, "statement has no actions")
		case len(s.Action) > 0 && len(s.NotAction) > 0:
			add(i, "statement has both actions and not_actions; use one")
		}
		for _, a := range append(append(Values{}, s.Action...), s.NotAction...) {
			if a != "*" && !validAction(a) {
				add(i, "action %q is not of the form service:Action (e.g. s3:GetObject)", a)
			}
		}
		switch kind {
		case Identity:
			if len(s.Principal) > 0 || len(s.NotPrincipal) > 0 {
				add(i, "a principal belongs in trust policies, not in a role or permission-set policy")
			}
			switch {
			case len(s.Resource) == 0 && len(s.NotResource) == 0:
				add(i, "statement has no resources")
			case len(s.Resource) > 0 && len(s.NotResource) > 0:
				add(i, "statement has both resources and not_resources; use one")
			}
		case Trust:
			if len(s.Principal) == 0 && len(s.NotPrincipal) == 0 {
				add(i, "trust statement has no principal")
			}
			if len(s.Resource) > 0 || len(s.NotResource) > 0 {
				add(i, "a trust policy statement takes no resources")
			}
		}
		for _, r := range append(append(Values{}, s.Resource...), s.NotResource...) {
			if r == "*" {
				continue
			}
			if !validARN(r) {
				add(i, "resource %q is not an ARN (arn:partition:service:region:account:resource) or *", r)
				continue
			}
			if p := strings.SplitN(r, ":", 3)[1]; partition != "" && p != partition && p != "*" {
				add(i, "resource %q is in partition %s, but the organization is in %s", r, p, partition)
			}
		}
		for op, keys := range s.Condition {
			if !ValidOperator(op) {
				add(i, "unknown condition operator %q", op)
			}
			if strings.HasPrefix(op, "ForAllValues:") && s.Effect == "Allow" {
				out = append(out, Problem{Statement: i, Warning: true, Msg: fmt.Sprintf(
					"%s in an Allow statement is true when the key is missing; prefer ForAnyValue or a plain operator", op)})
			}
			for k, vals := range keys {
				if k == "" || strings.ContainsAny(k, " \t") {
					add(i, "condition key %q is not a key name", k)
				}
				if len(vals) == 0 {
					add(i, "condition %s %s has no values", op, k)
				}
			}
		}
	}
	// Most documents are far below the limits: an upper bound on their size
	// settles it without encoding them.
	limit := MaxNonWhitespace
	if kind == Trust {
		limit = MaxTrustChars
	}
	if d.sizeBound() <= limit {
		return out
	}
	n, nonWS := d.Size()
	switch kind {
	case Identity:
		if n > MaxInlineBytes {
			add(-1, "policy is %d bytes; AWS allows %d", n, MaxInlineBytes)
		}
		if nonWS > MaxNonWhitespace {
			add(-1, "policy has %d characters (without spaces); AWS allows %d", nonWS, MaxNonWhitespace)
		}
	case Trust:
		if nonWS > MaxTrustCharsHard {
			add(-1, "trust policy has %d characters; AWS allows at most %d even with a raised quota", nonWS, MaxTrustCharsHard)
		} else if nonWS > MaxTrustChars {
			out = append(out, Problem{Statement: -1, Warning: true, Msg: fmt.Sprintf(
				"trust policy has %d characters; the default quota is %d (raise ACLSizePerRole in every account, up to %d)", nonWS, MaxTrustChars, MaxTrustCharsHard)})
		}
	}
	return out
}

// The checks below are written by hand: policies are validated for every
// account a machine role lands in, and the equivalent regular expressions
// dominated resolving a 2,000-account organization.

// validAction matches service:Action (service lowercase letters, digits
// and dashes; action letters, digits, * and ?).
func validAction(a string) bool {
	svc, act, ok := strings.Cut(a, ":")
	if !ok || svc == "" || act == "" || svc[0] == '-' {
		return false
	}
	for i := 0; i < len(svc); i++ {
		c := svc[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	for i := 0; i < len(act); i++ {
		c := act[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '*' || c == '?') {
			return false
		}
	}
	return true
}

// validARN checks arn:partition:service:region:account:resource with a
// known partition (or *) and a non-empty resource.
func validARN(r string) bool {
	parts := strings.SplitN(r, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[5] == "" {
		return false
	}
	switch parts[1] {
	case "aws", "aws-us-gov", "aws-cn", "*":
	default:
		return false
	}
	return true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
