package access

import (
	"strings"

	"github.com/sesame-cli/sesame/internal/org"
)

// TrustPrincipal is one source a machine role's trust admits directly:
// a GitHub repository with one branch, tag, environment or pull requests,
// an OIDC issuer with one subject, a SAML provider or an AWS principal.
type TrustPrincipal struct {
	Type string // TypeGitHub, TypeOIDC, TypeSAML or TypeAWS
	Name string // "acme/infrastructure (environment apply)"
	// Entry is the index of the trust entry among those of its type
	// (trust.github[Entry]); Field and Value say which part of the entry
	// admits this principal ("environments", "apply").
	Entry int
	Field string
	Value string
	// Item is the index of Value in the entry's list (OIDC subjects, AWS
	// principals).
	Item int
	// Statement describes the trust entry in YAML terms for Explain.
	Statement string
}

// TrustPrincipals lists the sources trust admits directly, in the order
// they are written. Permission sets (chaining) are not among them: they
// reach roles through the groups and users that hold them.
func TrustPrincipals(t org.Trust) []TrustPrincipal {
	var out []TrustPrincipal
	for i, g := range t.GitHub {
		prefix := "repo:" + g.Repository + ":"
		for _, sub := range g.Subjects {
			field, value, label := githubSubject(strings.TrimPrefix(sub, prefix))
			st := "trust.github: " + g.Repository + ", " + field
			if value != "" {
				st += ": " + value
			} else if field == "pull_requests" {
				st += ": true"
			}
			if len(g.Workflows) > 0 {
				st += " (workflows: " + strings.Join(g.Workflows, ", ") + ")"
			}
			out = append(out, TrustPrincipal{Type: TypeGitHub, Name: g.Repository + " (" + label + ")",
				Entry: i, Field: field, Value: value, Statement: st})
		}
	}
	for i, o := range t.OIDC {
		issuer := strings.TrimSuffix(strings.TrimPrefix(o.Issuer, "https://"), "/")
		for j, sub := range o.Subjects {
			out = append(out, TrustPrincipal{Type: TypeOIDC, Name: issuer + " (" + sub + ")", Entry: i,
				Field: "subjects", Value: sub, Item: j,
				Statement: "trust.oidc: " + o.Issuer + ", subject " + sub + ", audiences " + strings.Join(o.Audiences, ", ")})
		}
	}
	for i, s := range t.SAML {
		out = append(out, TrustPrincipal{Type: TypeSAML, Name: s.Provider, Entry: i, Field: "provider", Value: s.Provider,
			Statement: "trust.saml: provider " + s.Provider + ", audience " + s.Audience})
	}
	for i, a := range t.AWS {
		for j, p := range a.Principals {
			st := "trust.aws: " + p
			if a.ExternalID != "" {
				st += " with external_id " + a.ExternalID
			}
			out = append(out, TrustPrincipal{Type: TypeAWS, Name: p, Entry: i, Field: "principals", Value: p, Item: j, Statement: st})
		}
	}
	return out
}

// githubSubject turns the part of a GitHub sub claim after
// "repo:owner/name:" into the trust field that wrote it, its value and a
// short label.
func githubSubject(rest string) (field, value, label string) {
	switch {
	case strings.HasPrefix(rest, "ref:refs/heads/"):
		v := strings.TrimPrefix(rest, "ref:refs/heads/")
		return "branches", v, "branch " + v
	case strings.HasPrefix(rest, "ref:refs/tags/"):
		v := strings.TrimPrefix(rest, "ref:refs/tags/")
		return "tags", v, "tag " + v
	case strings.HasPrefix(rest, "environment:"):
		v := strings.TrimPrefix(rest, "environment:")
		return "environments", v, "environment " + v
	case rest == "pull_request":
		return "pull_requests", "", "pull requests"
	}
	return "subject", rest, rest
}
