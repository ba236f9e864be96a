package gen

import "fmt"

var orgWideGroups = []struct{ name, desc string }{
	{"PlatformAdmins", "Platform leads with administrator access outside production and the management account"},
	{"PlatformEngineers", "Platform engineers who run Terraform everywhere but the management account"},
	{"SecurityAuditors", "Security team: read-only audit in every account"},
	{"SecurityResponders", "On-call security responders for production"},
	{"FinOps", "Finance and cost management"},
	{"NetworkAdmins", "Network team: VPCs, Transit Gateway, DNS"},
	{"SRE", "Site reliability engineers for critical accounts"},
	{"DataPlatform", "Data platform engineers for PII datasets"},
	{"Compliance", "Compliance and audit evidence"},
	{"CoreOperators", "Operators of the core (shared services) accounts"},
}

var teamGroupKinds = []string{"developers", "operators", "readonly", "leads"}

func (g *generator) makeGroups() {
	for _, og := range orgWideGroups {
		if len(g.groups) == g.o.Groups {
			return
		}
		g.groups = append(g.groups, group{name: og.name, desc: og.desc, kind: "org"})
	}
	for _, kind := range teamGroupKinds {
		for _, tm := range g.teams {
			if len(g.groups) == g.o.Groups {
				return
			}
			g.groups = append(g.groups, group{name: tm.name + "-" + kind, desc: fmt.Sprintf("Team %03d %s", tm.id, kind), kind: kind, team: tm})
		}
	}
	for _, w := range tenantWords {
		if len(g.groups) == g.o.Groups {
			return
		}
		g.groups = append(g.groups, group{name: w + "-viewers", desc: "Read access to every " + w + " tenant", kind: "bu"})
	}
}

func (g *generator) operatorSet(i int) string {
	var ops []string
	for _, ps := range g.serviceSets {
		if ps.level == "write" {
			ops = append(ops, ps.name)
		}
	}
	if len(ops) == 0 {
		return "SREOperator"
	}
	return ops[i%len(ops)]
}

func (g *generator) readOnlySet(i int) string {
	var ros []string
	for _, ps := range g.serviceSets {
		if ps.level == "read" {
			ros = append(ros, ps.name)
		}
	}
	if len(ros) == 0 {
		return "ReadOnlyAccess"
	}
	return ros[i%len(ros)]
}

func tenantGlobs(tm *team) []string {
	out := make([]string, len(tm.tenants))
	for i, t := range tm.tenants {
		out[i] = t + "-*"
	}
	return out
}

func (g *generator) makeAssignments() {
	total := 0
	add := func(grp string, s selector, sets []string, comment string) {
		total += g.assign(grp, s, sets, comment)
	}
	orgWide := map[string]bool{}
	for _, gr := range g.groups {
		if gr.kind == "org" {
			orgWide[gr.name] = true
		}
	}
	// Organization-wide groups: all + exclude, stages, tags, OUs and
	// explicit lists. About half of the pairs come from here.
	if orgWide["PlatformAdmins"] {
		add("PlatformAdmins", selector{all: true, exclude: []string{"core-root", "*-prod"}}, []string{"AdministratorAccess"}, "Admin everywhere but production and the management account.")
	}
	if orgWide["PlatformEngineers"] {
		add("PlatformEngineers", selector{all: true, exclude: []string{"core-root"}}, []string{"TerraformApplyAccess", "TerraformPlanAccess"}, "Apply everywhere but the management account, plan there.")
		add("PlatformEngineers", selector{list: true, names: []string{"core-root"}}, []string{"TerraformPlanAccess", "TerraformStateAccess"}, "")
	}
	if orgWide["SecurityAuditors"] {
		add("SecurityAuditors", selector{all: true}, []string{"SecurityAudit"}, "")
	}
	if orgWide["SecurityResponders"] {
		add("SecurityResponders", selector{stages: []string{"prod"}}, []string{"IncidentResponder"}, "")
		add("SecurityResponders", selector{tenants: []string{"core"}, exclude: []string{"core-root"}}, []string{"IncidentResponder"}, "")
	}
	if orgWide["FinOps"] {
		add("FinOps", selector{list: true, names: []string{"core-root"}}, []string{"BillingAccess", "CostExplorer"}, "Billing lives in the management account.")
		add("FinOps", selector{ous: []string{"/workloads"}, stages: []string{"prod"}}, []string{"CostExplorer"}, "")
	}
	if orgWide["NetworkAdmins"] {
		add("NetworkAdmins", selector{list: true, names: []string{"core-network"}}, []string{"NetworkAdmin", "TerraformApplyAccess"}, "")
		add("NetworkAdmins", selector{stages: []string{"staging", "prod"}}, []string{"NetworkAdmin"}, "")
	}
	if orgWide["SRE"] {
		add("SRE", selector{tags: map[string]string{"criticality": "high"}, exclude: []string{"core-root"}}, []string{"SREOperator", "ReadOnlyAccess"}, "")
	}
	if orgWide["DataPlatform"] {
		add("DataPlatform", selector{tags: map[string]string{"data": "pii"}}, []string{"DataEngineer", "ReadOnlyAccess"}, "")
	}
	if orgWide["Compliance"] {
		add("Compliance", selector{ous: []string{"/core"}}, []string{"ComplianceAuditor"}, "")
	}
	if orgWide["CoreOperators"] {
		add("CoreOperators", selector{tenants: []string{"core"}, exclude: []string{"core-root"}}, []string{"TerraformApplyAccess", "ReadOnlyAccess"}, "")
	}

	// Team and business-unit groups, round by round, until the pair target
	// is reached. Each round gives a group one more assignment.
	maxRounds := 2*len(services) + 8
	for r := 0; r < maxRounds && total < g.o.Pairs; r++ {
		for _, gr := range g.groups {
			if total >= g.o.Pairs {
				break
			}
			if gr.kind == "org" {
				continue
			}
			s, sets := g.recipe(gr, r)
			if len(sets) == 0 {
				continue
			}
			add(gr.name, s, sets, "")
		}
	}
}

// recipe is the assignment a team or business-unit group gets in round r.
func (g *generator) recipe(gr group, r int) (selector, []string) {
	if gr.kind == "bu" {
		word := gr.name[:len(gr.name)-len("-viewers")]
		s := selector{names: []string{word + "*"}}
		switch r {
		case 0:
			return s, []string{"ReadOnlyAccess"}
		case 1:
			return selector{tags: map[string]string{"bu": word}, stages: []string{"prod"}}, []string{"CostExplorer"}
		}
		return s, []string{g.readOnlySet(r + len(word))}
	}
	tm := gr.team
	k := tm.id + r
	switch gr.kind {
	case "developers":
		switch r {
		case 0:
			return selector{tenants: tm.tenants, stages: []string{"sandbox", "dev", "test"}}, []string{"Developer", "TerraformPlanAccess"}
		case 1:
			return selector{names: tenantGlobs(tm)}, []string{g.readOnlySet(k)}
		}
		return selector{tenants: tm.tenants, stages: []string{"dev", "test"}}, []string{g.operatorSet(k)}
	case "operators":
		switch r {
		case 0:
			return selector{tags: map[string]string{"team": tm.name}}, []string{g.operatorSet(tm.id), "ReadOnlyAccess"}
		case 1:
			var prod []string
			for _, a := range tm.accts {
				if a.stage == "prod" {
					prod = append(prod, a.name)
				}
			}
			if len(prod) == 0 {
				return selector{}, nil
			}
			return selector{list: true, names: prod}, []string{"IncidentResponder"}
		}
		return selector{tags: map[string]string{"team": tm.name}, exclude: []string{"*-sandbox"}}, []string{g.operatorSet(k + 7)}
	case "readonly":
		if r == 0 {
			return selector{list: true, names: tenantGlobs(tm)}, []string{"ReadOnlyAccess"}
		}
		return selector{list: true, names: tenantGlobs(tm)}, []string{g.readOnlySet(k + 3)}
	case "leads":
		switch r {
		case 0:
			return selector{tenants: tm.tenants, exclude: []string{"*-sandbox"}}, []string{"TerraformApplyAccess"}
		case 1:
			return selector{tenants: tm.tenants, stages: []string{"prod"}}, []string{"IncidentResponder", "SREOperator"}
		}
		return selector{tenants: tm.tenants, exclude: []string{"*-sandbox", "*-test"}}, []string{g.operatorSet(k + 11)}
	}
	return selector{}, nil
}

func (g *generator) groupsYAML() []byte {
	var w yw
	w.WriteString(header)
	w.line(0, "groups:")
	for _, gr := range g.groups {
		w.line(1, "%s:", q(gr.name))
		w.line(2, "description: %s", q(gr.desc))
		if gr.kind == "org" {
			w.line(2, "source: scim")
		}
	}
	return []byte(w.String())
}

func (g *generator) assignmentsYAML() []byte {
	var w yw
	w.WriteString(header)
	w.line(0, "assignments:")
	for _, a := range g.assignments {
		if a.comment != "" {
			w.line(1, "# %s", a.comment)
		}
		w.line(1, "- group: %s", q(a.group))
		w.line(2, "accounts: %s", a.sel.yaml())
		w.line(2, "permission_sets: %s", flow(a.sets))
	}
	return []byte(w.String())
}
