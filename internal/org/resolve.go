package org

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
)

// Options select how the organization is resolved.
type Options struct {
	// Profiles are merged left to right over the defaults.
	Profiles []string
}

// Resolve checks cfg and builds the organization for the selected
// profiles. The diagnostics include those found while reading the files;
// the Org is usable when they hold no error.
func Resolve(cfg *config.Config, opts Options) (*Org, config.Diagnostics) {
	r := newResolver(cfg)
	r.base()
	r.identityLayer(opts.Profiles)
	r.diags.Sort()
	return r.org, r.diags
}

// Validate resolves the organization once for the defaults and once for
// every profile, so a mistake in any profile is reported.
func Validate(cfg *config.Config) config.Diagnostics {
	r := newResolver(cfg)
	r.base()
	r.identityLayer(nil)
	for _, name := range r.org.ProfileNames {
		r.identityLayer([]string{name})
	}
	r.diags.Sort()
	return r.diags
}

type resolver struct {
	cfg    *config.Config
	f      *config.File
	ix     *config.Index
	diags  config.Diagnostics
	org    *Org
	naming *regexp.Regexp
	fields []string // variables of the naming rule, in order
	vars   map[string]string

	layerIdentities map[string]*config.Identity // declared identities in effect

	acctIndex *accountIndex // see accountIndex()
}

func newResolver(cfg *config.Config) *resolver {
	r := &resolver{cfg: cfg, f: cfg.File, ix: cfg.Index, org: &Org{}}
	r.diags = append(r.diags, cfg.Diags...)
	return r
}

func (r *resolver) errorf(pos config.Pos, format string, args ...any) *config.Diagnostic {
	if !pos.IsValid() {
		pos = config.Pos{File: r.cfg.Root}
	}
	return r.diags.Errorf(pos, format, args...)
}

func (r *resolver) warnf(pos config.Pos, format string, args ...any) *config.Diagnostic {
	if !pos.IsValid() {
		pos = config.Pos{File: r.cfg.Root}
	}
	return r.diags.Warnf(pos, format, args...)
}

// hasDiagAt reports whether a finding was already made at pos (so a
// follow-on "missing" error would only repeat it).
func (r *resolver) hasDiagAt(pos config.Pos) bool {
	for _, d := range r.diags {
		if d.Pos == pos {
			return true
		}
	}
	return false
}

// posOf is where *p was written, falling back to fallback.
func posOf[T any](r *resolver, p *T, fallback config.Pos) config.Pos {
	if pos := config.PosOf(r.ix, p); pos.IsValid() {
		return pos
	}
	return fallback
}

// base resolves everything that profiles cannot change.
func (r *resolver) base() {
	r.organization()
	r.accounts()
	r.stateBackend()
	r.groupsAndUsers()
	r.permissionSets()
	r.assignments()
	r.machineRoles()
	r.sandbox()
}

// unknown reports a reference to a name that is not defined, suggesting
// the closest defined one.
func (r *resolver) unknown(pos config.Pos, kind, name string, defined []string) {
	msg := fmt.Sprintf("unknown %s %q", kind, name)
	if s := config.Suggest(name, defined); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if len(defined) == 0 {
		msg += fmt.Sprintf("; no %ss are defined", kind)
	} else if len(defined) <= 12 {
		msg += "; defined: " + strings.Join(defined, ", ")
	}
	r.errorf(pos, "%s", msg)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	regionRe  = lazyRegexp(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$`)
	nameVarRe = lazyRegexp(`\{([a-z_]+)\}`)
	labelRe   = lazyRegexp(`^[a-z0-9]+$`)

	instanceARNRe   = lazyRegexp(`^arn:(aws|aws-us-gov|aws-cn):sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$`)
	identityStoreRe = lazyRegexp(`^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

func (r *resolver) organization() {
	o := r.f.Organization
	if o == nil {
		if !r.cfg.Incomplete {
			r.errorf(config.Pos{File: r.cfg.Root}, "organization is missing; every configuration names its organization (organization: {name: ..., identity_center: ...})")
		}
		o = &config.Organization{}
	}
	r.org.Name = o.Name
	if o.Name == "" && r.f.Organization != nil && !r.hasDiagAt(posOf(r, &o.Name, o.Pos)) {
		r.errorf(o.Pos, "organization.name is required")
	}
	r.org.Namespace = o.Namespace
	if o.Namespace != "" && !labelRe().MatchString(o.Namespace) {
		r.errorf(posOf(r, &o.Namespace, o.Pos), "namespace %q must be lowercase letters and digits", o.Namespace)
	}
	r.org.Partition = o.Partition
	switch o.Partition {
	case "":
		r.org.Partition = "aws"
	case "aws", "aws-us-gov", "aws-cn":
	default:
		r.errorf(posOf(r, &o.Partition, o.Pos), "partition %q is not one of aws, aws-us-gov, aws-cn", o.Partition)
		r.org.Partition = "aws"
	}
	r.org.AccountNaming = o.AccountNaming
	if r.org.AccountNaming == "" {
		r.org.AccountNaming = "{tenant}-{stage}"
	}
	r.compileNaming(posOf(r, &o.AccountNaming, o.Pos))
	if ic := o.IdentityCenter; ic != nil {
		r.org.IdentityCenter = &IdentityCenter{StartURL: ic.StartURL, Region: ic.Region, InstanceARN: ic.InstanceARN, IdentityStoreID: ic.IdentityStoreID}
		r.checkURL(posOf(r, &ic.StartURL, ic.Pos), "identity_center.start_url", ic.StartURL, true)
		r.checkRegion(posOf(r, &ic.Region, ic.Pos), "identity_center.region", ic.Region, true)
		if ic.InstanceARN != "" && !instanceARNRe().MatchString(ic.InstanceARN) {
			r.errorf(posOf(r, &ic.InstanceARN, ic.Pos), "instance_arn %q is not an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-0123456789abcdef)", ic.InstanceARN)
		}
		if ic.IdentityStoreID != "" && !identityStoreRe().MatchString(ic.IdentityStoreID) {
			r.errorf(posOf(r, &ic.IdentityStoreID, ic.Pos), "identity_store_id %q is not an identity store id (d-0123456789)", ic.IdentityStoreID)
		}
	}
	r.vars = map[string]string{"partition": r.org.Partition, "namespace": r.org.Namespace}
	for _, k := range sortedKeys(o.Vars) {
		if _, builtin := r.vars[k]; builtin || strings.HasPrefix(k, "state_") || machineRoleVars[k] || strings.HasPrefix(k, "account_id:") {
			r.errorf(o.Pos, "vars.%s would hide a built-in variable; choose another name", k)
			continue
		}
		r.vars[k] = o.Vars[k]
	}
	r.org.Vars = o.Vars
}

// machineRoleVars are the variables machine roles define per account; org
// vars may not hide them.
var machineRoleVars = map[string]bool{"account": true, "account_id": true, "tenant": true, "stage": true, "environment": true, "name": true}

func (r *resolver) checkURL(pos config.Pos, what, u string, required bool) {
	switch {
	case u == "":
		if required {
			r.errorf(pos, "%s is required", what)
		}
	case !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://127.0.0.1") && !strings.HasPrefix(u, "http://localhost"):
		r.errorf(pos, "%s %q must be an https:// URL", what, u)
	case strings.ContainsAny(u, " \t\n"):
		r.errorf(pos, "%s %q contains spaces", what, u)
	}
}

func (r *resolver) checkRegion(pos config.Pos, what, region string, required bool) {
	switch {
	case region == "":
		if required {
			r.errorf(pos, "%s is required", what)
		}
	case !regionRe().MatchString(region):
		r.errorf(pos, "%s %q is not an AWS region (e.g. us-east-1)", what, region)
	}
}

// compileNaming turns a rule such as {tenant}-{stage} into a regexp that
// parses account names.
func (r *resolver) compileNaming(pos config.Pos) {
	rule := r.org.AccountNaming
	var b strings.Builder
	b.WriteString("^")
	last := 0
	seen := map[string]bool{}
	for _, m := range nameVarRe().FindAllStringSubmatchIndex(rule, -1) {
		b.WriteString(regexp.QuoteMeta(rule[last:m[0]]))
		v := rule[m[2]:m[3]]
		switch v {
		case "namespace":
			b.WriteString(regexp.QuoteMeta(r.org.Namespace))
		case "tenant", "stage", "environment":
			if seen[v] {
				r.errorf(pos, "account_naming uses {%s} twice", v)
				return
			}
			seen[v] = true
			r.fields = append(r.fields, v)
			b.WriteString("([a-z0-9]+)")
		default:
			r.errorf(pos, "account_naming %q uses {%s}; it may use {namespace}, {tenant}, {environment} and {stage}", rule, v)
			return
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(rule[last:]))
	b.WriteString("$")
	if len(r.fields) == 0 {
		r.errorf(pos, "account_naming %q uses none of {tenant}, {environment}, {stage}", rule)
		return
	}
	r.naming = regexp.MustCompile(b.String())
}

// expand replaces {var} placeholders in s. IAM policy variables such as
// ${aws:username} are left alone. It returns the names it could not
// resolve.
func (r *resolver) expand(s string, local map[string]string) (string, []string) {
	if !strings.Contains(s, "{") {
		return s, nil
	}
	var missing []string
	var b strings.Builder
	for i := 0; i < len(s); {
		open := strings.IndexByte(s[i:], '{')
		if open < 0 {
			b.WriteString(s[i:])
			break
		}
		open += i
		b.WriteString(s[i:open])
		end := strings.IndexByte(s[open:], '}')
		if end < 0 || (open > 0 && s[open-1] == '$') {
			b.WriteByte('{')
			i = open + 1
			continue
		}
		end += open
		name := s[open+1 : end]
		if v, ok := r.lookupVar(name, local); ok {
			b.WriteString(v)
		} else {
			missing = append(missing, name)
			b.WriteString(s[open : end+1])
		}
		i = end + 1
	}
	return b.String(), missing
}

func (r *resolver) lookupVar(name string, local map[string]string) (string, bool) {
	if v, ok := local[name]; ok {
		return v, true
	}
	if v, ok := r.vars[name]; ok {
		return v, true
	}
	if acct, ok := strings.CutPrefix(name, "account_id:"); ok {
		if a, found := r.org.accounts[acct]; found {
			return a.ID, true
		}
	}
	return "", false
}

func (r *resolver) varNames(local map[string]string) []string {
	var out []string
	for k := range r.vars {
		out = append(out, k)
	}
	for k := range local {
		out = append(out, k)
	}
	out = append(out, "account_id:<account>")
	sort.Strings(out)
	return out
}
