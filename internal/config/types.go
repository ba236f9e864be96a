package config

// The types in this file are the configuration as written: one File per
// YAML file, merged into one File for a whole configuration tree. They keep
// names as strings; package org resolves them into a checked model.
//
// Every key has a `yaml` tag (the name in the file) and a description that
// also feeds `sesame config schema`.

// File is the top level of a configuration file. In a directory, every file
// has this shape and the files merge by top-level key.
type File struct {
	Organization   *Organization             `yaml:"organization" jsonschema_description:"The organization: name, namespace, partition, Identity Center, account naming, state backend."`
	Defaults       *Settings                 `yaml:"defaults" jsonschema_description:"Settings every profile starts from."`
	Accounts       map[string]*Account       `yaml:"accounts" jsonschema_description:"The static account map: account name to id, tenant, stage and tags."`
	Groups         map[string]*Group         `yaml:"groups" jsonschema_description:"Identity Center groups, synced from the IdP (scim) or managed here."`
	Users          map[string]*User          `yaml:"users" jsonschema_description:"Identity Center users that receive assignments directly (by UserName)."`
	PermissionSets map[string]*PermissionSet `yaml:"permission_sets" jsonschema_description:"Permission sets: what a person can do in an account."`
	Assignments    []*Assignment             `yaml:"assignments" jsonschema_description:"Group or user to accounts to permission sets; expanded into an explicit list."`
	MachineRoles   map[string]*MachineRole   `yaml:"machine_roles" jsonschema_description:"IAM roles for machines (CI/CD) with their policies and trust."`
	Providers      map[string]*Provider      `yaml:"providers" jsonschema_description:"Where credentials start: Identity Center, GitHub OIDC, an OIDC token file, SAML, an IAM user."`
	Identities     map[string]*Identity      `yaml:"identities" jsonschema_description:"Declared identities. Every assigned account/permission-set pair is also an identity without any YAML."`
	Profiles       map[string]*Profile       `yaml:"profiles" jsonschema_description:"Named sets of defaults for a kind of user (devops, developers, ci)."`
	Sandbox        *Sandbox                  `yaml:"sandbox" jsonschema_description:"Users of the local sandbox emulator and their group memberships."`
}

// Organization describes the AWS organization as a whole.
type Organization struct {
	Pos               Pos               `yaml:"-"`
	Name              string            `yaml:"name" jsonschema_description:"Display name of the organization."`
	Namespace         string            `yaml:"namespace" jsonschema_description:"Short lowercase prefix used in resource names (e.g. acme)."`
	Partition         string            `yaml:"partition" jsonschema:"enum=aws,enum=aws-us-gov,enum=aws-cn" jsonschema_description:"AWS partition; default aws."`
	ManagementAccount string            `yaml:"management_account" jsonschema_description:"Name of the management (root) account in accounts."`
	AccountNaming     string            `yaml:"account_naming" jsonschema_description:"Rule every account name follows, from {namespace}, {tenant}, {environment}, {stage}; default {tenant}-{stage}."`
	IdentityCenter    *IdentityCenter   `yaml:"identity_center" jsonschema_description:"The IAM Identity Center instance people sign in to."`
	StateBackend      *StateBackend     `yaml:"state_backend" jsonschema_description:"Where Terraform state lives; used in policies as {state_*} variables and by lints."`
	Vars              map[string]string `yaml:"vars" jsonschema_description:"Extra variables usable as {name} in policies and role names."`
}

// IdentityCenter locates the Identity Center instance.
type IdentityCenter struct {
	Pos             Pos    `yaml:"-"`
	StartURL        string `yaml:"start_url" jsonschema_description:"The AWS access portal URL, e.g. https://acme.awsapps.com/start."`
	Region          string `yaml:"region" jsonschema_description:"Region of the Identity Center instance."`
	InstanceARN     string `yaml:"instance_arn" jsonschema_description:"Optional instance ARN (arn:aws:sso:::instance/ssoins-...)."`
	IdentityStoreID string `yaml:"identity_store_id" jsonschema_description:"Optional identity store id (d-xxxxxxxxxx)."`
}

// StateBackend names the Terraform state bucket and the roles that reach it.
type StateBackend struct {
	Pos           Pos    `yaml:"-"`
	Account       string `yaml:"account" jsonschema_description:"Account (name) that holds the state bucket."`
	Region        string `yaml:"region" jsonschema_description:"Region of the bucket."`
	Bucket        string `yaml:"bucket" jsonschema_description:"S3 bucket name."`
	LockTable     string `yaml:"lock_table" jsonschema_description:"Optional DynamoDB lock table."`
	ReadWriteRole string `yaml:"read_write_role" jsonschema_description:"Name of the IAM role in the state account that may write state."`
	ReadOnlyRole  string `yaml:"read_only_role" jsonschema_description:"Name of the IAM role in the state account that may only read state."`
}

// Settings are the defaults a profile can set.
type Settings struct {
	DefaultIdentity string   `yaml:"default_identity" jsonschema_description:"Identity used when none is given."`
	Region          string   `yaml:"region" jsonschema_description:"Region set for commands run with credentials."`
	CredentialStore string   `yaml:"credential_store" jsonschema:"enum=keyring,enum=file,enum=memory" jsonschema_description:"Where credentials are cached."`
	Login           string   `yaml:"login" jsonschema:"enum=interactive,enum=never" jsonschema_description:"Whether sesame may start an interactive sign-in."`
	RefreshBefore   Duration `yaml:"refresh_before" jsonschema_description:"Renew role credentials this long before they expire; default 15m."`
}

// Account is one entry of the static account map.
type Account struct {
	Pos         Pos               `yaml:"-"`
	ID          AccountID         `yaml:"id" jsonschema_description:"The 12-digit account id, quoted."`
	Tenant      string            `yaml:"tenant" jsonschema_description:"Tenant; derived from the name by the naming rule when omitted."`
	Stage       string            `yaml:"stage" jsonschema_description:"Stage; derived from the name by the naming rule when omitted."`
	Environment string            `yaml:"environment" jsonschema_description:"Optional environment (e.g. a region code)."`
	OU          string            `yaml:"ou" jsonschema_description:"Organizational unit path, e.g. /core or /platform."`
	Email       string            `yaml:"email" jsonschema_description:"Root email of the account."`
	Tags        map[string]string `yaml:"tags" jsonschema_description:"Free-form tags; selectors can match them."`
}

// Group is an Identity Center group.
type Group struct {
	Pos         Pos    `yaml:"-"`
	Description string `yaml:"description"`
	Source      string `yaml:"source" jsonschema:"enum=scim,enum=managed" jsonschema_description:"scim: synced from the IdP (default); managed: created by sesame's Terraform."`
}

// User is an Identity Center user that receives assignments directly.
type User struct {
	Pos         Pos    `yaml:"-"`
	DisplayName string `yaml:"display_name"`
	Email       string `yaml:"email"`
	Expires     string `yaml:"expires" jsonschema_description:"Date (YYYY-MM-DD) after which direct assignments should be removed."`
	Reason      string `yaml:"reason" jsonschema_description:"Why this user has direct assignments."`
}

// PermissionSet is an Identity Center permission set.
type PermissionSet struct {
	Pos                     Pos                `yaml:"-"`
	Description             string             `yaml:"description" jsonschema_description:"1 to 700 characters."`
	SessionDuration         Duration           `yaml:"session_duration" jsonschema_description:"1h to 12h (Go 4h or ISO-8601 PT4H); default 1h."`
	RelayState              string             `yaml:"relay_state" jsonschema_description:"Console URL to open after sign-in (https, at most 240 characters)."`
	AccessLevel             string             `yaml:"access_level" jsonschema:"enum=read,enum=state,enum=plan,enum=write,enum=admin,enum=billing,enum=root" jsonschema_description:"What kind of access the set is meant to give; lints compare it with the policies."`
	ManagedPolicies         []string           `yaml:"managed_policies" jsonschema_description:"AWS-managed policies by short name (ReadOnlyAccess, job-function/Billing) or ARN."`
	CustomerManagedPolicies []*PolicyReference `yaml:"customer_managed_policies" jsonschema_description:"Customer-managed policies that exist in every target account."`
	InlinePolicy            *Policy            `yaml:"inline_policy" jsonschema_description:"The inline policy: statements in YAML or a JSON file."`
	PermissionsBoundary     *Boundary          `yaml:"permissions_boundary" jsonschema_description:"Optional permissions boundary."`
	Tags                    map[string]string  `yaml:"tags"`
}

// PolicyReference names a customer-managed policy.
type PolicyReference struct {
	Pos  Pos    `yaml:"-"`
	Name string `yaml:"name" jsonschema_description:"Policy name (at most 128 characters)."`
	Path string `yaml:"path" jsonschema_description:"Policy path; default /."`
}

// Boundary is a permissions boundary: a managed policy or a customer-managed
// reference, not both.
type Boundary struct {
	Pos                   Pos              `yaml:"-"`
	ManagedPolicy         string           `yaml:"managed_policy" jsonschema_description:"AWS-managed policy short name or ARN."`
	CustomerManagedPolicy *PolicyReference `yaml:"customer_managed_policy"`
}

// Policy is an IAM policy document, written as YAML statements or kept in
// a JSON file next to the configuration.
type Policy struct {
	Pos        Pos          `yaml:"-"`
	Version    string       `yaml:"version" jsonschema_description:"Policy language version; default 2012-10-17."`
	Statements []*Statement `yaml:"statements"`
	File       string       `yaml:"file" jsonschema_description:"A JSON policy document, relative to the file that names it."`
}

// Statement is one IAM policy statement.
type Statement struct {
	Pos          Pos                              `yaml:"-"`
	Sid          string                           `yaml:"sid"`
	Effect       string                           `yaml:"effect" jsonschema:"enum=Allow,enum=Deny"`
	Actions      StringList                       `yaml:"actions"`
	NotActions   StringList                       `yaml:"not_actions"`
	Resources    StringList                       `yaml:"resources"`
	NotResources StringList                       `yaml:"not_resources"`
	Conditions   map[string]map[string]StringList `yaml:"conditions" jsonschema_description:"Operator to condition key to value(s), as in IAM."`
}

// Assignment gives a group or a user permission sets in some accounts.
type Assignment struct {
	Pos            Pos        `yaml:"-"`
	Group          string     `yaml:"group" jsonschema_description:"Group name (one of group or user)."`
	User           string     `yaml:"user" jsonschema_description:"User name (one of group or user)."`
	Accounts       *Selector  `yaml:"accounts" jsonschema_description:"Which accounts: all, a list of names (globs allowed), or a selector."`
	PermissionSets StringList `yaml:"permission_sets"`
}

// Selector picks accounts. As YAML it is `all`, a list of names, or a
// mapping; the result is the accounts matching every given field, minus
// exclude.
type Selector struct {
	Pos          Pos               `yaml:"-"`
	All          bool              `yaml:"all"`
	Names        []string          `yaml:"names" jsonschema_description:"Account names; * and ? globs allowed."`
	Tenants      []string          `yaml:"tenants"`
	Stages       []string          `yaml:"stages"`
	Environments []string          `yaml:"environments"`
	OUs          []string          `yaml:"ous"`
	Tags         map[string]string `yaml:"tags" jsonschema_description:"Every tag must match."`
	Exclude      []string          `yaml:"exclude" jsonschema_description:"Account names (globs) to leave out."`
}

// MachineRole is an IAM role created in each selected account for a
// machine (CI/CD) to assume.
type MachineRole struct {
	Pos                     Pos                `yaml:"-"`
	Description             string             `yaml:"description"`
	Accounts                *Selector          `yaml:"accounts" jsonschema_description:"Accounts the role is created in."`
	RoleName                string             `yaml:"role_name" jsonschema_description:"Role name template; default {namespace}-{account}-{name}."`
	Path                    string             `yaml:"path" jsonschema_description:"IAM path; default /."`
	MaxSessionDuration      Duration           `yaml:"max_session_duration" jsonschema_description:"1h to 12h; default 1h."`
	AccessLevel             string             `yaml:"access_level" jsonschema:"enum=read,enum=state,enum=plan,enum=write,enum=admin,enum=billing,enum=root"`
	ManagedPolicies         []string           `yaml:"managed_policies"`
	CustomerManagedPolicies []*PolicyReference `yaml:"customer_managed_policies"`
	InlinePolicy            *Policy            `yaml:"inline_policy"`
	PermissionsBoundary     string             `yaml:"permissions_boundary" jsonschema_description:"Managed policy short name or ARN."`
	Trust                   *Trust             `yaml:"trust" jsonschema_description:"Who may assume the role."`
	Tags                    map[string]string  `yaml:"tags"`
}

// Trust lists who may assume a machine role.
type Trust struct {
	Pos            Pos            `yaml:"-"`
	GitHub         []*GitHubTrust `yaml:"github" jsonschema_description:"GitHub Actions workflows (OIDC)."`
	OIDC           []*OIDCTrust   `yaml:"oidc" jsonschema_description:"Any other OIDC issuer."`
	SAML           []*SAMLTrust   `yaml:"saml" jsonschema_description:"SAML providers in the account."`
	AWS            []*AWSTrust    `yaml:"aws" jsonschema_description:"AWS principals (roles, accounts)."`
	PermissionSets []string       `yaml:"permission_sets" jsonschema_description:"Permission sets whose sessions in the same account may assume the role (chaining)."`
}

// GitHubTrust admits GitHub Actions runs of one repository.
type GitHubTrust struct {
	Pos          Pos      `yaml:"-"`
	Repository   string   `yaml:"repository" jsonschema_description:"owner/repo; no wildcards."`
	RepositoryID string   `yaml:"repository_id" jsonschema_description:"Numeric repository id (immutable; survives renames)."`
	Branches     []string `yaml:"branches" jsonschema_description:"Branches (refs/heads/...) allowed."`
	Tags         []string `yaml:"tags" jsonschema_description:"Tags (refs/tags/...) allowed."`
	Environments []string `yaml:"environments" jsonschema_description:"GitHub deployment environments allowed."`
	PullRequests bool     `yaml:"pull_requests" jsonschema_description:"Allow pull_request workflows (read roles only)."`
	Audience     string   `yaml:"audience" jsonschema_description:"Token audience; default sts.amazonaws.com."`
	Workflows    []string `yaml:"workflows" jsonschema_description:"Optional job_workflow_ref values to pin reusable workflows."`
}

// OIDCTrust admits tokens of a generic OIDC issuer.
type OIDCTrust struct {
	Pos       Pos      `yaml:"-"`
	Issuer    string   `yaml:"issuer" jsonschema_description:"Issuer URL (https)."`
	Audiences []string `yaml:"audiences"`
	Subjects  []string `yaml:"subjects" jsonschema_description:"Allowed sub claims; * allowed inside a pattern."`
}

// SAMLTrust admits a SAML provider.
type SAMLTrust struct {
	Pos      Pos    `yaml:"-"`
	Provider string `yaml:"provider" jsonschema_description:"Name of the IAM SAML provider in the account."`
	Audience string `yaml:"audience" jsonschema_description:"SAML:aud; default https://signin.aws.amazon.com/saml."`
}

// AWSTrust admits AWS principals.
type AWSTrust struct {
	Pos        Pos      `yaml:"-"`
	Principals []string `yaml:"principals" jsonschema_description:"Role ARNs, or account names/ids."`
	ExternalID string   `yaml:"external_id" jsonschema_description:"Required sts:ExternalId (for third parties)."`
}

// Provider is where a credential chain starts.
type Provider struct {
	Pos             Pos        `yaml:"-"`
	Kind            string     `yaml:"kind" jsonschema:"enum=aws/iam-identity-center,enum=github/oidc,enum=oidc/token-file,enum=aws/saml,enum=aws/user"`
	Description     string     `yaml:"description"`
	Region          string     `yaml:"region"`
	StartURL        string     `yaml:"start_url" jsonschema_description:"aws/iam-identity-center: portal URL; default organization.identity_center.start_url."`
	EndpointURL     string     `yaml:"endpoint_url" jsonschema_description:"Send this provider's AWS calls to another endpoint (e.g. the sandbox)."`
	Scopes          StringList `yaml:"scopes" jsonschema_description:"aws/iam-identity-center: OAuth scopes; default sso:account:access."`
	Audience        string     `yaml:"audience" jsonschema_description:"github/oidc, oidc/token-file: token audience; default sts.amazonaws.com."`
	TokenFile       string     `yaml:"token_file" jsonschema_description:"oidc/token-file: path of the web identity token."`
	URL             string     `yaml:"url" jsonschema_description:"aws/saml: IdP sign-in URL."`
	Username        string     `yaml:"username" jsonschema_description:"aws/saml: user name at the IdP."`
	MFASerial       string     `yaml:"mfa_serial" jsonschema_description:"aws/user: MFA device ARN."`
	SessionDuration Duration   `yaml:"session_duration" jsonschema_description:"aws/user, aws/saml: session length."`
}

// Identity is a declared identity: a permission set reached explicitly, or
// a role assumed from another identity or a provider.
type Identity struct {
	Pos           Pos               `yaml:"-"`
	Kind          string            `yaml:"kind" jsonschema:"enum=aws/assume-role,enum=aws/permission-set,enum=aws/user"`
	Description   string            `yaml:"description"`
	Via           *Via              `yaml:"via" jsonschema_description:"Where credentials come from: an identity or a provider."`
	RoleARN       string            `yaml:"role_arn" jsonschema_description:"aws/assume-role: the role ARN."`
	MachineRole   string            `yaml:"machine_role" jsonschema_description:"aws/assume-role: a machine role by name (with account)."`
	Account       string            `yaml:"account" jsonschema_description:"Account name for machine_role or permission_set."`
	PermissionSet string            `yaml:"permission_set" jsonschema_description:"aws/permission-set: the permission set."`
	SessionName   string            `yaml:"session_name" jsonschema_description:"Role session name; default the signed-in user."`
	ExternalID    string            `yaml:"external_id"`
	Duration      Duration          `yaml:"duration" jsonschema_description:"Session length; chained role sessions are capped at 1h by AWS."`
	Region        string            `yaml:"region"`
	SessionTags   map[string]string `yaml:"session_tags"`
}

// Via names the source of an identity's credentials. In YAML it is a
// mapping with identity or provider, or a bare name of either.
type Via struct {
	Pos      Pos    `yaml:"-"`
	Identity string `yaml:"identity"`
	Provider string `yaml:"provider"`
	Name     string `yaml:"-"` // a bare name, resolved against both
}

// Profile is a named set of defaults for a kind of user.
type Profile struct {
	Pos         Pos    `yaml:"-"`
	Description string `yaml:"description"`
	Settings    `yaml:",inline"`
	Include     []string             `yaml:"include" jsonschema_description:"Identity name globs this profile shows; default all."`
	Exclude     []string             `yaml:"exclude" jsonschema_description:"Identity name globs this profile hides."`
	Providers   map[string]*Provider `yaml:"providers" jsonschema_description:"Providers added or replaced by this profile."`
	Identities  map[string]*Identity `yaml:"identities" jsonschema_description:"Identities added or replaced by this profile."`
}

// Sandbox configures the local emulator.
type Sandbox struct {
	Pos   Pos                     `yaml:"-"`
	Users map[string]*SandboxUser `yaml:"users" jsonschema_description:"Users who can sign in to the sandbox, by user name."`
}

// SandboxUser is a person in the sandbox's identity store.
type SandboxUser struct {
	Pos         Pos      `yaml:"-"`
	DisplayName string   `yaml:"display_name"`
	Email       string   `yaml:"email"`
	Groups      []string `yaml:"groups" jsonschema_description:"Groups the user belongs to."`
}
