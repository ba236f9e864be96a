package org

import (
	"path"
	"sort"
	"time"
	"unicode"

	"github.com/sesame-cli/sesame/internal/config"
)

var (
	accountIDRe  = lazyRegexp(`^\d{12}$`)
	bucketRe     = lazyRegexp(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	reservedName = map[string]bool{"Administrator": true, "AWSAdministrators": true}
)

func (r *resolver) accounts() {
	r.org.accounts = map[string]*Account{}
	r.org.accountIDs = map[string]*Account{}
	for _, name := range sortedKeys(r.f.Accounts) {
		ca := r.f.Accounts[name]
		a := &Account{Name: name, ID: string(ca.ID), Namespace: r.org.Namespace, Tenant: ca.Tenant, Stage: ca.Stage,
			Environment: ca.Environment, OU: ca.OU, Email: ca.Email, Tags: ca.Tags, Pos: ca.Pos}
		idPos := posOf(r, &ca.ID, ca.Pos)
		switch {
		case ca.ID == "":
			if !r.hasDiagAt(idPos) {
				r.errorf(idPos, "account %q has no id; write id: \"123456789012\"", name)
			}
		case !accountIDRe().MatchString(string(ca.ID)):
			r.errorf(idPos, "account id %q of %q must be exactly 12 digits", ca.ID, name)
		default:
			if prev, dup := r.org.accountIDs[a.ID]; dup {
				d := r.errorf(idPos, "account id %s of %q is already the id of %q (at %s)", a.ID, name, prev.Name, prev.Pos)
				d.Related = []config.Pos{prev.Pos}
			} else {
				r.org.accountIDs[a.ID] = a
			}
		}
		r.accountLabels(a, ca)
		if ca.OU != "" && (ca.OU[0] != '/' || path.Clean(ca.OU) != ca.OU) {
			r.errorf(posOf(r, &ca.OU, ca.Pos), "ou %q must be a path such as /core or /platform/dev", ca.OU)
		}
		r.org.accounts[name] = a
		r.org.Accounts = append(r.org.Accounts, a)
	}
	if len(r.f.Accounts) == 0 && !r.cfg.Incomplete {
		r.errorf(config.Pos{File: r.cfg.Root}, "no accounts are defined; the account map (accounts:) is required")
	}
	if o := r.f.Organization; o != nil && o.ManagementAccount != "" {
		r.org.ManagementAccount = o.ManagementAccount
		if a, ok := r.org.accounts[o.ManagementAccount]; ok {
			a.Management = true
		} else {
			r.unknown(posOf(r, &o.ManagementAccount, o.Pos), "account", o.ManagementAccount, sortedKeys(r.org.accounts))
		}
	}
}

// accountLabels derives tenant, stage and environment from the account
// name by the naming rule, and checks those written explicitly.
func (r *resolver) accountLabels(a *Account, ca *config.Account) {
	explicit := map[string]*string{"tenant": &ca.Tenant, "stage": &ca.Stage, "environment": &ca.Environment}
	target := map[string]*string{"tenant": &a.Tenant, "stage": &a.Stage, "environment": &a.Environment}
	for field, p := range explicit {
		if *p != "" && !labelRe().MatchString(*p) {
			r.errorf(posOf(r, p, ca.Pos), "%s %q must be lowercase letters and digits (no dashes)", field, *p)
		}
	}
	if r.naming == nil {
		return
	}
	m := r.naming.FindStringSubmatch(a.Name)
	if m == nil {
		r.errorf(ca.Pos, "account name %q does not follow the naming rule %s (lowercase letters and digits in each part)", a.Name, r.org.AccountNaming)
		return
	}
	for i, field := range r.fields {
		got := m[i+1]
		if want := *explicit[field]; want != "" && want != got {
			r.errorf(posOf(r, explicit[field], ca.Pos), "%s %q does not match the account name %q, which gives %s %q by the rule %s",
				field, want, a.Name, field, got, r.org.AccountNaming)
			continue
		}
		*target[field] = got
	}
}

func (r *resolver) stateBackend() {
	o := r.f.Organization
	if o == nil || o.StateBackend == nil {
		return
	}
	sb := o.StateBackend
	out := &StateBackend{Account: sb.Account, Region: sb.Region, Bucket: sb.Bucket, LockTable: sb.LockTable}
	a, ok := r.org.accounts[sb.Account]
	switch {
	case sb.Account == "":
		r.errorf(sb.Pos, "state_backend.account is required")
	case !ok:
		r.unknown(posOf(r, &sb.Account, sb.Pos), "account", sb.Account, sortedKeys(r.org.accounts))
	default:
		out.AccountID = a.ID
	}
	r.checkRegion(posOf(r, &sb.Region, sb.Pos), "state_backend.region", sb.Region, false)
	if sb.Bucket == "" {
		r.errorf(sb.Pos, "state_backend.bucket is required")
	} else if !bucketRe().MatchString(sb.Bucket) {
		r.errorf(posOf(r, &sb.Bucket, sb.Pos), "bucket %q is not a valid S3 bucket name", sb.Bucket)
	}
	p := r.org.Partition
	out.BucketARN = "arn:" + p + ":s3:::" + sb.Bucket
	if sb.LockTable != "" {
		out.LockTableARN = "arn:" + p + ":dynamodb:" + sb.Region + ":" + out.AccountID + ":table/" + sb.LockTable
		if sb.Region == "" {
			r.errorf(sb.Pos, "state_backend.region is required with a lock_table")
		}
	}
	if sb.ReadWriteRole != "" {
		out.ReadWriteRoleARN = "arn:" + p + ":iam::" + out.AccountID + ":role/" + sb.ReadWriteRole
	}
	if sb.ReadOnlyRole != "" {
		out.ReadOnlyRoleARN = "arn:" + p + ":iam::" + out.AccountID + ":role/" + sb.ReadOnlyRole
	}
	if sb.ReadOnlyRole != "" && sb.ReadOnlyRole == sb.ReadWriteRole {
		r.errorf(posOf(r, &sb.ReadOnlyRole, sb.Pos), "read_only_role and read_write_role are the same role; plan and state-read access would be able to write state")
	}
	r.org.StateBackend = out
	for k, v := range map[string]string{
		"state_bucket": sb.Bucket, "state_bucket_arn": out.BucketARN, "state_account_id": out.AccountID,
		"state_region": sb.Region, "state_lock_table": sb.LockTable, "state_lock_table_arn": out.LockTableARN,
		"state_read_write_role_arn": out.ReadWriteRoleARN, "state_read_only_role_arn": out.ReadOnlyRoleARN,
	} {
		if v != "" {
			r.vars[k] = v
		}
	}
}

func (r *resolver) groupsAndUsers() {
	r.org.groups = map[string]*Group{}
	for _, name := range sortedKeys(r.f.Groups) {
		cg := r.f.Groups[name]
		g := &Group{Name: name, Description: cg.Description, Source: cg.Source, Pos: cg.Pos}
		switch cg.Source {
		case "":
			g.Source = "scim"
		case "scim", "managed":
		default:
			r.errorf(posOf(r, &cg.Source, cg.Pos), "group source %q must be scim or managed", cg.Source)
		}
		if reservedName[name] {
			r.errorf(cg.Pos, "group name %q is reserved by IAM Identity Center", name)
		} else if !validName(name, 1024, true) {
			r.errorf(cg.Pos, "group name %q is not a valid Identity Center display name", name)
		}
		r.org.groups[name] = g
		r.org.Groups = append(r.org.Groups, g)
	}
	r.org.users = map[string]*User{}
	for _, name := range sortedKeys(r.f.Users) {
		cu := r.f.Users[name]
		u := &User{Name: name, DisplayName: cu.DisplayName, Email: cu.Email, Expires: cu.Expires, Reason: cu.Reason, Pos: cu.Pos}
		if !validName(name, 128, false) {
			r.errorf(cu.Pos, "user name %q must be 1 to 128 characters without spaces", name)
		}
		if cu.Expires != "" {
			if _, err := time.Parse(time.DateOnly, cu.Expires); err != nil {
				r.errorf(posOf(r, &cu.Expires, cu.Pos), "expires %q is not a date (YYYY-MM-DD)", cu.Expires)
			}
		}
		r.org.users[name] = u
		r.org.Users = append(r.org.Users, u)
	}
}

func (r *resolver) sandbox() {
	r.org.sandboxUser = map[string]*SandboxUser{}
	if r.f.Sandbox == nil {
		return
	}
	for _, name := range sortedKeys(r.f.Sandbox.Users) {
		cu := r.f.Sandbox.Users[name]
		u := &SandboxUser{Name: name, DisplayName: cu.DisplayName, Email: cu.Email, Groups: []string{}}
		if !validName(name, 128, false) {
			r.errorf(cu.Pos, "sandbox user name %q must be 1 to 128 characters without spaces", name)
		}
		for i := range cu.Groups {
			g := cu.Groups[i]
			if _, ok := r.org.groups[g]; !ok {
				r.unknown(posOf(r, &cu.Groups[i], cu.Pos), "group", g, sortedKeys(r.org.groups))
				continue
			}
			u.Groups = append(u.Groups, g)
		}
		sort.Strings(u.Groups)
		r.org.sandboxUser[name] = u
		r.org.SandboxUsers = append(r.org.SandboxUsers, u)
	}
}

// validName checks an Identity Center display or user name: 1 to max
// runes of letters, marks, symbols, digits and punctuation (and, for
// display names, blanks). Hand-written: the equivalent Unicode-class
// regexp costs milliseconds to compile at every start.
func validName(s string, max int, blanks bool) bool {
	n := 0
	for _, r := range s {
		n++
		switch {
		case unicode.IsLetter(r), unicode.IsMark(r), unicode.IsSymbol(r), unicode.IsNumber(r), unicode.IsPunct(r):
		case blanks && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
		default:
			return false
		}
	}
	return n >= 1 && n <= max
}
