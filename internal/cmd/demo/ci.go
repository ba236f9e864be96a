package demo

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sesame-cli/sesame/internal/auth/webidentity"
	"github.com/sesame-cli/sesame/internal/cmd/whoami"
	"github.com/sesame-cli/sesame/internal/cmdutil"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// ciProfile is the profile whose identities come through a machine's
// OIDC token.
const ciProfile = "ci"

// ciStep shows the chained identity as a pipeline reaches it: the same
// name under the ci profile, through a GitHub Actions run's ID token. The
// run's claims come from the machine role's first GitHub trust entry, so
// the sandbox's trust evaluation admits it. It says nothing (and returns
// nil) when the configuration has no such profile or identity.
func ciStep(ctx context.Context, w io.Writer, f *cmdutil.Factory, sb *sandbox.Sandbox, endpoint, name string, step int) error {
	saved := f.Globals.Profiles
	f.Globals.Profiles = []string{ciProfile}
	defer func() { f.Globals.Profiles = saved }()
	o, err := f.Org()
	if err != nil {
		return nil // no ci profile in this configuration
	}
	id, ok := o.Identity(name)
	if !ok || len(id.Chain) == 0 {
		return nil
	}
	p, _ := o.Provider(id.Chain[0])
	role, _ := o.MachineRole(id.MachineRole)
	if p == nil || p.Kind != org.KindGitHubOIDC || role == nil || len(role.Trust.GitHub) == 0 {
		return nil
	}
	run, what, ok := runFor(role.Trust.GitHub[0])
	if !ok {
		return nil
	}
	reqURL, reqToken, err := sb.GitHubRunAt(endpoint, run)
	if err != nil {
		return err
	}
	getenv := f.Getenv
	f.Getenv = func(k string) string {
		switch k {
		case webidentity.EnvRequestURL:
			return reqURL
		case webidentity.EnvRequestToken:
			return reqToken
		case "GITHUB_RUN_ID":
			return run.RunID
		}
		return getenv(k)
	}
	defer func() { f.Getenv = getenv }()
	fmt.Fprintf(w, "%d. %s in CI (SESAME_PROFILE=%s): a GitHub Actions run of %s (%s) assumes the role with its OIDC token\n",
		step, name, ciProfile, run.Repository, what)
	s, err := f.NewSession(ctx, cmdutil.SessionOptions{EndpointURL: endpoint})
	if err != nil {
		return err
	}
	r, err := whoami.Caller(ctx, s, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "   %-12s %s\n   %-12s %s\n", "account", r.Account, "arn", r.Arn)
	return nil
}

// runFor describes a workflow run that a GitHub trust entry admits: its
// first subject without wildcards decides environment, branch or pull
// request; its first workflow, the job's workflow ref.
func runFor(g org.GitHubTrust) (run sandbox.GitHubRun, what string, ok bool) {
	run = sandbox.GitHubRun{Repository: g.Repository, RepositoryID: g.RepositoryID, RunID: "1"}
	for _, sub := range g.Subjects {
		if strings.ContainsAny(sub, "*?") {
			continue
		}
		rest, found := strings.CutPrefix(sub, "repo:"+g.Repository+":")
		if !found {
			continue
		}
		switch {
		case strings.HasPrefix(rest, "environment:"):
			run.Environment = strings.TrimPrefix(rest, "environment:")
			what = "environment " + run.Environment
		case strings.HasPrefix(rest, "ref:"):
			run.Ref = strings.TrimPrefix(rest, "ref:")
			what = run.Ref
		case rest == "pull_request":
			run.EventName = "pull_request"
			what = "a pull request"
		default:
			continue
		}
		ok = true
		break
	}
	if len(g.Workflows) > 0 && !strings.ContainsAny(g.Workflows[0], "*?") {
		run.JobWorkflowRef = g.Workflows[0]
	}
	return run, what, ok
}
