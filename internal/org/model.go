// Package org is the resolved organization: the static configuration with
// every name checked, tenants and stages derived, policies compiled,
// assignments expanded into an explicit sorted list, machine roles placed
// in their accounts, and identities (derived and declared) linked into
// chains. Everything sesame does at run time reads this model; it never
// looks anything up in AWS.
package org

import (
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/policy"
)

// Org is the resolved organization for one selection of profiles.
type Org struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace,omitempty"`
	Partition         string            `json:"partition"`
	ManagementAccount string            `json:"management_account,omitempty"`
	AccountNaming     string            `json:"account_naming"`
	IdentityCenter    *IdentityCenter   `json:"identity_center,omitempty"`
	StateBackend      *StateBackend     `json:"state_backend,omitempty"`
	Vars              map[string]string `json:"vars,omitempty"`

	Accounts       []*Account       `json:"accounts"`
	Groups         []*Group         `json:"groups"`
	Users          []*User          `json:"users,omitempty"`
	PermissionSets []*PermissionSet `json:"permission_sets"`
	Assignments    []Assignment     `json:"assignments"`
	MachineRoles   []*MachineRole   `json:"machine_roles,omitempty"`
	Providers      []*Provider      `json:"providers"`
	Identities     []*Identity      `json:"identities"`
	Profile        *Profile         `json:"profile"`
	ProfileNames   []string         `json:"profiles"`
	SandboxUsers   []*SandboxUser   `json:"sandbox_users,omitempty"`

	accounts    map[string]*Account
	accountIDs  map[string]*Account
	groups      map[string]*Group
	users       map[string]*User
	permSets    map[string]*PermissionSet
	roles       map[string]*MachineRole
	providers   map[string]*Provider
	identities  map[string]*Identity
	sandboxUser map[string]*SandboxUser
}

// IdentityCenter is the Identity Center instance.
type IdentityCenter struct {
	StartURL        string `json:"start_url"`
	Region          string `json:"region"`
	InstanceARN     string `json:"instance_arn,omitempty"`
	IdentityStoreID string `json:"identity_store_id,omitempty"`
}

// StateBackend is where Terraform state lives.
type StateBackend struct {
	Account          string `json:"account"`
	AccountID        string `json:"account_id"`
	Region           string `json:"region,omitempty"`
	Bucket           string `json:"bucket"`
	BucketARN        string `json:"bucket_arn"`
	LockTable        string `json:"lock_table,omitempty"`
	LockTableARN     string `json:"lock_table_arn,omitempty"`
	ReadWriteRoleARN string `json:"read_write_role_arn,omitempty"`
	ReadOnlyRoleARN  string `json:"read_only_role_arn,omitempty"`
}

// Account is one account of the static map.
type Account struct {
	Name        string            `json:"name"`
	ID          string            `json:"id"`
	Namespace   string            `json:"namespace,omitempty"`
	Tenant      string            `json:"tenant,omitempty"`
	Stage       string            `json:"stage,omitempty"`
	Environment string            `json:"environment,omitempty"`
	OU          string            `json:"ou,omitempty"`
	Email       string            `json:"email,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Management  bool              `json:"management,omitempty"`
	Pos         config.Pos        `json:"-"`
}

// Group is an Identity Center group.
type Group struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	Source      string     `json:"source"`
	Pos         config.Pos `json:"-"`
}

// User is an Identity Center user with direct assignments.
type User struct {
	Name        string     `json:"name"`
	DisplayName string     `json:"display_name,omitempty"`
	Email       string     `json:"email,omitempty"`
	Expires     string     `json:"expires,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	Pos         config.Pos `json:"-"`
}

// PolicyRef is a customer-managed policy reference.
type PolicyRef struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// PermissionSet is a checked permission set with its policies compiled.
type PermissionSet struct {
	Name                    string            `json:"name"`
	Description             string            `json:"description,omitempty"`
	SessionDuration         config.Duration   `json:"session_duration"`
	RelayState              string            `json:"relay_state,omitempty"`
	AccessLevel             string            `json:"access_level,omitempty"`
	ManagedPolicyARNs       []string          `json:"managed_policy_arns,omitempty"`
	CustomerManagedPolicies []PolicyRef       `json:"customer_managed_policies,omitempty"`
	InlinePolicy            *policy.Document  `json:"inline_policy,omitempty"`
	BoundaryManagedARN      string            `json:"permissions_boundary_arn,omitempty"`
	BoundaryCustomer        *PolicyRef        `json:"permissions_boundary_customer_managed,omitempty"`
	Tags                    map[string]string `json:"tags,omitempty"`
	Pos                     config.Pos        `json:"-"`
}

// Principal types of an assignment.
const (
	PrincipalGroup = "GROUP"
	PrincipalUser  = "USER"
)

// Assignment is one expanded (principal, account, permission set) triple.
type Assignment struct {
	PrincipalType string     `json:"principal_type"`
	Principal     string     `json:"principal"`
	Account       string     `json:"account"`
	AccountID     string     `json:"account_id"`
	PermissionSet string     `json:"permission_set"`
	Pos           config.Pos `json:"-"`
}

// MachineRole is a machine role with the accounts it is created in.
type MachineRole struct {
	Name                    string            `json:"name"`
	Description             string            `json:"description,omitempty"`
	Path                    string            `json:"path"`
	MaxSessionDuration      config.Duration   `json:"max_session_duration"`
	AccessLevel             string            `json:"access_level,omitempty"`
	ManagedPolicyARNs       []string          `json:"managed_policy_arns,omitempty"`
	CustomerManagedPolicies []PolicyRef       `json:"customer_managed_policies,omitempty"`
	BoundaryARN             string            `json:"permissions_boundary_arn,omitempty"`
	Trust                   Trust             `json:"trust"`
	Tags                    map[string]string `json:"tags,omitempty"`
	Instances               []*RoleInstance   `json:"instances"`
	Pos                     config.Pos        `json:"-"`
}

// RoleInstance is a machine role in one account, with its policies
// rendered for that account.
type RoleInstance struct {
	Account      string           `json:"account"`
	AccountID    string           `json:"account_id"`
	RoleName     string           `json:"role_name"`
	ARN          string           `json:"arn"`
	InlinePolicy *policy.Document `json:"inline_policy,omitempty"`
	TrustPolicy  *policy.Document `json:"trust_policy"`
}

// Trust is who may assume a machine role.
type Trust struct {
	GitHub         []GitHubTrust `json:"github,omitempty"`
	OIDC           []OIDCTrust   `json:"oidc,omitempty"`
	SAML           []SAMLTrust   `json:"saml,omitempty"`
	AWS            []AWSTrust    `json:"aws,omitempty"`
	PermissionSets []string      `json:"permission_sets,omitempty"`
}

// GitHubTrust admits GitHub Actions runs of one repository; Subjects are
// the sub claims it allows.
type GitHubTrust struct {
	Repository   string   `json:"repository"`
	RepositoryID string   `json:"repository_id,omitempty"`
	Audience     string   `json:"audience"`
	Subjects     []string `json:"subjects"`
	Workflows    []string `json:"workflows,omitempty"`
}

// OIDCTrust admits a generic OIDC issuer.
type OIDCTrust struct {
	Issuer    string   `json:"issuer"`
	Audiences []string `json:"audiences"`
	Subjects  []string `json:"subjects"`
}

// SAMLTrust admits a SAML provider.
type SAMLTrust struct {
	Provider string `json:"provider"`
	Audience string `json:"audience"`
}

// AWSTrust admits AWS principals (ARNs).
type AWSTrust struct {
	Principals []string `json:"principals"`
	ExternalID string   `json:"external_id,omitempty"`
}

// Provider kinds.
const (
	KindIdentityCenter = "aws/iam-identity-center"
	KindGitHubOIDC     = "github/oidc"
	KindOIDCTokenFile  = "oidc/token-file"
	KindSAML           = "aws/saml"
	KindAWSUser        = "aws/user"
)

// ImplicitProvider is the name of the Identity Center provider built from
// organization.identity_center; derived identities start there.
const ImplicitProvider = "identity-center"

// Provider is a checked credential provider.
type Provider struct {
	Name            string          `json:"name"`
	Kind            string          `json:"kind"`
	Description     string          `json:"description,omitempty"`
	Region          string          `json:"region,omitempty"`
	StartURL        string          `json:"start_url,omitempty"`
	EndpointURL     string          `json:"endpoint_url,omitempty"`
	Scopes          []string        `json:"scopes,omitempty"`
	Audience        string          `json:"audience,omitempty"`
	TokenFile       string          `json:"token_file,omitempty"`
	URL             string          `json:"url,omitempty"`
	Username        string          `json:"username,omitempty"`
	MFASerial       string          `json:"mfa_serial,omitempty"`
	SessionDuration config.Duration `json:"session_duration,omitempty"`
	Implicit        bool            `json:"implicit,omitempty"`
	Pos             config.Pos      `json:"-"`
}

// Identity kinds.
const (
	KindPermissionSet = "aws/permission-set"
	KindAssumeRole    = "aws/assume-role"
	KindUser          = "aws/user"
)

// Identity is something sesame can produce credentials for.
type Identity struct {
	Name          string            `json:"name"`
	Kind          string            `json:"kind"`
	Derived       bool              `json:"derived"`
	Default       bool              `json:"default,omitempty"`
	Description   string            `json:"description,omitempty"`
	Account       string            `json:"account,omitempty"`
	AccountID     string            `json:"account_id,omitempty"`
	PermissionSet string            `json:"permission_set,omitempty"`
	RoleARN       string            `json:"role_arn,omitempty"`
	MachineRole   string            `json:"machine_role,omitempty"`
	ViaIdentity   string            `json:"via_identity,omitempty"`
	ViaProvider   string            `json:"via_provider,omitempty"`
	Provider      string            `json:"provider"`
	Chain         []string          `json:"chain"`
	Principals    []string          `json:"assigned_to,omitempty"`
	SessionName   string            `json:"session_name,omitempty"`
	ExternalID    string            `json:"external_id,omitempty"`
	Duration      config.Duration   `json:"duration,omitempty"`
	Region        string            `json:"region,omitempty"`
	SessionTags   map[string]string `json:"session_tags,omitempty"`
	Pos           config.Pos        `json:"-"`
}

// Profile is the merged result of the selected profiles over defaults.
type Profile struct {
	Names           []string        `json:"names"`
	DefaultIdentity string          `json:"default_identity,omitempty"`
	Region          string          `json:"region,omitempty"`
	CredentialStore string          `json:"credential_store"`
	Login           string          `json:"login"`
	RefreshBefore   config.Duration `json:"refresh_before"`
	Include         []string        `json:"include,omitempty"`
	Exclude         []string        `json:"exclude,omitempty"`
}

// SandboxUser is a person who can sign in to the sandbox.
type SandboxUser struct {
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name,omitempty"`
	Email       string   `json:"email,omitempty"`
	Groups      []string `json:"groups"`
}

// Account returns the account named name.
func (o *Org) Account(name string) (*Account, bool) { a, ok := o.accounts[name]; return a, ok }

// AccountByID returns the account with the given id.
func (o *Org) AccountByID(id string) (*Account, bool) { a, ok := o.accountIDs[id]; return a, ok }

// Group returns the group named name.
func (o *Org) Group(name string) (*Group, bool) { g, ok := o.groups[name]; return g, ok }

// PermissionSet returns the permission set named name.
func (o *Org) PermissionSet(name string) (*PermissionSet, bool) {
	p, ok := o.permSets[name]
	return p, ok
}

// MachineRole returns the machine role named name.
func (o *Org) MachineRole(name string) (*MachineRole, bool) { r, ok := o.roles[name]; return r, ok }

// Provider returns the provider named name.
func (o *Org) Provider(name string) (*Provider, bool) { p, ok := o.providers[name]; return p, ok }

// Identity returns the identity named name, whether or not the profile
// shows it.
func (o *Org) Identity(name string) (*Identity, bool) { i, ok := o.identities[name]; return i, ok }

// Region is the AWS region an identity's calls and commands use: its own
// region, else the profile's, else fallback (a machine provider's region),
// else Identity Center's. id may be nil (the profile's region).
func (o *Org) Region(id *Identity, fallback string) string {
	switch {
	case id != nil && id.Region != "":
		return id.Region
	case o.Profile.Region != "":
		return o.Profile.Region
	case fallback != "":
		return fallback
	case o.IdentityCenter != nil:
		return o.IdentityCenter.Region
	}
	return ""
}

// SandboxUser returns the sandbox user named name.
func (o *Org) SandboxUser(name string) (*SandboxUser, bool) {
	u, ok := o.sandboxUser[name]
	return u, ok
}
