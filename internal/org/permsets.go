package org

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/policy"
)

var (
	permSetNameRe = lazyRegexp(`^[\w+=,.@-]{1,32}$`)
	policyNameRe  = lazyRegexp(`^[\w+=,.@-]{1,128}$`)
	policyPathRe  = lazyRegexp(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`)
	managedRe     = lazyRegexp(`^arn:(aws|aws-us-gov|aws-cn):iam::aws:policy/([A-Za-z0-9.,+@=_/-]+)$`)
	shortPolicyRe = lazyRegexp(`^[A-Za-z0-9.,+@=_-]+(/[A-Za-z0-9.,+@=_-]+)*$`)
	accessLevels  = map[string]bool{"read": true, "state": true, "plan": true, "write": true, "admin": true, "billing": true, "root": true}
)

const (
	maxManagedPolicies  = 20
	warnManagedPolicies = 10
	maxDescription      = 700
	maxRelayState       = 240
)

func (r *resolver) permissionSets() {
	r.org.permSets = map[string]*PermissionSet{}
	for _, name := range sortedKeys(r.f.PermissionSets) {
		c := r.f.PermissionSets[name]
		ps := &PermissionSet{Name: name, Description: c.Description, SessionDuration: c.SessionDuration,
			RelayState: c.RelayState, AccessLevel: c.AccessLevel, Tags: c.Tags, Pos: c.Pos}
		if !permSetNameRe().MatchString(name) {
			r.errorf(c.Pos, "permission set name %q must be 1 to 32 characters of letters, digits and +=,.@_-", name)
		}
		if n := len([]rune(c.Description)); n > maxDescription {
			r.errorf(posOf(r, &c.Description, c.Pos), "description is %d characters; AWS allows %d", n, maxDescription)
		}
		ps.SessionDuration = r.sessionDuration(posOf(r, &c.SessionDuration, c.Pos), "session_duration", c.SessionDuration)
		if c.RelayState != "" {
			if len(c.RelayState) > maxRelayState {
				r.errorf(posOf(r, &c.RelayState, c.Pos), "relay_state is %d characters; AWS allows %d", len(c.RelayState), maxRelayState)
			}
			if !strings.HasPrefix(c.RelayState, "https://") {
				r.errorf(posOf(r, &c.RelayState, c.Pos), "relay_state %q must be an https:// URL", c.RelayState)
			}
		}
		r.accessLevel(c.Pos, &c.AccessLevel)
		ps.ManagedPolicyARNs = r.managedPolicies(c.ManagedPolicies, c.Pos)
		ps.CustomerManagedPolicies = r.customerPolicies(c.CustomerManagedPolicies)
		r.policyCount(c.Pos, len(ps.ManagedPolicyARNs)+len(ps.CustomerManagedPolicies))
		if c.InlinePolicy != nil {
			ps.InlinePolicy = r.compilePolicy(c.InlinePolicy, nil)
		}
		if b := c.PermissionsBoundary; b != nil {
			switch {
			case b.ManagedPolicy != "" && b.CustomerManagedPolicy != nil:
				r.errorf(b.Pos, "permissions_boundary takes managed_policy or customer_managed_policy, not both")
			case b.ManagedPolicy != "":
				ps.BoundaryManagedARN = r.managedARN(posOf(r, &b.ManagedPolicy, b.Pos), b.ManagedPolicy)
			case b.CustomerManagedPolicy != nil:
				if refs := r.customerPolicies([]*config.PolicyReference{b.CustomerManagedPolicy}); len(refs) == 1 {
					ps.BoundaryCustomer = &refs[0]
				}
			default:
				r.errorf(b.Pos, "permissions_boundary needs managed_policy or customer_managed_policy")
			}
		}
		if len(ps.ManagedPolicyARNs) == 0 && len(ps.CustomerManagedPolicies) == 0 && c.InlinePolicy == nil {
			r.errorf(c.Pos, "permission set %q grants nothing: add managed_policies, customer_managed_policies or an inline_policy", name)
		}
		r.org.permSets[name] = ps
		r.org.PermissionSets = append(r.org.PermissionSets, ps)
	}
}

func (r *resolver) accessLevel(pos config.Pos, level *string) {
	if *level != "" && !accessLevels[*level] {
		r.errorf(posOf(r, level, pos), "access_level %q must be one of read, plan, state, write, admin, billing, root", *level)
	}
}

func (r *resolver) policyCount(pos config.Pos, n int) {
	switch {
	case n > maxManagedPolicies:
		r.errorf(pos, "%d managed and customer-managed policies; AWS allows %d", n, maxManagedPolicies)
	case n > warnManagedPolicies:
		r.warnf(pos, "%d managed policies exceed the default IAM role quota of %d; raise it in every target account", n, warnManagedPolicies)
	}
}

// sessionDuration checks a 1h..12h session length and applies the 1h
// default.
func (r *resolver) sessionDuration(pos config.Pos, what string, d config.Duration) config.Duration {
	switch {
	case d == 0:
		return config.Duration(time.Hour)
	case d.D() < time.Hour || d.D() > 12*time.Hour:
		r.errorf(pos, "%s %s must be between 1h and 12h", what, d)
	case d.D()%time.Minute != 0:
		r.errorf(pos, "%s %s must be whole minutes", what, d)
	}
	return d
}

func (r *resolver) managedPolicies(names []string, fallback config.Pos) []string {
	var out []string
	seen := map[string]bool{}
	for i := range names {
		pos := posOf(r, &names[i], fallback)
		arn := r.managedARN(pos, names[i])
		if arn == "" {
			continue
		}
		if seen[arn] {
			r.errorf(pos, "managed policy %s is listed twice", names[i])
			continue
		}
		seen[arn] = true
		out = append(out, arn)
	}
	return out
}

// managedARN expands a short AWS-managed policy name to its ARN in the
// organization's partition.
func (r *resolver) managedARN(pos config.Pos, name string) string {
	if m := managedRe().FindStringSubmatch(name); m != nil {
		if m[1] != r.org.Partition {
			r.errorf(pos, "managed policy %s is in partition %s, but the organization is in %s", name, m[1], r.org.Partition)
		}
		return name
	}
	if strings.HasPrefix(name, "arn:") {
		r.errorf(pos, "%q is not an AWS-managed policy ARN (arn:%s:iam::aws:policy/NAME); customer policies go in customer_managed_policies", name, r.org.Partition)
		return ""
	}
	if !shortPolicyRe().MatchString(name) {
		r.errorf(pos, "managed policy name %q is not valid", name)
		return ""
	}
	return "arn:" + r.org.Partition + ":iam::aws:policy/" + name
}

// pathProblem says what is wrong with an IAM path that policyPathRe
// rejects.
func pathProblem(p string) string {
	if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") {
		return "must start and end with /"
	}
	return "may only hold letters, digits and .,+@=_- between single slashes"
}

func (r *resolver) customerPolicies(refs []*config.PolicyReference) []PolicyRef {
	var out []PolicyRef
	for _, ref := range refs {
		if ref == nil {
			continue
		}
		p := PolicyRef{Name: ref.Name, Path: ref.Path}
		if p.Path == "" {
			p.Path = "/"
		}
		if !policyNameRe().MatchString(ref.Name) {
			r.errorf(ref.Pos, "customer-managed policy name %q must be 1 to 128 characters of letters, digits and +=,.@_-", ref.Name)
			continue
		}
		if !policyPathRe().MatchString(p.Path) {
			r.errorf(posOf(r, &ref.Path, ref.Pos), "policy path %q %s (e.g. /platform/)", p.Path, pathProblem(p.Path))
			continue
		}
		out = append(out, p)
	}
	return out
}

// compilePolicy turns YAML statements or a JSON file into a policy
// document, expanding {variables}, and reports grammar and size problems
// at the statement that has them.
func (r *resolver) compilePolicy(cp *config.Policy, local map[string]string) *policy.Document {
	doc := &policy.Document{Version: cp.Version}
	if doc.Version == "" {
		doc.Version = policy.DefaultVersion
	}
	stmtPos := make([]config.Pos, 0, len(cp.Statements))
	switch {
	case cp.File != "" && len(cp.Statements) > 0:
		r.errorf(cp.Pos, "inline_policy takes statements or file, not both")
		return nil
	case cp.File != "":
		fpos := posOf(r, &cp.File, cp.Pos)
		parsed, ok := r.readPolicyFile(fpos, cp.File)
		if !ok {
			return nil
		}
		doc = parsed
		for range doc.Statement {
			stmtPos = append(stmtPos, fpos)
		}
	default:
		for _, s := range cp.Statements {
			if s == nil {
				continue
			}
			doc.Statement = append(doc.Statement, policy.Statement{
				Sid: s.Sid, Effect: s.Effect, Action: policy.Values(s.Actions), NotAction: policy.Values(s.NotActions),
				Resource: policy.Values(s.Resources), NotResource: policy.Values(s.NotResources), Condition: conditions(s.Conditions),
			})
			stmtPos = append(stmtPos, s.Pos)
		}
	}
	for i := range doc.Statement {
		r.expandStatement(&doc.Statement[i], stmtPos[i], local)
	}
	for _, p := range policy.Validate(doc, policy.Identity, r.org.Partition) {
		pos := cp.Pos
		if p.Statement >= 0 && p.Statement < len(stmtPos) {
			pos = stmtPos[p.Statement]
		}
		if p.Warning {
			r.warnf(pos, "%s", p.Msg)
		} else {
			r.errorf(pos, "%s", p.Msg)
		}
	}
	return doc
}

func conditions(in map[string]map[string]config.StringList) map[string]map[string]policy.Values {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]map[string]policy.Values, len(in))
	for op, keys := range in {
		m := make(map[string]policy.Values, len(keys))
		for k, v := range keys {
			m[k] = policy.Values(v)
		}
		out[op] = m
	}
	return out
}

func (r *resolver) expandStatement(s *policy.Statement, pos config.Pos, local map[string]string) {
	exp := func(vals policy.Values) policy.Values {
		for i, v := range vals {
			out, missing := r.expand(v, local)
			for _, m := range missing {
				r.errorf(pos, "unknown variable {%s} in %q; known: %s", m, v, strings.Join(r.varNames(local), ", "))
			}
			vals[i] = out
		}
		return vals
	}
	s.Resource = exp(s.Resource)
	s.NotResource = exp(s.NotResource)
	for _, keys := range s.Condition {
		for k, v := range keys {
			keys[k] = exp(v)
		}
	}
}

const maxPolicyFile = 1 << 20

func (r *resolver) readPolicyFile(pos config.Pos, name string) (*policy.Document, bool) {
	p := name
	if !filepath.IsAbs(p) && pos.File != "" {
		p = filepath.Join(filepath.Dir(pos.File), name)
	}
	st, err := os.Stat(p)
	if err != nil {
		r.errorf(pos, "policy file %s: %v", p, unwrapPathErr(err))
		return nil, false
	}
	if !st.Mode().IsRegular() {
		// A directory, device or pipe: reading /dev/zero or a FIFO would
		// never end.
		r.errorf(pos, "policy file %s is not a regular file", p)
		return nil, false
	}
	if st.Size() > maxPolicyFile {
		r.errorf(pos, "policy file %s is %d bytes; far over the AWS limit of %d", p, st.Size(), policy.MaxInlineBytes)
		return nil, false
	}
	data, err := os.ReadFile(p)
	if err != nil {
		r.errorf(pos, "policy file %s: %v", p, unwrapPathErr(err))
		return nil, false
	}
	doc, err := policy.Parse(data)
	if err != nil {
		if pe, ok := err.(*policy.ParseError); ok {
			r.errorf(config.Pos{File: p, Line: pe.Line, Col: pe.Col}, "%s (policy file named at %s)", pe.Msg, pos)
		} else {
			r.errorf(pos, "policy file %s: %v", p, err)
		}
		return nil, false
	}
	return doc, true
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
