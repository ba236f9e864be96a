// Package gen generates large, valid sesame configuration trees for
// benchmarks: a synthetic organization with thousands of accounts, tens of
// permission sets, hundreds of groups and assignments that expand into tens
// of thousands of (group, account, permission set) pairs.
//
// The output is deterministic for given Options. The generator keeps its own
// model of the accounts and evaluates every selector it writes, so it knows
// the number of expanded pairs without asking package org (Summary.Pairs);
// tests compare the two.
//
// Scaling (see Scale): the account count drives everything else.
//
//	accounts  permission sets  groups  target pairs  machine roles  declared identities
//	200       24               30      2,000         5              6
//	2,000     60               300     20,000        5              20
//	10,000    100              1,500   100,000       5              100
//
// permission sets = clamp(20 + accounts/50, 24, 100); groups = 15% of
// accounts (at least 20); pairs = 10 per account; identities = accounts/100
// (at least 6). Machine roles stay at five, each created in many accounts,
// so role instances grow with the accounts (about 3.7 per account). Pairs
// land within 0.5% above the target: organization-wide groups (all+exclude,
// stages, tags, OUs, explicit lists) give about half, then team groups get
// one assignment per round (tenants/stages, tags, name globs, explicit
// lists) until the target is reached.
package gen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Options size the generated organization. Zero fields take the value
// Scale(Accounts) gives them.
type Options struct {
	Accounts       int
	PermissionSets int // at least the 14 base sets are always written
	Groups         int
	Pairs          int // target number of expanded (group, account, permission set) pairs
	MachineRoles   int // 1..5
	Identities     int // declared (chained) identities
	Seed           uint64
}

// Presets are the account counts the benchmarks run.
var Presets = []int{200, 2000, 10000}

// Scale returns the default shape for an organization of n accounts.
func Scale(n int) Options {
	return Options{
		Accounts:       n,
		PermissionSets: min(100, max(24, 20+n/50)),
		Groups:         max(20, n*15/100),
		Pairs:          10 * n,
		MachineRoles:   len(roleCatalog),
		Identities:     max(6, n/100),
		Seed:           1,
	}
}

func (o Options) withDefaults() Options {
	if o.Accounts < 20 {
		o.Accounts = 20
	}
	d := Scale(o.Accounts)
	if o.PermissionSets <= 0 {
		o.PermissionSets = d.PermissionSets
	}
	if o.Groups <= 0 {
		o.Groups = d.Groups
	}
	if o.Pairs <= 0 {
		o.Pairs = d.Pairs
	}
	if o.MachineRoles <= 0 || o.MachineRoles > len(roleCatalog) {
		o.MachineRoles = d.MachineRoles
	}
	if o.Identities <= 0 {
		o.Identities = d.Identities
	}
	if o.Seed == 0 {
		o.Seed = d.Seed
	}
	return o
}

// Summary counts what Generate wrote.
type Summary struct {
	Accounts          int
	PermissionSets    int
	Groups            int
	AssignmentEntries int // entries in assignments.yaml
	Pairs             int // expanded (group, account, permission set) pairs
	MachineRoles      int
	RoleInstances     int // machine roles × the accounts they are created in
	Identities        int // declared identities
	Profiles          int
	Files             int
	Bytes             int
}

// Generate returns the configuration directory: file name (slash-separated,
// relative) to YAML content.
func Generate(opts Options) map[string][]byte {
	files, _ := Build(opts)
	return files
}

// Build is Generate plus a summary of what was generated.
func Build(opts Options) (map[string][]byte, Summary) {
	g := newGenerator(opts.withDefaults())
	return g.build()
}

// WriteDir writes files under dir, creating subdirectories.
func WriteDir(dir string, files map[string][]byte) error {
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ---- model ----

const namespace = "scale"

var (
	workloadStages = []string{"sandbox", "dev", "test", "staging", "prod"}
	coreStages     = []string{"root", "audit", "auto", "network", "security", "logs"}
	tenantWords    = []string{
		"payments", "ledger", "checkout", "catalog", "search", "identity", "billing", "shipping",
		"inventory", "pricing", "reviews", "loyalty", "fraud", "risk", "reporting", "analytics",
		"mobile", "web", "partner", "support", "messaging", "media", "maps", "booking",
		"claims", "quotes", "orders", "returns", "tax", "payroll", "hr", "crm",
		"marketing", "ads", "streaming", "ml", "data", "infra", "edge", "iot",
	}
	regions = []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1"}
)

type account struct {
	name, id, tenant, stage, ou string
	tags                        map[string]string
	team                        int // -1 for core accounts
}

type selector struct {
	all                    bool
	names, tenants, stages []string
	ous, exclude           []string
	tags                   map[string]string
	list                   bool // write as a plain list of names
}

type assignment struct {
	group   string
	sel     selector
	sets    []string
	comment string
}

type team struct {
	id      int
	name    string
	tenants []string
	accts   []*account
}

type generator struct {
	o        Options
	rnd      *rand.Rand
	accounts []*account
	byName   map[string]*account
	tenants  []string
	teams    []*team

	baseSets    []permSet
	serviceSets []permSet // Operator and ReadOnly sets per service

	groups      []group
	assignments []assignment
	pairs       map[[3]string]bool
	roles       []machineRole
	instances   int
	identities  []identity
}

type group struct {
	name, desc, kind string
	team             *team // nil for organization-wide groups
}

func newGenerator(o Options) *generator {
	return &generator{o: o, rnd: rand.New(rand.NewPCG(o.Seed, 0x5e5a3e)), byName: map[string]*account{}, pairs: map[[3]string]bool{}}
}

func (g *generator) build() (map[string][]byte, Summary) {
	g.makeAccounts()
	g.makePermissionSets()
	g.makeGroups()
	g.makeAssignments()
	g.makeRoles()
	g.makeIdentities()
	files := map[string][]byte{
		"organization.yaml":    g.organizationYAML(),
		"accounts.yaml":        g.accountsYAML(),
		"groups.yaml":          g.groupsYAML(),
		"permission-sets.yaml": g.permissionSetsYAML(),
		"assignments.yaml":     g.assignmentsYAML(),
		"machine-roles.yaml":   g.machineRolesYAML(),
		"identities.yaml":      g.identitiesYAML(),

		"policies/terraform-state-read.json": []byte(stateReadPolicy),
	}
	for name, data := range g.profilesYAML() {
		files["profiles/"+name+".yaml"] = data
	}
	s := Summary{
		Accounts: len(g.accounts), PermissionSets: len(g.baseSets) + len(g.serviceSets), Groups: len(g.groups),
		AssignmentEntries: len(g.assignments), Pairs: len(g.pairs), MachineRoles: len(g.roles),
		RoleInstances: g.instances, Identities: len(g.identities), Profiles: 3, Files: len(files),
	}
	for _, b := range files {
		s.Bytes += len(b)
	}
	return files, s
}

func (g *generator) makeAccounts() {
	n := g.o.Accounts
	add := func(a *account) {
		a.id = fmt.Sprintf("%012d", 100000000000+len(g.accounts)*7919)
		g.accounts = append(g.accounts, a)
		g.byName[a.name] = a
	}
	for _, st := range coreStages {
		if len(g.accounts) == n {
			break
		}
		crit := "high"
		if st == "logs" || st == "auto" {
			crit = "medium"
		}
		add(&account{name: "core-" + st, tenant: "core", stage: st, ou: "/core", team: -1,
			tags: map[string]string{"criticality": crit, "cost-center": "cc-0001", "team": "platform"}})
	}
	for t := 0; len(g.accounts) < n; t++ {
		word := tenantWords[t%len(tenantWords)]
		tenant := fmt.Sprintf("%s%02d", word, t/len(tenantWords))
		g.tenants = append(g.tenants, tenant)
		teamID := t / 4
		if teamID == len(g.teams) {
			g.teams = append(g.teams, &team{id: teamID, name: fmt.Sprintf("team%03d", teamID)})
		}
		tm := g.teams[teamID]
		tm.tenants = append(tm.tenants, tenant)
		for _, st := range workloadStages {
			if len(g.accounts) == n {
				break
			}
			env := "nonprod"
			crit := "low"
			switch st {
			case "prod":
				env, crit = "prod", "high"
			case "staging":
				crit = "medium"
			}
			tags := map[string]string{"team": tm.name, "bu": word, "cost-center": fmt.Sprintf("cc-%04d", 100+t%len(tenantWords)), "criticality": crit}
			if t%7 == 3 && (st == "prod" || st == "staging") {
				tags["data"] = "pii"
			}
			a := &account{name: tenant + "-" + st, tenant: tenant, stage: st, ou: "/workloads/" + word + "/" + env, team: teamID, tags: tags}
			add(a)
			tm.accts = append(tm.accts, a)
		}
	}
}

// ---- selectors, evaluated like package org does ----

func globAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s selector) matches(a *account) bool {
	if globAny(s.exclude, a.name) {
		return false
	}
	if s.all {
		return true
	}
	if len(s.names) > 0 && !globAny(s.names, a.name) {
		return false
	}
	if len(s.tenants) > 0 && !has(s.tenants, a.tenant) {
		return false
	}
	if len(s.stages) > 0 && !has(s.stages, a.stage) {
		return false
	}
	if len(s.ous) > 0 {
		ok := false
		for _, o := range s.ous {
			if a.ou == o || strings.HasPrefix(a.ou, strings.TrimSuffix(o, "/")+"/") {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	for k, v := range s.tags {
		if got, ok := a.tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func (g *generator) selectAccounts(s selector) []*account {
	var out []*account
	for _, a := range g.accounts {
		if s.matches(a) {
			out = append(out, a)
		}
	}
	return out
}

// assign adds an assignment when it selects at least one account and adds
// at least one new pair; it returns the number of new pairs.
func (g *generator) assign(grp string, s selector, sets []string, comment string) int {
	accts := g.selectAccounts(s)
	added := 0
	for _, a := range accts {
		for _, ps := range sets {
			if k := [3]string{grp, a.name, ps}; !g.pairs[k] {
				added++
			}
		}
	}
	if added == 0 {
		return 0
	}
	for _, a := range accts {
		for _, ps := range sets {
			g.pairs[[3]string{grp, a.name, ps}] = true
		}
	}
	g.assignments = append(g.assignments, assignment{group: grp, sel: s, sets: sets, comment: comment})
	return added
}

// ---- YAML writing ----

type yw struct{ strings.Builder }

func (w *yw) line(indent int, format string, args ...any) {
	for i := 0; i < indent; i++ {
		w.WriteString("  ")
	}
	fmt.Fprintf(w, format, args...)
	w.WriteByte('\n')
}

func plainSafe(s string) bool {
	if s == "" {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./@+=", c) >= 0) {
			return false
		}
	}
	return true
}

// q writes a scalar, quoting it when YAML could misread it.
func q(s string) string {
	if plainSafe(s) {
		return s
	}
	return strconv.Quote(s)
}

func flow(list []string) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = q(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func flowMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = q(k) + ": " + q(m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (s selector) yaml() string {
	if s.list {
		return flow(s.names)
	}
	if s.all && len(s.exclude) == 0 {
		return "all"
	}
	var parts []string
	if s.all {
		parts = append(parts, "all: true")
	}
	add := func(k string, v []string) {
		if len(v) > 0 {
			parts = append(parts, k+": "+flow(v))
		}
	}
	add("names", s.names)
	add("tenants", s.tenants)
	add("stages", s.stages)
	add("ous", s.ous)
	if len(s.tags) > 0 {
		parts = append(parts, "tags: "+flowMap(s.tags))
	}
	add("exclude", s.exclude)
	return "{" + strings.Join(parts, ", ") + "}"
}

const header = "# Generated by bench/gen (sesame-gen). Synthetic organization for benchmarks; do not edit.\n"

func (g *generator) organizationYAML() []byte {
	var w yw
	w.WriteString(header)
	w.line(0, "organization:")
	w.line(1, "name: Scale Test Corp")
	w.line(1, "namespace: %s", namespace)
	w.line(1, "partition: aws")
	w.line(1, "management_account: core-root")
	w.line(1, "account_naming: \"{tenant}-{stage}\"")
	w.line(1, "identity_center:")
	w.line(2, "start_url: https://%s.awsapps.com/start", namespace)
	w.line(2, "region: us-east-1")
	w.line(2, "instance_arn: arn:aws:sso:::instance/ssoins-72230a1b2c3d4e5f")
	w.line(2, "identity_store_id: d-9067a1b2c3")
	w.line(1, "state_backend:")
	w.line(2, "account: core-root")
	w.line(2, "region: us-east-1")
	w.line(2, "bucket: %s-core-use1-root-tfstate", namespace)
	w.line(2, "lock_table: %s-core-use1-root-tfstate-lock", namespace)
	w.line(2, "read_write_role: %s-core-gbl-root-tfstate", namespace)
	w.line(2, "read_only_role: %s-core-gbl-root-tfstate-ro", namespace)
	w.line(1, "vars:")
	w.line(2, "artifact_bucket: %s-core-use1-auto-artifacts", namespace)
	w.line(0, "")
	w.line(0, "defaults:")
	w.line(1, "default_identity: %s", g.defaultIdentity("TerraformPlanAccess"))
	w.line(1, "region: us-east-1")
	w.line(1, "credential_store: keyring")
	w.line(1, "login: interactive")
	w.line(1, "refresh_before: 15m")
	return []byte(w.String())
}

// defaultIdentity names a derived identity that always exists: the first
// workload account, or a core account in tiny organizations.
func (g *generator) defaultIdentity(ps string) string {
	for _, a := range g.accounts {
		if a.stage == "dev" {
			return a.name + "/" + ps
		}
	}
	return "core-audit/" + ps
}

func (g *generator) accountsYAML() []byte {
	var w yw
	w.WriteString(header)
	w.line(0, "accounts:")
	for _, a := range g.accounts {
		w.line(1, "%s:", a.name)
		w.line(2, "id: %q", a.id)
		w.line(2, "ou: %s", a.ou)
		w.line(2, "email: aws+%s@%s.example", a.name, namespace)
		w.line(2, "tags: %s", flowMap(a.tags))
	}
	return []byte(w.String())
}
