package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

func acme(t *testing.T) *org.Org {
	t.Helper()
	cfg, err := config.Load(config.LoadOptions{Path: "../../examples/acme"})
	if err != nil {
		t.Fatal(err)
	}
	o, d := org.Resolve(cfg, org.Options{})
	if d.HasErrors() {
		t.Fatal(d)
	}
	return o
}

// deviceTokens signs a sandbox user in with the device flow (auto-approved)
// and hands out the token until invalidated.
type deviceTokens struct {
	sb     *sandbox.Sandbox
	mu     sync.Mutex
	token  string
	logins int
}

func (d *deviceTokens) Token(ctx context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.token != "" {
		return d.token, nil
	}
	c := ssooidc.NewFromConfig(d.sb.AWSConfig(nil))
	reg, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("t"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}})
	if err != nil {
		return "", err
	}
	da, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(d.sb.StartURL())})
	if err != nil {
		return "", err
	}
	tok, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: da.DeviceCode})
	if err != nil {
		return "", err
	}
	d.logins++
	d.token = aws.ToString(tok.AccessToken)
	return d.token, nil
}

func (d *deviceTokens) Invalidate(context.Context) error {
	d.mu.Lock()
	d.token = ""
	d.mu.Unlock()
	return nil
}

type fixture struct {
	sb     *sandbox.Sandbox
	o      *org.Org
	tokens *deviceTokens
	cache  *MemoryCache
	now    time.Time
}

func newFixture(t *testing.T, user string) *fixture {
	o := acme(t)
	sb, err := sandbox.New(o, sandbox.Options{AutoApprove: user})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{sb: sb, o: o, tokens: &deviceTokens{sb: sb}, cache: &MemoryCache{}, now: time.Now()}
}

// resolver returns a fresh resolver (a new process, as it were) sharing
// the fixture's cache.
func (f *fixture) resolver(trace *[]string) *Resolver {
	return NewResolver(Options{
		Org:           f.o,
		Tokens:        func(*org.Provider) (TokenSource, error) { return f.tokens, nil },
		API:           func(*org.Provider, string) *awsapi.Client { return f.sb.API() },
		Cache:         f.cache,
		Lock:          LocalLocker(),
		RefreshBefore: 15 * time.Minute,
		Trace: func(format string, args ...any) {
			if trace != nil {
				*trace = append(*trace, strings.TrimSpace(sprintf(format, args...)))
			}
		},
	})
}

func whoami(t *testing.T, sb *sandbox.Sandbox, c Credentials) string {
	t.Helper()
	cfg := sb.AWSConfig(credentials.StaticCredentialsProvider{Value: aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}})
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Arn)
}

func TestPermissionSetIdentityIsCached(t *testing.T) {
	f := newFixture(t, "alice")
	ctx := context.Background()
	c, err := f.resolver(nil).Retrieve(ctx, "plat-dev/TerraformApplyAccess")
	if err != nil {
		t.Fatal(err)
	}
	if arn := whoami(t, f.sb, c); !strings.Contains(arn, ":666666666666:assumed-role/AWSReservedSSO_TerraformApplyAccess_") || c.SessionUser() != "alice" {
		t.Errorf("arn %s, user %q", arn, c.SessionUser())
	}
	var trace []string
	if _, err := f.resolver(&trace).Retrieve(ctx, "plat-dev/TerraformApplyAccess"); err != nil {
		t.Fatal(err)
	}
	if n := f.sb.Stats()["GetRoleCredentials"]; n != 1 {
		t.Errorf("GetRoleCredentials called %d times, want 1 (second process uses the cache)", n)
	}
	if len(trace) != 1 || !strings.HasPrefix(trace[0], "plat-dev/TerraformApplyAccess: cached, expires in ") {
		t.Errorf("trace = %q", trace)
	}
}

func TestChainedIdentitySharesFirstHop(t *testing.T) {
	f := newFixture(t, "alice")
	ctx := context.Background()
	r := f.resolver(nil)
	if _, err := r.Retrieve(ctx, "plat-dev/TerraformApplyAccess"); err != nil {
		t.Fatal(err)
	}
	c, err := f.resolver(nil).Retrieve(ctx, "plat-dev/terraform")
	if err != nil {
		t.Fatal(err)
	}
	if arn := whoami(t, f.sb, c); arn != "arn:aws:sts::666666666666:assumed-role/acme-plat-dev-terraform/alice" {
		t.Errorf("arn = %s", arn)
	}
	if left := time.Until(c.Expiration); left > time.Hour+time.Minute {
		t.Errorf("chained session lasts %v, AWS caps it at 1h", left)
	}
	st := f.sb.Stats()
	if st["GetRoleCredentials"] != 1 || st["AssumeRole"] != 1 {
		t.Errorf("stats = %v: the first hop must be shared", st)
	}
}

func TestRenewsBeforeExpiry(t *testing.T) {
	f := newFixture(t, "alice")
	ctx := context.Background()
	// Role credentials that live 10 minutes are always inside the 15
	// minute renewal window: every new process renews them.
	if err := f.sb.SetFaults(sandbox.FaultConfig{Lifetimes: sandbox.Lifetimes{RoleCredentials: sandbox.Duration(10 * time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := f.resolver(nil).Retrieve(ctx, "plat-dev/TerraformPlanAccess"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.sb.Stats()["GetRoleCredentials"]; n != 3 {
		t.Errorf("GetRoleCredentials = %d, want 3", n)
	}
}

func TestDeniedAssignment(t *testing.T) {
	f := newFixture(t, "bob") // Developers: no AdministratorAccess anywhere
	_, err := f.resolver(nil).Retrieve(context.Background(), "plat-dev/AdministratorAccess")
	if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "permission set AdministratorAccess in plat-dev") {
		t.Errorf("got %v", err)
	}
}

func TestUnauthorizedTokenIsRenewedOnce(t *testing.T) {
	f := newFixture(t, "alice")
	ctx := context.Background()
	tok, _ := f.tokens.Token(ctx)
	// Sign out at the portal behind sesame's back.
	if _, err := f.resolver(nil).Retrieve(ctx, "plat-dev/TerraformPlanAccess"); err != nil {
		t.Fatal(err)
	}
	logout(t, f.sb, tok)
	if _, err := f.resolver(nil).Retrieve(ctx, "plat-dev/TerraformApplyAccess"); err != nil {
		t.Fatal(err)
	}
	if f.tokens.logins != 2 {
		t.Errorf("logins = %d, want 2", f.tokens.logins)
	}
}

func TestConcurrentRetrieveFetchesOnce(t *testing.T) {
	f := newFixture(t, "alice")
	r := f.resolver(nil)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Retrieve(context.Background(), "plat-dev/terraform")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := f.sb.Stats(); st["GetRoleCredentials"] != 1 || st["AssumeRole"] != 1 {
		t.Errorf("stats = %v", st)
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: "ASIAABCDEFGHIJKLMNOP", SecretAccessKey: "s3cr3t", SessionToken: "t0k3n"}
	for _, s := range []string{c.String(), sprintf("%v", c), sprintf("%+v", c), sprintf("%#v", c)} {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, "t0k3n") || strings.Contains(s, "ABCDEFGHIJKLMNOP") {
			t.Errorf("leak: %s", s)
		}
	}
}
