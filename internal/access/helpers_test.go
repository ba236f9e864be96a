package access

import (
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

// loadAcme resolves examples/acme for the given profiles and returns the
// configuration too (Explain reads selectors from it).
func loadAcme(t *testing.T, profiles ...string) (*org.Org, *config.Config) {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{Path: "../../examples/acme"})
	if err != nil {
		t.Fatal(err)
	}
	o, d := org.Resolve(cfg, org.Options{Profiles: profiles})
	if d.HasErrors() {
		t.Fatal(d)
	}
	return o, cfg
}

// resolveYAML resolves one in-memory file named t.yaml; it must have no
// errors.
func resolveYAML(t *testing.T, src string) (*org.Org, *config.Config) {
	t.Helper()
	cfg := config.LoadBytes("t.yaml", []byte(src))
	o, d := org.Resolve(cfg, org.Options{})
	if d.HasErrors() {
		t.Fatalf("config has errors:\n%v", d.Errors())
	}
	return o, cfg
}

// small is an organization with two accounts, a role chained from two
// permission sets and trusted by GitHub, OIDC, SAML and an AWS principal,
// a group and a user.
const small = `organization:
  name: Small
  identity_center: {start_url: "https://small.awsapps.com/start", region: us-east-1}
accounts:
  app-dev: {id: "100000000001"}
  app-prod: {id: "100000000002", tags: {env: prod}}
groups:
  Devs: {}
  Ops: {}
users:
  jane@example.com: {}
permission_sets:
  Read: {access_level: read, managed_policies: [ReadOnlyAccess]}
  Deploy: {access_level: write, managed_policies: [PowerUserAccess]}
  Plan: {access_level: plan, managed_policies: [ReadOnlyAccess]}
assignments:
  - group: Devs
    accounts: [app-dev]
    permission_sets: [Deploy, Read]
  - group: Devs
    accounts: {tags: {env: prod}}
    permission_sets: [Read]
  - group: Ops
    accounts: all
    permission_sets: [Deploy, Plan]
  - user: jane@example.com
    accounts: [app-prod]
    permission_sets: [Plan]
machine_roles:
  deployer:
    accounts: all
    access_level: write
    managed_policies: [PowerUserAccess]
    trust:
      github:
        - repository: small/app
          repository_id: "42"
          branches: [main]
          tags: ["v*"]
          environments: [prod]
      oidc:
        - issuer: https://ci.example.com
          audiences: [sts.amazonaws.com]
          subjects: ["project:app:ref:main"]
      saml:
        - provider: corp-idp
      aws:
        - principals: ["arn:aws:iam::999999999999:role/ci"]
          external_id: xyz
      permission_sets: [Deploy, Plan]
`

// find returns the grants matching every non-empty field of want.
func find(gs []Grant, want Grant) []Grant {
	var out []Grant
	for _, g := range gs {
		if (want.PrincipalType == "" || g.PrincipalType == want.PrincipalType) &&
			(want.Principal == "" || g.Principal == want.Principal) &&
			(want.Account == "" || g.Account == want.Account) &&
			(want.AccessType == "" || g.AccessType == want.AccessType) &&
			(want.Access == "" || g.Access == want.Access) &&
			(want.Via == "" || g.Via == want.Via) {
			out = append(out, g)
		}
	}
	return out
}

func keys(gs []Grant) string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Key()+" "+g.Account+" "+g.AccessLabel())
	}
	return strings.Join(out, "\n")
}
