package gen

import (
	"fmt"
	"sort"
)

type githubTrust struct {
	repo, id                    string
	branches, tags, envs, flows []string
	pullRequests                bool
}

type machineRole struct {
	name, desc, level, maxSession string
	sel                           selector
	managed                       []string
	statements                    []statement
	github                        []githubTrust
	awsPrincipals                 []string
	permissionSets                []string
}

// roleCatalog is the machine roles, in the order Options.MachineRoles takes
// them. Each is created in many accounts; the inline policies use the
// per-account variables, so every instance is rendered and checked.
var roleCatalog = []machineRole{
	{
		name: "terraform", desc: "terraform apply from CI, only from protected environments of the infrastructure repository",
		level: "write", maxSession: "1h", sel: selector{all: true, exclude: []string{"core-root"}},
		managed: []string{"AdministratorAccess"},
		statements: []statement{
			{sid: "ReadWriteState", effect: "Allow", actions: []string{"s3:ListBucket", "s3:GetObject", "s3:PutObject"}, resources: []string{"{state_bucket_arn}", "{state_bucket_arn}/*"}},
			{sid: "LockState", effect: "Allow", actions: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}, resources: []string{"{state_lock_table_arn}"}},
			{sid: "AssumeStateRole", effect: "Allow", actions: []string{"sts:AssumeRole", "sts:TagSession"}, resources: []string{"{state_read_write_role_arn}"}},
		},
		github: []githubTrust{{repo: namespace + "/infrastructure", id: "812345678", envs: []string{"apply"},
			flows: []string{namespace + "/infrastructure/.github/workflows/apply.yaml@refs/heads/main"}}},
		permissionSets: []string{"TerraformApplyAccess"},
	},
	{
		name: "planner", desc: "terraform plan from CI, including pull requests",
		level: "plan", maxSession: "1h", sel: selector{all: true},
		managed: []string{"ReadOnlyAccess"},
		statements: []statement{
			{sid: "ReadState", effect: "Allow", actions: []string{"s3:ListBucket", "s3:GetObject"}, resources: []string{"{state_bucket_arn}", "{state_bucket_arn}/*"}},
			{sid: "AssumeReadOnlyStateRole", effect: "Allow", actions: []string{"sts:AssumeRole", "sts:TagSession"}, resources: []string{"{state_read_only_role_arn}"}},
			denyStateWrites(),
		},
		github:         []githubTrust{{repo: namespace + "/infrastructure", id: "812345678", branches: []string{"main"}, pullRequests: true}},
		permissionSets: []string{"TerraformPlanAccess"},
	},
	{
		name: "deployer", desc: "Application deployments from the deployments repository",
		level: "write", maxSession: "2h", sel: selector{stages: []string{"dev", "test", "staging", "prod"}},
		statements: []statement{
			{sid: "PushImages", effect: "Allow", actions: []string{"ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:BatchCheckLayerAvailability"},
				resources: []string{"arn:{partition}:ecr:*:{account_id}:repository/{tenant}-*"}},
			{sid: "AuthToken", effect: "Allow", actions: []string{"ecr:GetAuthorizationToken"}, resources: []string{"*"}},
			{sid: "UpdateServices", effect: "Allow", actions: []string{"ecs:UpdateService", "ecs:DescribeServices", "ecs:RegisterTaskDefinition"},
				resources: []string{"arn:{partition}:ecs:*:{account_id}:service/{tenant}-*/*", "arn:{partition}:ecs:*:{account_id}:task-definition/{tenant}-*"}},
			{sid: "PassTaskRoles", effect: "Allow", actions: []string{"iam:PassRole"}, resources: []string{"arn:{partition}:iam::{account_id}:role/{tenant}-*-task"},
				conditions: []condition{{"StringEquals", "iam:PassedToService", []string{"ecs-tasks.amazonaws.com"}}}},
			{sid: "Artifacts", effect: "Allow", actions: []string{"s3:GetObject", "s3:PutObject"}, resources: []string{"arn:{partition}:s3:::{artifact_bucket}/{account}/*"}},
		},
		github: []githubTrust{{repo: namespace + "/deployments", id: "812345999", envs: []string{"dev", "staging", "prod"}, tags: []string{"v*"}}},
	},
	{
		name: "drift-detector", desc: "Nightly drift detection across workload accounts",
		level: "read", maxSession: "1h", sel: selector{ous: []string{"/workloads"}, exclude: []string{"*-sandbox"}},
		managed: []string{"ReadOnlyAccess"},
		statements: []statement{
			{sid: "ReadState", effect: "Allow", actions: []string{"s3:ListBucket", "s3:GetObject"}, resources: []string{"{state_bucket_arn}", "{state_bucket_arn}/*"}},
			{sid: "DenySecretValues", effect: "Deny", actions: []string{"secretsmanager:GetSecretValue", "ssm:GetParameter*"}, resources: []string{"*"}},
		},
		github: []githubTrust{{repo: namespace + "/drift", id: "812346001", branches: []string{"main"}}},
	},
	{
		name: "data-pipeline", desc: "Batch pipelines over PII datasets",
		level: "write", maxSession: "4h", sel: selector{tags: map[string]string{"data": "pii"}},
		statements: []statement{
			{sid: "Glue", effect: "Allow", actions: []string{"glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns"}, resources: []string{"arn:{partition}:glue:*:{account_id}:job/{tenant}-*"}},
			{sid: "Datasets", effect: "Allow", actions: []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket"},
				resources: []string{"arn:{partition}:s3:::{namespace}-{account}-datasets", "arn:{partition}:s3:::{namespace}-{account}-datasets/*"}},
			{sid: "Encrypt", effect: "Allow", actions: []string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"}, resources: []string{"arn:{partition}:kms:*:{account_id}:key/*"},
				conditions: []condition{{"StringEquals", "kms:ViaService", []string{"s3.us-east-1.amazonaws.com", "glue.us-east-1.amazonaws.com"}}}},
		},
		github:        []githubTrust{{repo: namespace + "/data-pipelines", id: "812346002", branches: []string{"main", "release"}}},
		awsPrincipals: []string{"core-auto"},
	},
}

type identity struct {
	name, via, role, account, duration string
	viaIsMapping                       bool
	desc                               string
}

func (g *generator) makeRoles() {
	for _, r := range roleCatalog[:g.o.MachineRoles] {
		if n := len(g.selectAccounts(r.sel)); n > 0 {
			g.roles = append(g.roles, r)
			g.instances += n
		}
	}
}

func (g *generator) hasRole(name string) bool {
	for _, r := range g.roles {
		if r.name == name {
			return true
		}
	}
	return false
}

// makeIdentities declares roles chained from permission-set identities
// (acct/TerraformApplyAccess → acct/terraform) and, for some accounts, a
// second hop (acct/terraform → acct/deployer).
func (g *generator) makeIdentities() {
	var cands []*account
	for _, a := range g.accounts {
		if a.stage == "dev" || a.stage == "staging" || a.stage == "prod" {
			cands = append(cands, a)
		}
	}
	if len(cands) == 0 || !g.hasRole("terraform") || !g.pairs[[3]string{"PlatformEngineers", cands[0].name, "TerraformApplyAccess"}] {
		return
	}
	want := g.o.Identities
	// About 1 + 1/2 + 1/3 identities per chosen account: spread the
	// accounts evenly over the candidates.
	stride := max(1, len(cands)*11/(want*6))
	for k := 0; k*stride < len(cands) && len(g.identities) < want; k++ {
		a := cands[k*stride]
		tf := a.name + "/terraform"
		g.identities = append(g.identities, identity{name: tf, via: a.name + "/TerraformApplyAccess", role: "terraform", account: a.name,
			desc: "The CI terraform role in " + a.name + ", reached from TerraformApplyAccess"})
		if k%2 == 0 && g.hasRole("deployer") && len(g.identities) < want {
			g.identities = append(g.identities, identity{name: a.name + "/deployer", via: tf, role: "deployer", account: a.name, duration: "1h",
				desc: "Deployments in " + a.name + ", chained through the terraform role"})
		}
		if k%3 == 1 && g.hasRole("planner") && len(g.identities) < want {
			g.identities = append(g.identities, identity{name: a.name + "/planner", via: a.name + "/TerraformPlanAccess", viaIsMapping: true, role: "planner", account: a.name,
				desc: "The CI planner role in " + a.name})
		}
	}
}

func (g *generator) machineRolesYAML() []byte {
	var w yw
	w.WriteString(header)
	w.line(0, "machine_roles:")
	for _, r := range g.roles {
		w.line(1, "%s:", r.name)
		w.line(2, "description: %s", q(r.desc))
		w.line(2, "accounts: %s", r.sel.yaml())
		w.line(2, "access_level: %s", r.level)
		w.line(2, "max_session_duration: %s", r.maxSession)
		if len(r.managed) > 0 {
			w.line(2, "managed_policies: %s", flow(r.managed))
		}
		w.line(2, "inline_policy:")
		w.line(3, "statements:")
		writeStatements(&w, 4, r.statements)
		w.line(2, "trust:")
		w.line(3, "github:")
		for _, gt := range r.github {
			w.line(4, "- repository: %s", gt.repo)
			w.line(5, "repository_id: %q", gt.id)
			if len(gt.branches) > 0 {
				w.line(5, "branches: %s", flow(gt.branches))
			}
			if len(gt.tags) > 0 {
				w.line(5, "tags: %s", flow(gt.tags))
			}
			if len(gt.envs) > 0 {
				w.line(5, "environments: %s", flow(gt.envs))
			}
			if gt.pullRequests {
				w.line(5, "pull_requests: true")
			}
			if len(gt.flows) > 0 {
				w.line(5, "workflows: %s", flow(gt.flows))
			}
		}
		if len(r.awsPrincipals) > 0 {
			w.line(3, "aws:")
			w.line(4, "- principals: %s", flow(r.awsPrincipals))
		}
		if len(r.permissionSets) > 0 {
			w.line(3, "permission_sets: %s", flow(r.permissionSets))
		}
	}
	return []byte(w.String())
}

func (g *generator) identitiesYAML() []byte {
	var w yw
	w.WriteString(header)
	w.line(0, "providers:")
	w.line(1, "github-actions:")
	w.line(2, "kind: github/oidc")
	w.line(2, "description: GitHub Actions ID tokens of the %s organization", namespace)
	w.line(2, "region: us-east-1")
	w.line(2, "audience: sts.amazonaws.com")
	if len(g.identities) == 0 {
		return []byte(w.String())
	}
	w.line(0, "")
	w.line(0, "identities:")
	for _, id := range g.identities {
		w.line(1, "%s:", id.name)
		w.line(2, "kind: aws/assume-role")
		w.line(2, "description: %s", q(id.desc))
		if id.viaIsMapping {
			w.line(2, "via: {identity: %s}", id.via)
		} else {
			w.line(2, "via: %s", id.via)
		}
		w.line(2, "machine_role: %s", id.role)
		w.line(2, "account: %s", id.account)
		if id.duration != "" {
			w.line(2, "duration: %s", id.duration)
		}
	}
	return []byte(w.String())
}

// ciIdentities are the declared terraform identities the ci profile
// re-roots on the GitHub provider.
func (g *generator) ciIdentities() []identity {
	var out []identity
	for _, id := range g.identities {
		if id.role == "terraform" {
			out = append(out, id)
		}
	}
	return out
}

func (g *generator) profilesYAML() map[string][]byte {
	out := map[string][]byte{}

	var w yw
	w.WriteString(header)
	w.line(0, "description: Platform engineers running Terraform across the organization")
	w.line(0, "default_identity: %s", g.defaultIdentity("TerraformApplyAccess"))
	w.line(0, "region: us-east-1")
	w.line(0, "credential_store: keyring")
	w.line(0, "login: interactive")
	out["devops"] = []byte(w.String())

	w = yw{}
	w.WriteString(header)
	w.line(0, "description: Application engineers")
	w.line(0, "default_identity: %s", g.defaultIdentity("TerraformPlanAccess"))
	w.line(0, "region: us-east-1")
	w.line(0, "include:")
	for _, p := range []string{"*-sandbox/*", "*-dev/*", "*-test/*", "*/ReadOnlyAccess", "*/*ReadOnly", "*-staging/TerraformPlanAccess", "*-prod/TerraformPlanAccess"} {
		w.line(1, "- %s", q(p))
	}
	w.line(0, "exclude:")
	for _, p := range []string{"*/terraform", "*/deployer", "*/AdministratorAccess"} {
		w.line(1, "- %s", q(p))
	}
	out["developers"] = []byte(w.String())

	w = yw{}
	w.WriteString(header)
	w.line(0, "description: CI/CD in GitHub Actions")
	ci := g.ciIdentities()
	if len(ci) > 0 {
		w.line(0, "default_identity: %s", ci[0].name)
	}
	w.line(0, "credential_store: memory")
	w.line(0, "login: never")
	w.line(0, "include: %s", flow([]string{"*/terraform", "*/planner", "*/deployer"}))
	if len(ci) > 0 {
		w.line(0, "identities:")
		names := make([]string, 0, len(ci))
		byName := map[string]identity{}
		for _, id := range ci {
			names = append(names, id.name)
			byName[id.name] = id
		}
		sort.Strings(names)
		for _, n := range names {
			id := byName[n]
			w.line(1, "%s:", id.name)
			w.line(2, "kind: aws/assume-role")
			w.line(2, "description: %s", q(fmt.Sprintf("terraform in %s from a GitHub Actions run", id.account)))
			w.line(2, "via: github-actions")
			w.line(2, "machine_role: terraform")
			w.line(2, "account: %s", id.account)
		}
	}
	out["ci"] = []byte(w.String())
	return out
}
