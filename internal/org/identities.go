package org

import (
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
)

var (
	identityNameRe = lazyRegexp(`^[A-Za-z0-9][A-Za-z0-9_.@+=,/-]{0,127}$`)
	sessionNameRe  = lazyRegexp(`^[\w+=,.@-]{2,64}$`)
	externalIDRe   = lazyRegexp(`^[\w+=,.@:/-]+$`)
	mfaARNRe       = lazyRegexp(`^arn:(aws|aws-us-gov|aws-cn):iam::\d{12}:mfa/.+$`)
	providerKinds  = []string{KindIdentityCenter, KindGitHubOIDC, KindOIDCTokenFile, KindSAML, KindAWSUser}
)

// ChainedRoleLimit is the longest session AWS gives a role assumed with
// credentials of another role.
const ChainedRoleLimit = time.Hour

func (r *resolver) identityLayer(profiles []string) {
	l := r.applyProfiles(profiles)
	r.providers(l)
	r.org.identities = map[string]*Identity{}
	r.layerIdentities = l.identities
	r.derived()
	r.declared(l)
	r.chains()
	r.filterAndDefault(l)
}

func (r *resolver) providers(l *layer) {
	r.org.providers = map[string]*Provider{}
	r.org.Providers = nil
	ic := r.org.IdentityCenter
	if ic != nil {
		r.org.providers[ImplicitProvider] = &Provider{Name: ImplicitProvider, Kind: KindIdentityCenter, Implicit: true,
			StartURL: ic.StartURL, Region: ic.Region, Scopes: []string{"sso:account:access"}, Pos: r.f.Organization.Pos}
	}
	for _, name := range sortedKeys(l.providers) {
		c := l.providers[name]
		p := &Provider{Name: name, Kind: c.Kind, Description: c.Description, Region: c.Region, StartURL: c.StartURL,
			EndpointURL: c.EndpointURL, Scopes: c.Scopes, Audience: c.Audience, TokenFile: c.TokenFile, URL: c.URL,
			Username: c.Username, MFASerial: c.MFASerial, SessionDuration: c.SessionDuration, Pos: c.Pos}
		if !identityNameRe().MatchString(name) || strings.Contains(name, "/") {
			r.errorf(c.Pos, "provider name %q must be letters, digits and _.@+=,- (no /)", name)
		}
		r.checkRegion(posOf(r, &c.Region, c.Pos), "region", c.Region, false)
		if c.EndpointURL != "" {
			if u, err := url.Parse(c.EndpointURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				r.errorf(posOf(r, &c.EndpointURL, c.Pos), "endpoint_url %q must be an http(s) URL", c.EndpointURL)
			}
		}
		switch c.Kind {
		case KindIdentityCenter:
			if name == ImplicitProvider && ic != nil {
				if p.StartURL == "" {
					p.StartURL = ic.StartURL
				}
				if p.Region == "" {
					p.Region = ic.Region
				}
			}
			r.checkURL(posOf(r, &c.StartURL, c.Pos), "start_url", p.StartURL, true)
			r.checkRegion(posOf(r, &c.Region, c.Pos), "region", p.Region, true)
			if len(p.Scopes) == 0 {
				p.Scopes = []string{"sso:account:access"}
			}
		case KindGitHubOIDC, KindOIDCTokenFile:
			if p.Audience == "" {
				p.Audience = DefaultAudience
			}
			if c.Kind == KindOIDCTokenFile && c.TokenFile == "" {
				r.errorf(c.Pos, "provider %q (oidc/token-file) needs token_file", name)
			}
		case KindSAML:
			r.checkURL(posOf(r, &c.URL, c.Pos), "url", c.URL, true)
		case KindAWSUser:
			if c.MFASerial != "" && !mfaARNRe().MatchString(c.MFASerial) {
				r.errorf(posOf(r, &c.MFASerial, c.Pos), "mfa_serial %q is not an MFA device ARN", c.MFASerial)
			}
		case "":
			r.errorf(c.Pos, "provider %q has no kind; use one of %s", name, strings.Join(providerKinds, ", "))
			continue
		default:
			msg := "provider kind %q is not one of " + strings.Join(providerKinds, ", ")
			if s := config.Suggest(c.Kind, providerKinds); s != "" {
				msg = "provider kind %q is unknown; did you mean " + `"` + s + `"?`
			}
			r.errorf(posOf(r, &c.Kind, c.Pos), msg, c.Kind)
			continue
		}
		if name == ImplicitProvider && c.Kind != KindIdentityCenter {
			r.errorf(c.Pos, "provider %q is the organization's Identity Center; it must be of kind %s", name, KindIdentityCenter)
			continue
		}
		if c.SessionDuration != 0 && (c.SessionDuration.D() < 15*time.Minute || c.SessionDuration.D() > 36*time.Hour) {
			r.errorf(posOf(r, &c.SessionDuration, c.Pos), "session_duration %s must be between 15m and 36h", c.SessionDuration)
		}
		r.org.providers[name] = p
	}
	for _, name := range sortedKeys(r.org.providers) {
		r.org.Providers = append(r.org.Providers, r.org.providers[name])
	}
}

// derived makes an identity of every assigned (account, permission set).
func (r *resolver) derived() {
	for _, a := range r.org.Assignments {
		name := a.Account + "/" + a.PermissionSet
		id, ok := r.org.identities[name]
		if !ok {
			id = &Identity{Name: name, Kind: KindPermissionSet, Derived: true, Account: a.Account, AccountID: a.AccountID,
				PermissionSet: a.PermissionSet, ViaProvider: ImplicitProvider, Provider: ImplicitProvider,
				Description: "permission set " + a.PermissionSet + " in " + a.Account, Pos: a.Pos}
			r.org.identities[name] = id
		}
		p := strings.ToLower(a.PrincipalType) + ":" + a.Principal
		if !contains(id.Principals, p) {
			id.Principals = append(id.Principals, p)
			sort.Strings(id.Principals)
		}
	}
}

func (r *resolver) declared(l *layer) {
	for _, name := range sortedKeys(l.identities) {
		c := l.identities[name]
		if d, isDerived := r.org.identities[name]; isDerived && d.Derived {
			dg := r.errorf(c.Pos, "identity %q is already derived from the assignment at %s; declared identities need another name (e.g. %s/terraform)",
				name, d.Pos, d.Account)
			dg.Related = []config.Pos{d.Pos}
			continue
		}
		if !identityNameRe().MatchString(name) {
			r.errorf(c.Pos, "identity name %q must start with a letter or digit and hold letters, digits and _.@+=,/- (at most 128)", name)
		}
		id := &Identity{Name: name, Kind: c.Kind, Description: c.Description, SessionName: c.SessionName, ExternalID: c.ExternalID,
			Duration: c.Duration, Region: c.Region, SessionTags: c.SessionTags, Pos: c.Pos}
		if id.Kind == "" {
			switch {
			case c.RoleARN != "" || c.MachineRole != "":
				id.Kind = KindAssumeRole
			case c.PermissionSet != "":
				id.Kind = KindPermissionSet
			default:
				r.errorf(c.Pos, "identity %q has no kind; use aws/assume-role (role_arn or machine_role), aws/permission-set (account, permission_set) or aws/user", name)
				continue
			}
		}
		if !r.via(id, c) {
			continue
		}
		switch id.Kind {
		case KindPermissionSet:
			r.permissionSetIdentity(id, c)
		case KindAssumeRole:
			r.assumeRoleIdentity(id, c)
		case KindUser:
			if p := r.org.providers[id.ViaProvider]; id.ViaIdentity != "" || p == nil || p.Kind != KindAWSUser {
				r.errorf(posOf(r, &c.Via, c.Pos), "identity %q (aws/user) takes its keys from a provider of kind aws/user", name)
			}
		default:
			kinds := []string{KindAssumeRole, KindPermissionSet, KindUser}
			msg := "identity kind %q is not one of " + strings.Join(kinds, ", ")
			if s := config.Suggest(id.Kind, kinds); s != "" {
				msg = "identity kind %q is unknown; did you mean " + `"` + s + `"?`
			}
			r.errorf(posOf(r, &c.Kind, c.Pos), msg, id.Kind)
			continue
		}
		r.checkRegion(posOf(r, &c.Region, c.Pos), "region", c.Region, false)
		if c.SessionName != "" && !sessionNameRe().MatchString(c.SessionName) {
			r.errorf(posOf(r, &c.SessionName, c.Pos), "session_name %q must be 2 to 64 characters of letters, digits and +=,.@_-", c.SessionName)
		}
		if c.ExternalID != "" && (!externalIDRe().MatchString(c.ExternalID) || len(c.ExternalID) < 2 || len(c.ExternalID) > 1224) {
			r.errorf(posOf(r, &c.ExternalID, c.Pos), "external_id must be 2 to 1224 characters of letters, digits and +=,.@:/_-")
		}
		if len(c.SessionTags) > 50 {
			r.errorf(posOf(r, &c.SessionTags, c.Pos), "%d session tags; AWS allows 50", len(c.SessionTags))
		}
		for _, k := range sortedKeys(c.SessionTags) {
			if len(k) > 128 || len(c.SessionTags[k]) > 256 {
				r.errorf(posOf(r, &c.SessionTags, c.Pos), "session tag %q: keys hold at most 128 characters and values 256", k)
			}
		}
		r.org.identities[name] = id
	}
}

// via resolves where an identity's credentials come from.
func (r *resolver) via(id *Identity, c *config.Identity) bool {
	v := c.Via
	if v == nil {
		if id.Kind == KindPermissionSet && r.org.providers[ImplicitProvider] != nil {
			id.ViaProvider = ImplicitProvider
			return true
		}
		r.errorf(c.Pos, "identity %q needs via: the identity or provider its credentials come from", id.Name)
		return false
	}
	pos := v.Pos
	if !pos.IsValid() {
		pos = c.Pos
	}
	switch {
	case v.Identity != "" && v.Provider != "":
		r.errorf(pos, "via takes identity or provider, not both")
		return false
	case v.Identity != "":
		if _, ok := r.f.Identities[v.Identity]; !ok && !r.isDerived(v.Identity) && !r.declaredInLayer(v.Identity) {
			r.unknown(posOf(r, &v.Identity, pos), "identity", v.Identity, r.identityNames())
			return false
		}
		id.ViaIdentity = v.Identity
	case v.Provider != "":
		if _, ok := r.org.providers[v.Provider]; !ok {
			r.unknown(posOf(r, &v.Provider, pos), "provider", v.Provider, sortedKeys(r.org.providers))
			return false
		}
		id.ViaProvider = v.Provider
	case v.Name != "":
		_, isProv := r.org.providers[v.Name]
		isIdent := r.isDerived(v.Name) || r.declaredInLayer(v.Name)
		switch {
		case isProv && isIdent:
			r.errorf(pos, "via %q names both a provider and an identity; write via: {identity: %s} or via: {provider: %s}", v.Name, v.Name, v.Name)
			return false
		case isProv:
			id.ViaProvider = v.Name
		case isIdent:
			id.ViaIdentity = v.Name
		default:
			r.unknown(pos, "identity or provider", v.Name, append(r.identityNames(), sortedKeys(r.org.providers)...))
			return false
		}
	default:
		r.errorf(pos, "via is empty")
		return false
	}
	if id.ViaIdentity == id.Name {
		r.errorf(pos, "identity %q comes via itself", id.Name)
		return false
	}
	return true
}

func (r *resolver) isDerived(name string) bool {
	id, ok := r.org.identities[name]
	return ok && id.Derived
}

// declaredInLayer is set while declared() runs so via can see identities
// declared by the active profiles too.
func (r *resolver) declaredInLayer(name string) bool {
	_, ok := r.layerIdentities[name]
	return ok
}

func (r *resolver) identityNames() []string {
	names := sortedKeys(r.layerIdentities)
	for n, id := range r.org.identities {
		if id.Derived {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func (r *resolver) permissionSetIdentity(id *Identity, c *config.Identity) {
	if p := r.org.providers[id.ViaProvider]; id.ViaIdentity != "" || p == nil || p.Kind != KindIdentityCenter {
		r.errorf(posOf(r, &c.Via, c.Pos), "identity %q (aws/permission-set) comes via an Identity Center provider", id.Name)
		return
	}
	a, ok := r.org.accounts[c.Account]
	switch {
	case c.Account == "":
		r.errorf(c.Pos, "identity %q needs account", id.Name)
	case !ok:
		r.unknown(posOf(r, &c.Account, c.Pos), "account", c.Account, sortedKeys(r.org.accounts))
	default:
		id.Account, id.AccountID = a.Name, a.ID
	}
	_, psOK := r.org.permSets[c.PermissionSet]
	switch {
	case c.PermissionSet == "":
		r.errorf(c.Pos, "identity %q needs permission_set", id.Name)
	case !psOK:
		r.unknown(posOf(r, &c.PermissionSet, c.Pos), "permission set", c.PermissionSet, sortedKeys(r.org.permSets))
	default:
		id.PermissionSet = c.PermissionSet
		if ok && !r.isDerived(c.Account+"/"+c.PermissionSet) && id.ViaProvider == ImplicitProvider {
			r.warnf(c.Pos, "no assignment gives permission set %s in %s; Identity Center will refuse identity %q", c.PermissionSet, c.Account, id.Name)
		}
	}
	if c.Duration != 0 {
		r.errorf(posOf(r, &c.Duration, c.Pos), "duration does not apply to permission sets; their session_duration decides")
	}
}

func (r *resolver) assumeRoleIdentity(id *Identity, c *config.Identity) {
	if id.ViaProvider != "" {
		switch p := r.org.providers[id.ViaProvider]; p.Kind {
		case KindIdentityCenter:
			r.errorf(posOf(r, &c.Via, c.Pos), "identity %q cannot assume a role straight from Identity Center; chain via a permission-set identity such as %s",
				id.Name, r.examplePermSetIdentity())
			return
		}
	}
	switch {
	case c.RoleARN != "" && c.MachineRole != "":
		r.errorf(c.Pos, "identity %q takes role_arn or machine_role, not both", id.Name)
		return
	case c.RoleARN != "":
		m := roleARNRe().FindStringSubmatch(c.RoleARN)
		if m == nil {
			r.errorf(posOf(r, &c.RoleARN, c.Pos), "role_arn %q is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)", c.RoleARN)
			return
		}
		if m[1] != r.org.Partition {
			r.errorf(posOf(r, &c.RoleARN, c.Pos), "role_arn is in partition %s, but the organization is in %s", m[1], r.org.Partition)
		}
		id.RoleARN = c.RoleARN
		if a, ok := r.org.accountIDs[m[2]]; ok {
			id.Account, id.AccountID = a.Name, a.ID
		} else {
			id.AccountID = m[2]
		}
		if c.Account != "" && c.Account != id.Account {
			r.errorf(posOf(r, &c.Account, c.Pos), "account %q does not match the account %s of role_arn", c.Account, m[2])
		}
	case c.MachineRole != "":
		mr, ok := r.org.roles[c.MachineRole]
		if !ok {
			r.unknown(posOf(r, &c.MachineRole, c.Pos), "machine role", c.MachineRole, sortedKeys(r.org.roles))
			return
		}
		if c.Account == "" {
			r.errorf(c.Pos, "identity %q names machine_role %s; it also needs account", id.Name, c.MachineRole)
			return
		}
		var inst *RoleInstance
		for _, in := range mr.Instances {
			if in.Account == c.Account {
				inst = in
			}
		}
		if inst == nil {
			if _, known := r.org.accounts[c.Account]; !known {
				r.unknown(posOf(r, &c.Account, c.Pos), "account", c.Account, sortedKeys(r.org.accounts))
			} else {
				r.errorf(posOf(r, &c.Account, c.Pos), "machine role %s is not created in %s (its accounts selector leaves it out)", c.MachineRole, c.Account)
			}
			return
		}
		id.MachineRole, id.Account, id.AccountID, id.RoleARN = mr.Name, inst.Account, inst.AccountID, inst.ARN
	default:
		r.errorf(c.Pos, "identity %q (aws/assume-role) needs role_arn, or machine_role and account", id.Name)
		return
	}
	if d := c.Duration.D(); d != 0 {
		pos := posOf(r, &c.Duration, c.Pos)
		switch {
		case d < 15*time.Minute || d > 12*time.Hour:
			r.errorf(pos, "duration %s must be between 15m and 12h", c.Duration)
		case id.ViaIdentity != "" && d > ChainedRoleLimit:
			r.errorf(pos, "duration %s is longer than 1h, the most AWS gives a role assumed from another role's session (%s comes via %s)",
				c.Duration, id.Name, id.ViaIdentity)
		}
	}
}

func (r *resolver) examplePermSetIdentity() string {
	for _, a := range r.org.Assignments {
		return a.Account + "/" + a.PermissionSet
	}
	return "<account>/<PermissionSet>"
}

// chains links every identity to its provider and detects cycles.
func (r *resolver) chains() {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(name string) bool
	visit = func(name string) bool {
		id := r.org.identities[name]
		if id == nil {
			return false
		}
		switch state[name] {
		case done:
			return id.Provider != ""
		case active:
			start := 0
			for i, n := range stack {
				if n == name {
					start = i
				}
			}
			cycle := append(append([]string{}, stack[start:]...), name)
			d := r.errorf(r.org.identities[cycle[0]].Pos, "identities form a cycle: %s", strings.Join(cycle, " → "))
			for _, n := range cycle[1 : len(cycle)-1] {
				d.Related = append(d.Related, r.org.identities[n].Pos)
			}
			return false
		}
		state[name] = active
		stack = append(stack, name)
		defer func() { stack = stack[:len(stack)-1]; state[name] = done }()
		if id.ViaProvider != "" {
			id.Provider = id.ViaProvider
			id.Chain = []string{id.ViaProvider, name}
			return true
		}
		if !visit(id.ViaIdentity) {
			return false
		}
		parent := r.org.identities[id.ViaIdentity]
		id.Provider = parent.Provider
		id.Chain = append(append([]string{}, parent.Chain...), name)
		if parent.Kind != KindUser && id.Kind == KindAssumeRole && id.Duration == 0 {
			id.Duration = config.Duration(ChainedRoleLimit)
		}
		if id.Kind == KindPermissionSet {
			r.errorf(id.Pos, "identity %q (aws/permission-set) must come via a provider", name)
		}
		return true
	}
	for _, name := range sortedKeys(r.org.identities) {
		if state[name] == unseen {
			visit(name)
		}
	}
	// Identities caught in or behind a cycle are unusable.
	for name, id := range r.org.identities {
		if id.Provider == "" {
			delete(r.org.identities, name)
		}
	}
}
