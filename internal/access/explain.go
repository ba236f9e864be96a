package access

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// Query is what Explain is asked: a principal, an identity or an
// account/access target, optionally narrowed to one account and one
// permission set.
type Query struct {
	// Subject is a group or user name, a typed principal ("group:DevOps",
	// "user:…", "github:acme/infrastructure", "oidc:…", "saml:…", "aws:…"),
	// an identity name, or account/PermissionSet or account/machine-role.
	Subject string `json:"subject"`
	// Account is an account name or id.
	Account string `json:"account,omitempty"`
	// PermissionSet keeps grants of this set and roles chained from it.
	PermissionSet string `json:"permission_set,omitempty"`
}

// Subject kinds.
const (
	SubjectPrincipal = "principal" // who: a group, user or trust source
	SubjectIdentity  = "identity"  // an identity, explained by its target
	SubjectTarget    = "target"    // account/PermissionSet or account/role
)

// Subject is what the query named, resolved.
type Subject struct {
	Kind string `json:"kind"`
	// Principal subjects: the type and the name as asked; a GitHub
	// repository or OIDC issuer without a subject covers all of them.
	PrincipalType string `json:"principal_type,omitempty"`
	Principal     string `json:"principal,omitempty"`
	// Identity and target subjects: the access in one account.
	Account    string `json:"account,omitempty"`
	AccountID  string `json:"account_id,omitempty"`
	AccessType string `json:"access_type,omitempty"`
	Access     string `json:"access,omitempty"`
	RoleARN    string `json:"role_arn,omitempty"`
}

// Label is the subject in prose: "group DevOps", "TerraformApplyAccess in
// plat-dev", "role terraform in plat-dev".
func (s Subject) Label() string {
	if s.Kind == SubjectPrincipal {
		return s.PrincipalType + " " + s.Principal
	}
	if s.AccessType == AccessRole {
		return "role " + s.Access + " in " + s.Account
	}
	return s.Access + " in " + s.Account
}

// IdentityInfo is the identity a query named.
type IdentityInfo struct {
	Name          string     `json:"name"`
	Kind          string     `json:"kind"`
	Derived       bool       `json:"derived"`
	Description   string     `json:"description,omitempty"`
	Account       string     `json:"account,omitempty"`
	PermissionSet string     `json:"permission_set,omitempty"`
	MachineRole   string     `json:"machine_role,omitempty"`
	RoleARN       string     `json:"role_arn,omitempty"`
	ViaIdentity   string     `json:"via_identity,omitempty"`
	ViaProvider   string     `json:"via_provider,omitempty"`
	Chain         []string   `json:"chain"`
	Pos           config.Pos `json:"pos"`
}

// Reason is one grant with the configuration that creates it: the
// assignment entry for permission sets and chained roles, the trust
// statement for roles.
type Reason struct {
	Grant
	Assignment *AssignmentSource `json:"assignment,omitempty"`
	Trust      *TrustSource      `json:"trust,omitempty"`
}

// Explanation answers a Query.
type Explanation struct {
	Query    Query         `json:"query"`
	Subject  Subject       `json:"subject"`
	Identity *IdentityInfo `json:"identity,omitempty"`
	Reasons  []Reason      `json:"grants"`
	// Notes say what the grants cannot (a role sesame does not manage).
	Notes []string `json:"notes,omitempty"`
	// Missing says why there are no grants; empty when there are.
	Missing string `json:"missing,omitempty"`
}

// AmbiguousError is a subject that names two things.
type AmbiguousError struct {
	Name  string
	Kinds []string // "group", "user"
}

func (e *AmbiguousError) Error() string {
	var forms []string
	for _, k := range e.Kinds {
		forms = append(forms, k+":"+e.Name)
	}
	return fmt.Sprintf("%q is both a %s; write %s", e.Name, strings.Join(e.Kinds, " and a "), strings.Join(forms, " or "))
}

// Explain finds every grant behind q. cfg, when given, adds the account
// selector and the exact list items to each reason; positions otherwise
// come from the model. A subject or filter o does not define is an
// *UnknownError; an empty answer is an Explanation with Missing set.
func Explain(o *org.Org, cfg *config.Config, q Query) (*Explanation, error) {
	e := &Explanation{Query: q, Reasons: []Reason{}}
	if q.Account != "" {
		a := findAccount(o, q.Account)
		if a == nil {
			return nil, unknown("account", q.Account, accountNames(o))
		}
		q.Account = a.Name
	}
	if q.PermissionSet != "" {
		if _, ok := o.PermissionSet(q.PermissionSet); !ok {
			return nil, unknown("permission set", q.PermissionSet, setNames(o))
		}
	}
	match, err := e.resolve(o, q.Subject)
	if err != nil {
		return nil, err
	}
	if match == nil {
		// The subject reaches nothing the configuration grants; the last
		// note says why.
		e.Missing = e.Notes[len(e.Notes)-1]
		e.Notes = e.Notes[:len(e.Notes)-1]
		return e, nil
	}
	src := newSource(o, cfg)
	var inAccount []string // what the principal holds in q.Account, for Missing
	for _, g := range Grants(o) {
		if !match(g) || (q.Account != "" && g.Account != q.Account) {
			continue
		}
		if q.PermissionSet != "" && g.Access != q.PermissionSet && g.Via != q.PermissionSet {
			if g.AccessType == AccessPermissionSet {
				inAccount = append(inAccount, g.Access)
			}
			continue
		}
		r := Reason{Grant: g}
		switch {
		case g.AccessType == AccessPermissionSet:
			r.Assignment = src.assignment(g.Source, g.Access, g.Account)
		case g.Via != "":
			r.Assignment = src.assignment(g.Source, g.Via, g.Account)
			r.Trust = src.trust(g)
		default:
			r.Trust = src.trust(g)
		}
		e.Reasons = append(e.Reasons, r)
	}
	if len(e.Reasons) == 0 {
		e.Missing = e.missing(q, inAccount)
	}
	return e, nil
}

func (e *Explanation) missing(q Query, inAccount []string) string {
	s := e.Subject
	if s.Kind == SubjectPrincipal {
		who := s.Label()
		switch {
		case q.Account != "" && q.PermissionSet != "":
			msg := fmt.Sprintf("%s holds no %s in %s", who, q.PermissionSet, q.Account)
			if len(inAccount) > 0 {
				msg += " (it holds " + strings.Join(dedup(inAccount), ", ") + " there)"
			} else {
				msg += " (it has no access there)"
			}
			return msg
		case q.Account != "":
			return fmt.Sprintf("%s has no access to %s", who, q.Account)
		case q.PermissionSet != "":
			return fmt.Sprintf("%s holds %s in no account", who, q.PermissionSet)
		}
		return fmt.Sprintf("%s has no access: no assignment names it", who)
	}
	var msg string
	if s.AccessType == AccessRole {
		msg = fmt.Sprintf("nobody can assume role %s in %s", s.Access, s.Account)
		if q.PermissionSet != "" {
			msg += " from " + q.PermissionSet
		}
	} else {
		msg = fmt.Sprintf("nobody holds %s in %s: no assignment gives it there", s.Access, s.Account)
	}
	if q.Account != "" && q.Account != s.Account {
		msg = fmt.Sprintf("%s is in %s, not %s", q.Subject, s.Account, q.Account)
	}
	if e.Identity != nil && !strings.HasPrefix(msg, e.Identity.Name) {
		msg = "identity " + e.Identity.Name + ": " + msg
	}
	return msg
}

func dedup(list []string) []string {
	sort.Strings(list)
	out := list[:0]
	for i, s := range list {
		if i == 0 || s != list[i-1] {
			out = append(out, s)
		}
	}
	return out
}
