package org

import (
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/policy"
)

var (
	roleNameRe     = lazyRegexp(`^[\w+=,.@-]{1,64}$`)
	githubRepoRe   = lazyRegexp(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9_.-]{1,100}$`)
	digitsRe       = lazyRegexp(`^\d+$`)
	roleARNRe      = lazyRegexp(`^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role/([\w+=,.@/-]+)$`)
	samlNameRe     = lazyRegexp(`^[\w._-]{1,128}$`)
	principalARNRe = lazyRegexp(`^arn:(aws|aws-us-gov|aws-cn):(iam|sts)::\d{12}:(root|role/.+|user/.+|assumed-role/.+)$`)
)

// GitHubIssuer is the issuer of GitHub Actions ID tokens.
const GitHubIssuer = "token.actions.githubusercontent.com"

// DefaultAudience is the audience AWS expects in web identity tokens.
const DefaultAudience = "sts.amazonaws.com"

// DefaultSAMLAudience is the SAML:aud of AWS sign-in.
const DefaultSAMLAudience = "https://signin.aws.amazon.com/saml"

func (r *resolver) machineRoles() {
	r.org.roles = map[string]*MachineRole{}
	type placed struct {
		role string
		pos  config.Pos
	}
	byAccountName := map[string]placed{} // account/role-name → machine role
	for _, name := range sortedKeys(r.f.MachineRoles) {
		c := r.f.MachineRoles[name]
		mr := &MachineRole{Name: name, Description: c.Description, Path: c.Path, AccessLevel: c.AccessLevel, Tags: c.Tags, Pos: c.Pos}
		if !roleNameRe().MatchString(name) {
			r.errorf(c.Pos, "machine role name %q must be 1 to 64 characters of letters, digits and +=,.@_-", name)
		}
		if mr.Path == "" {
			mr.Path = "/"
		} else if !policyPathRe().MatchString(mr.Path) {
			r.errorf(posOf(r, &c.Path, c.Pos), "path %q %s (e.g. /ci/)", c.Path, pathProblem(c.Path))
		}
		mr.MaxSessionDuration = r.sessionDuration(posOf(r, &c.MaxSessionDuration, c.Pos), "max_session_duration", c.MaxSessionDuration)
		r.accessLevel(c.Pos, &c.AccessLevel)
		mr.ManagedPolicyARNs = r.managedPolicies(c.ManagedPolicies, c.Pos)
		mr.CustomerManagedPolicies = r.customerPolicies(c.CustomerManagedPolicies)
		r.policyCount(c.Pos, len(mr.ManagedPolicyARNs)+len(mr.CustomerManagedPolicies))
		if c.PermissionsBoundary != "" {
			mr.BoundaryARN = r.managedARN(posOf(r, &c.PermissionsBoundary, c.Pos), c.PermissionsBoundary)
		}
		if len(mr.ManagedPolicyARNs) == 0 && len(mr.CustomerManagedPolicies) == 0 && c.InlinePolicy == nil {
			r.errorf(c.Pos, "machine role %q grants nothing: add managed_policies, customer_managed_policies or an inline_policy", name)
		}
		mr.Trust = r.trust(mr, c)
		template := c.RoleName
		if template == "" {
			template = "{account}-{name}"
			if r.org.Namespace != "" {
				template = "{namespace}-{account}-{name}"
			}
		}
		for _, acct := range r.selectAccounts(c.Accounts, c.Pos, "machine role "+name) {
			a := r.org.accounts[acct]
			local := map[string]string{"account": a.Name, "account_id": a.ID, "tenant": a.Tenant, "stage": a.Stage,
				"environment": a.Environment, "name": name}
			roleName, missing := r.expand(template, local)
			for _, m := range missing {
				r.errorf(posOf(r, &c.RoleName, c.Pos), "unknown variable {%s} in role_name; known: %s", m, strings.Join(r.varNames(local), ", "))
			}
			if len(missing) > 0 {
				break
			}
			if !roleNameRe().MatchString(roleName) {
				r.errorf(posOf(r, &c.RoleName, c.Pos), "role name %q (in %s) must be 1 to 64 characters of letters, digits and +=,.@_-", roleName, acct)
				break
			}
			key := acct + "/" + strings.ToLower(roleName)
			if prev, dup := byAccountName[key]; dup {
				d := r.errorf(c.Pos, "machine role %q would create role %s in %s, which machine role %q already creates (at %s)", name, roleName, acct, prev.role, prev.pos)
				d.Related = []config.Pos{prev.pos}
				continue
			}
			byAccountName[key] = placed{name, c.Pos}
			inst := &RoleInstance{Account: acct, AccountID: a.ID, RoleName: roleName,
				ARN: "arn:" + r.org.Partition + ":iam::" + a.ID + ":role" + mr.Path + roleName}
			if c.InlinePolicy != nil {
				inst.InlinePolicy = r.compilePolicy(c.InlinePolicy, local)
			}
			inst.TrustPolicy = r.trustPolicy(mr, a, c)
			mr.Instances = append(mr.Instances, inst)
		}
		r.org.roles[name] = mr
		r.org.MachineRoles = append(r.org.MachineRoles, mr)
	}
}

// trust checks a role's trust entries and computes GitHub subjects.
func (r *resolver) trust(mr *MachineRole, c *config.MachineRole) Trust {
	var t Trust
	ct := c.Trust
	if ct == nil || (len(ct.GitHub) == 0 && len(ct.OIDC) == 0 && len(ct.SAML) == 0 && len(ct.AWS) == 0 && len(ct.PermissionSets) == 0) {
		r.errorf(c.Pos, "machine role %q has no trust: nobody could assume it (add trust.github, oidc, saml, aws or permission_sets)", mr.Name)
		return t
	}
	writes := mr.AccessLevel == "write" || mr.AccessLevel == "admin" || mr.AccessLevel == "state"
	for _, g := range ct.GitHub {
		if g == nil {
			continue
		}
		gt := GitHubTrust{Repository: g.Repository, RepositoryID: g.RepositoryID, Audience: g.Audience, Workflows: g.Workflows}
		if gt.Audience == "" {
			gt.Audience = DefaultAudience
		}
		switch {
		case g.Repository == "":
			r.errorf(g.Pos, "github trust needs repository: owner/repo")
			continue
		case strings.ContainsAny(g.Repository, "*?"):
			r.errorf(posOf(r, &g.Repository, g.Pos), "repository %q has a wildcard; trust names one repository (owner/repo)", g.Repository)
			continue
		case !githubRepoRe().MatchString(g.Repository):
			r.errorf(posOf(r, &g.Repository, g.Pos), "repository %q must be owner/repo (the owner is never implied)", g.Repository)
			continue
		}
		if g.RepositoryID != "" && !digitsRe().MatchString(g.RepositoryID) {
			r.errorf(posOf(r, &g.RepositoryID, g.Pos), "repository_id %q must be the numeric repository id", g.RepositoryID)
		}
		prefix := "repo:" + g.Repository + ":"
		for i, b := range g.Branches {
			if b == "*" || b == "" {
				r.errorf(posOf(r, &g.Branches[i], g.Pos), "branch %q would trust every branch; name the protected branches", b)
				continue
			}
			gt.Subjects = append(gt.Subjects, prefix+"ref:refs/heads/"+b)
		}
		for i, tag := range g.Tags {
			if tag == "*" || tag == "" {
				r.errorf(posOf(r, &g.Tags[i], g.Pos), "tag %q would trust every tag; use a pattern such as v*", tag)
				continue
			}
			gt.Subjects = append(gt.Subjects, prefix+"ref:refs/tags/"+tag)
		}
		for i, env := range g.Environments {
			if env == "*" || env == "" {
				r.errorf(posOf(r, &g.Environments[i], g.Pos), "environment %q would trust every environment; name them", env)
				continue
			}
			gt.Subjects = append(gt.Subjects, prefix+"environment:"+env)
		}
		if g.PullRequests {
			if writes {
				r.warnf(posOf(r, &g.PullRequests, g.Pos), "machine role %q (access_level %s) trusts pull_request workflows; anyone who can open a pull request could use it", mr.Name, mr.AccessLevel)
			}
			gt.Subjects = append(gt.Subjects, prefix+"pull_request")
		}
		if len(gt.Subjects) == 0 && len(g.Branches)+len(g.Tags)+len(g.Environments) == 0 {
			r.errorf(g.Pos, "github trust for %s pins nothing: list branches, tags, environments or pull_requests (a bare repository would trust every workflow)", g.Repository)
		}
		if len(gt.Subjects) == 0 {
			continue // reported above; a statement without subjects would only add follow-on errors
		}
		t.GitHub = append(t.GitHub, gt)
	}
	for _, o := range ct.OIDC {
		if o == nil {
			continue
		}
		ot := OIDCTrust{Issuer: o.Issuer, Audiences: o.Audiences, Subjects: o.Subjects}
		u, err := url.Parse(o.Issuer)
		bad := false
		if o.Issuer == "" || err != nil || u.Scheme != "https" || u.Host == "" {
			r.errorf(posOf(r, &o.Issuer, o.Pos), "oidc issuer %q must be an https:// URL", o.Issuer)
			bad = true
		}
		if len(o.Audiences) == 0 {
			r.errorf(o.Pos, "oidc trust needs audiences")
			bad = true
		}
		if len(o.Subjects) == 0 {
			r.errorf(o.Pos, "oidc trust needs subjects; without them any token of the issuer could assume the role")
			bad = true
		}
		for i, s := range o.Subjects {
			if s == "*" {
				r.errorf(posOf(r, &o.Subjects[i], o.Pos), "subject * admits every token of the issuer; name the subjects")
			}
		}
		if bad {
			continue // reported above; keep the broken entry out of the trust policy
		}
		t.OIDC = append(t.OIDC, ot)
	}
	for _, s := range ct.SAML {
		if s == nil {
			continue
		}
		st := SAMLTrust{Provider: s.Provider, Audience: s.Audience}
		if st.Audience == "" {
			st.Audience = DefaultSAMLAudience
		}
		if !samlNameRe().MatchString(s.Provider) {
			r.errorf(s.Pos, "saml trust needs provider: the name of the IAM SAML provider (letters, digits, ._-)")
		}
		t.SAML = append(t.SAML, st)
	}
	for _, a := range ct.AWS {
		if a == nil {
			continue
		}
		at := AWSTrust{ExternalID: a.ExternalID}
		if len(a.Principals) == 0 {
			r.errorf(a.Pos, "aws trust needs principals (role ARNs or account names)")
		}
		for i, p := range a.Principals {
			arn, ok := r.principalARN(p)
			if !ok {
				r.errorf(posOf(r, &a.Principals[i], a.Pos), "principal %q is not a role/user ARN, a 12-digit account id or a defined account", p)
				continue
			}
			if p == "*" {
				r.errorf(posOf(r, &a.Principals[i], a.Pos), "principal * lets every AWS account assume the role")
				continue
			}
			at.Principals = append(at.Principals, arn)
		}
		t.AWS = append(t.AWS, at)
	}
	for i, ps := range ct.PermissionSets {
		if _, ok := r.org.permSets[ps]; !ok {
			r.unknown(posOf(r, &ct.PermissionSets[i], ct.Pos), "permission set", ps, sortedKeys(r.org.permSets))
			continue
		}
		t.PermissionSets = append(t.PermissionSets, ps)
	}
	return t
}

func (r *resolver) principalARN(p string) (string, bool) {
	switch {
	case strings.HasPrefix(p, "arn:"):
		return p, principalARNRe().MatchString(p)
	case accountIDRe().MatchString(p):
		return "arn:" + r.org.Partition + ":iam::" + p + ":root", true
	}
	if a, ok := r.org.accounts[p]; ok {
		return "arn:" + r.org.Partition + ":iam::" + a.ID + ":root", true
	}
	return "", p == "*"
}

// trustPolicy renders the assume-role policy of a role in one account.
func (r *resolver) trustPolicy(mr *MachineRole, a *Account, c *config.MachineRole) *policy.Document {
	p := r.org.Partition
	doc := &policy.Document{Version: policy.DefaultVersion}
	for _, g := range mr.Trust.GitHub {
		cond := map[string]map[string]policy.Values{
			"StringEquals": {GitHubIssuer + ":aud": {g.Audience}},
		}
		op := "StringEquals"
		for _, s := range g.Subjects {
			if strings.ContainsAny(s, "*?") {
				op = "StringLike"
			}
		}
		if cond[op] == nil {
			cond[op] = map[string]policy.Values{}
		}
		cond[op][GitHubIssuer+":sub"] = policy.Values(g.Subjects)
		if g.RepositoryID != "" {
			cond["StringEquals"][GitHubIssuer+":repository_id"] = policy.Values{g.RepositoryID}
		}
		if len(g.Workflows) > 0 {
			if cond["StringLike"] == nil {
				cond["StringLike"] = map[string]policy.Values{}
			}
			cond["StringLike"][GitHubIssuer+":job_workflow_ref"] = policy.Values(g.Workflows)
		}
		doc.Statement = append(doc.Statement, policy.Statement{
			Sid: "GitHubActions", Effect: "Allow",
			Principal: map[string]policy.Values{"Federated": {"arn:" + p + ":iam::" + a.ID + ":oidc-provider/" + GitHubIssuer}},
			Action:    policy.Values{"sts:AssumeRoleWithWebIdentity", "sts:TagSession"},
			Condition: cond,
		})
	}
	for _, o := range mr.Trust.OIDC {
		host := strings.TrimSuffix(strings.TrimPrefix(o.Issuer, "https://"), "/")
		op := "StringEquals"
		for _, s := range o.Subjects {
			if strings.ContainsAny(s, "*?") {
				op = "StringLike"
			}
		}
		cond := map[string]map[string]policy.Values{"StringEquals": {host + ":aud": policy.Values(o.Audiences)}}
		if cond[op] == nil {
			cond[op] = map[string]policy.Values{}
		}
		cond[op][host+":sub"] = policy.Values(o.Subjects)
		doc.Statement = append(doc.Statement, policy.Statement{
			Sid: "OIDC", Effect: "Allow",
			Principal: map[string]policy.Values{"Federated": {"arn:" + p + ":iam::" + a.ID + ":oidc-provider/" + host}},
			Action:    policy.Values{"sts:AssumeRoleWithWebIdentity", "sts:TagSession"},
			Condition: cond,
		})
	}
	for _, s := range mr.Trust.SAML {
		doc.Statement = append(doc.Statement, policy.Statement{
			Sid: "SAML", Effect: "Allow",
			Principal: map[string]policy.Values{"Federated": {"arn:" + p + ":iam::" + a.ID + ":saml-provider/" + s.Provider}},
			Action:    policy.Values{"sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"},
			Condition: map[string]map[string]policy.Values{"StringEquals": {"SAML:aud": {s.Audience}}},
		})
	}
	for _, at := range mr.Trust.AWS {
		st := policy.Statement{Sid: "AWSPrincipals", Effect: "Allow",
			Principal: map[string]policy.Values{"AWS": policy.Values(at.Principals)},
			Action:    policy.Values{"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"}}
		if at.ExternalID != "" {
			// A pattern such as Spacelift's "<account>@*" needs StringLike;
			// StringEquals would match it only literally.
			op := "StringEquals"
			if strings.ContainsAny(at.ExternalID, "*?") {
				op = "StringLike"
			}
			st.Condition = map[string]map[string]policy.Values{op: {"sts:ExternalId": {at.ExternalID}}}
		}
		if len(at.Principals) > 0 {
			doc.Statement = append(doc.Statement, st)
		}
	}
	if len(mr.Trust.PermissionSets) > 0 {
		var arns policy.Values
		for _, ps := range mr.Trust.PermissionSets {
			arns = append(arns, SSORolePattern(p, a.ID, ps))
		}
		sort.Strings(arns)
		doc.Statement = append(doc.Statement, policy.Statement{
			Sid: "PermissionSets", Effect: "Allow",
			Principal: map[string]policy.Values{"AWS": {"arn:" + p + ":iam::" + a.ID + ":root"}},
			Action:    policy.Values{"sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"},
			Condition: map[string]map[string]policy.Values{"ArnLike": {"aws:PrincipalArn": arns}},
		})
	}
	// Several entries of one kind each make a statement with the same sid;
	// number them (GitHubActions1, GitHubActions2) so sids stay unique.
	sids := map[string]int{}
	for _, st := range doc.Statement {
		sids[st.Sid]++
	}
	nth := map[string]int{}
	for i := range doc.Statement {
		if sid := doc.Statement[i].Sid; sids[sid] > 1 {
			nth[sid]++
			doc.Statement[i].Sid = sid + strconv.Itoa(nth[sid])
		}
	}
	if len(doc.Statement) == 0 {
		return doc
	}
	for _, pr := range policy.Validate(doc, policy.Trust, p) {
		if pr.Warning {
			r.warnf(c.Pos, "machine role %q in %s: %s", mr.Name, a.Name, pr.Msg)
		} else {
			r.errorf(c.Pos, "machine role %q in %s: %s", mr.Name, a.Name, pr.Msg)
		}
	}
	return doc
}

// SSORolePattern matches the IAM role Identity Center provisions for a
// permission set in an account (with or without the region segment).
func SSORolePattern(partition, accountID, permissionSet string) string {
	return "arn:" + partition + ":iam::" + accountID + ":role/aws-reserved/sso.amazonaws.com*/AWSReservedSSO_" + permissionSet + "_*"
}
