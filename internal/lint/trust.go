package lint

import (
	"fmt"
	"strings"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/policy"
)

// Trust policies (docs/lint.md, E) beyond what validation already
// refuses (no sub, wildcard or bare repositories, unpinned GitHub trust,
// principal *, trust above 4,096 characters, pull requests on write
// roles).

// githubEntry is the configuration entry a GitHub trust came from.
func (c *checker) githubEntry(mr *org.MachineRole, gt org.GitHubTrust) *config.GitHubTrust {
	cmr := c.src.machineRole(mr.Name)
	if cmr == nil || cmr.Trust == nil {
		return nil
	}
	for _, g := range cmr.Trust.GitHub {
		if g != nil && g.Repository == gt.Repository && g.RepositoryID == gt.RepositoryID {
			return g
		}
	}
	return nil
}

func (c *checker) githubPos(mr *org.MachineRole, gt org.GitHubTrust) config.Pos {
	if g := c.githubEntry(mr, gt); g != nil && g.Pos.IsValid() {
		return g.Pos
	}
	return mr.Pos
}

func checkGitHubRepositoryID(c *checker) {
	for _, mr := range c.o.MachineRoles {
		for _, gt := range mr.Trust.GitHub {
			if gt.RepositoryID != "" {
				continue
			}
			c.report(c.githubPos(mr, gt), "machine role "+mr.Name,
				"add repository_id: the numeric id (gh api repos/OWNER/REPO --jq .id); it survives renames and cannot be re-registered",
				fmt.Sprintf("machine role %s trusts GitHub repository %s by name only: after a rename or deletion someone else can take the name", mr.Name, gt.Repository))
		}
	}
}

func checkWorkflowPin(c *checker) {
	for _, mr := range c.o.MachineRoles {
		if !writeLevel(mr.AccessLevel) {
			continue
		}
		for _, gt := range mr.Trust.GitHub {
			if len(gt.Workflows) > 0 {
				continue
			}
			c.report(c.githubPos(mr, gt), "machine role "+mr.Name,
				"add workflows: [OWNER/REPO/.github/workflows/apply.yaml@refs/heads/main] (the job_workflow_ref claim)",
				fmt.Sprintf("machine role %s (access_level %s) trusts %s without a workflows pin: any workflow that runs on the trusted refs or environments can assume it",
					mr.Name, mr.AccessLevel, gt.Repository))
		}
	}
}

func checkWildcardSubject(c *checker) {
	for _, mr := range c.o.MachineRoles {
		if !writeLevel(mr.AccessLevel) {
			continue
		}
		for _, gt := range mr.Trust.GitHub {
			for _, s := range gt.Subjects {
				if strings.ContainsAny(s, "*?") {
					c.reportWildcardSubject(mr, c.githubSubjectPos(mr, gt, s), s)
				}
			}
		}
		cmr := c.src.machineRole(mr.Name)
		for i, ot := range mr.Trust.OIDC {
			for j, s := range ot.Subjects {
				if !strings.ContainsAny(s, "*?") {
					continue
				}
				pos := mr.Pos
				if cmr != nil && cmr.Trust != nil && i < len(cmr.Trust.OIDC) && cmr.Trust.OIDC[i] != nil && j < len(cmr.Trust.OIDC[i].Subjects) {
					pos = at(c.src, &cmr.Trust.OIDC[i].Subjects[j], cmr.Trust.OIDC[i].Pos)
				}
				c.reportWildcardSubject(mr, pos, s)
			}
		}
	}
}

func (c *checker) reportWildcardSubject(mr *org.MachineRole, pos config.Pos, subject string) {
	c.report(pos, "machine role "+mr.Name, "pin protected branches, tags or environments by exact name",
		fmt.Sprintf("machine role %s (access_level %s) trusts the wildcard subject %s: whoever can create a matching ref or run can assume it",
			mr.Name, mr.AccessLevel, subject))
}

// githubSubjectPos is where the branch, tag or environment behind a
// computed sub claim was written.
func (c *checker) githubSubjectPos(mr *org.MachineRole, gt org.GitHubTrust, subject string) config.Pos {
	g := c.githubEntry(mr, gt)
	if g == nil {
		return mr.Pos
	}
	prefix := "repo:" + g.Repository + ":"
	for _, list := range []struct {
		kind  string
		items []string
	}{{"ref:refs/heads/", g.Branches}, {"ref:refs/tags/", g.Tags}, {"environment:", g.Environments}} {
		for i := range list.items {
			if prefix+list.kind+list.items[i] == subject {
				return at(c.src, &list.items[i], g.Pos)
			}
		}
	}
	return g.Pos
}

// awsPrincipalPos is where principal j of AWS trust entry i was written.
// Resolution keeps entries and principals in order when the configuration
// is valid, which lint requires.
func (c *checker) awsPrincipalPos(mr *org.MachineRole, i, j int) config.Pos {
	cmr := c.src.machineRole(mr.Name)
	if cmr == nil || cmr.Trust == nil {
		return mr.Pos
	}
	var entries []*config.AWSTrust
	for _, a := range cmr.Trust.AWS {
		if a != nil {
			entries = append(entries, a)
		}
	}
	if i >= len(entries) {
		return mr.Pos
	}
	if j >= len(entries[i].Principals) {
		return entries[i].Pos
	}
	return at(c.src, &entries[i].Principals[j], entries[i].Pos)
}

func checkExternalID(c *checker) {
	for _, mr := range c.o.MachineRoles {
		for i, tr := range mr.Trust.AWS {
			if tr.ExternalID != "" {
				continue
			}
			for j, p := range tr.Principals {
				id := arnAccount(p)
				if id == "" {
					continue
				}
				if _, ours := c.o.AccountByID(id); ours {
					continue
				}
				who := p + " in account " + id
				if strings.HasSuffix(p, ":root") {
					who = "account " + id
				}
				c.report(c.awsPrincipalPos(mr, i, j), "machine role "+mr.Name,
					"set external_id to the value the third party issues (Spacelift: <account>@<integration>@<stack>@<read|write>)",
					fmt.Sprintf("machine role %s trusts %s, outside the organization, without an external_id: the third party can be tricked into using the role for another customer (confused deputy)",
						mr.Name, who))
			}
		}
	}
}

// arnAccount is the account id of an IAM or STS ARN.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

func checkTrustIAMUser(c *checker) {
	for _, mr := range c.o.MachineRoles {
		for i, tr := range mr.Trust.AWS {
			for j, p := range tr.Principals {
				if strings.Contains(p, ":user/") {
					c.report(c.awsPrincipalPos(mr, i, j), "machine role "+mr.Name,
						"trust a role (or GitHub/OIDC) instead; if an IAM user must stay, require MFA with an aws:MultiFactorAuthPresent condition",
						fmt.Sprintf("machine role %s trusts the IAM user %s: its long-lived access keys can assume the role", mr.Name, p))
				}
			}
		}
	}
}

// nearLimit is the share of the default trust-policy quota above which
// trust-policy-near-limit warns; validation warns above the quota itself.
const nearLimit = 0.8

func checkTrustSize(c *checker) {
	for _, mr := range c.o.MachineRoles {
		worst, where := 0, ""
		for _, inst := range mr.Instances {
			if inst.TrustPolicy == nil || len(inst.TrustPolicy.Statement) == 0 {
				continue
			}
			if _, n := inst.TrustPolicy.Size(); n > worst {
				worst, where = n, inst.Account
			}
		}
		if float64(worst) <= nearLimit*policy.MaxTrustChars || worst > policy.MaxTrustChars {
			continue
		}
		pos := mr.Pos
		if cmr := c.src.machineRole(mr.Name); cmr != nil && cmr.Trust != nil && cmr.Trust.Pos.IsValid() {
			pos = cmr.Trust.Pos
		}
		c.report(pos, "machine role "+mr.Name,
			"merge trust entries (one GitHub entry with several branches), or raise ACLSizePerRole in every account (at most 4,096)",
			fmt.Sprintf("machine role %s: the trust policy in %s has %d characters, %d%% of the default quota of %d (ACLSizePerRole); the next entry may not fit",
				mr.Name, where, worst, worst*100/policy.MaxTrustChars, policy.MaxTrustChars))
	}
}
