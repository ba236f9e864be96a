package integration

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/chromedp/chromedp"
)

// TestBrowser signs in on the sandbox's own pages with headless Chromium,
// as a person would, while a real aws-sdk-go-v2 client waits: the device
// code flow (the client polls CreateToken) and the authorization code
// flow with PKCE (the browser returns to a loopback redirect URI). The
// sandbox runs without --auto-approve.
func TestBrowser(t *testing.T) {
	requireIntegration(t)
	t.Parallel()
	chromium, version := findChromium(t)
	t.Logf("peer: %s (%s)", version, chromium)

	sb := startSandboxT(t)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(sb.URL()), RetryMaxAttempts: 1}
	oidc := ssooidc.NewFromConfig(cfg)
	portal := sso.NewFromConfig(cfg)
	browser := newBrowser(t, chromium)

	t.Run("DeviceCode", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{
			ClientName: aws.String("sesame-integration-device"), ClientType: aws.String("public"),
			Scopes: []string{"sso:account:access"},
		})
		if err != nil {
			t.Fatalf("RegisterClient: %v", err)
		}
		dev, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(acmeStartURL),
		})
		if err != nil {
			t.Fatalf("StartDeviceAuthorization: %v", err)
		}

		// The client waits as the AWS CLI does; the first poll must be
		// pending, since nobody has approved yet.
		pending := make(chan struct{})
		done := make(chan pollResult, 1)
		go func() { done <- pollDeviceToken(ctx, oidc, reg, dev, pending) }()
		select {
		case <-pending:
		case r := <-done:
			t.Fatalf("CreateToken finished before anyone approved: %+v", r)
		case <-ctx.Done():
			t.Fatal("no CreateToken poll")
		}

		tab := browser.tab(t)
		do(t, "open the verification URI", tab, chromedp.Navigate(*dev.VerificationUriComplete), chromedp.WaitVisible(chromedp.ID("user-code")))
		shownCode := get(t, "read the code", tab, chromedp.Text(chromedp.ID("user-code")))
		do(t, "approve as alice", tab,
			chromedp.Click(chromedp.ID("user-alice")),
			chromedp.Click(chromedp.ID("approve")),
			chromedp.WaitVisible(chromedp.ID("result")),
		)
		result := get(t, "read the result", tab, chromedp.Text(chromedp.ID("result")))
		if shownCode != *dev.UserCode {
			t.Errorf("page shows code %q, the client got %q", shownCode, *dev.UserCode)
		}
		if !strings.Contains(result, "Signed in as alice") {
			t.Errorf("result page: %q", result)
		}

		var r pollResult
		select {
		case r = <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("the waiting client got no token within 30s of the approval")
		}
		if r.err != nil || r.token == nil || aws.ToString(r.token.AccessToken) == "" {
			t.Fatalf("device flow: %+v", r)
		}
		t.Logf("device flow: token after %d pending polls", r.pending)
		checkAccounts(ctx, t, portal, aws.ToString(r.token.AccessToken), "alice", []string{platDevID, "888888888888"}, nil)
		checkRoles(ctx, t, portal, aws.ToString(r.token.AccessToken), "alice", "111111111111", []string{"TerraformPlanAccess"}, []string{applyRole})
	})

	t.Run("AuthorizationCodePKCE", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// The program's loopback listener, as the AWS CLI ≥ 2.22 runs it.
		type callback struct{ query url.Values }
		got := make(chan callback, 1)
		lis := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/oauth/callback" {
				http.NotFound(w, r)
				return
			}
			select {
			case got <- callback{r.URL.Query()}:
			default:
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><title>done</title><p id="callback-done">Signed in; return to the program.</p>`)
		}))
		defer lis.Close()
		redirect := lis.URL + "/oauth/callback"

		reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{
			ClientName: aws.String("sesame-integration-pkce"), ClientType: aws.String("public"),
			Scopes:       []string{"sso:account:access"},
			GrantTypes:   []string{"authorization_code", "refresh_token"},
			RedirectUris: []string{"http://127.0.0.1/oauth/callback"}, // any port, RFC 8252 §7.3
		})
		if err != nil {
			t.Fatalf("RegisterClient: %v", err)
		}
		verifier := randomURLSafe(t, 32)
		sum := sha256.Sum256([]byte(verifier))
		state := randomURLSafe(t, 16)
		authz := sb.URL() + "/authorize?" + url.Values{
			"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {redirect},
			"state": {state}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
			"code_challenge_method": {"S256"}, "scopes": {"sso:account:access"},
		}.Encode()

		tab := browser.tab(t)
		do(t, "open the authorize page", tab, chromedp.Navigate(authz), chromedp.WaitVisible(chromedp.ID("approve-form")))
		clientName := get(t, "read the client name", tab, chromedp.Text(chromedp.ID("client-name")))
		do(t, "approve as bob", tab,
			chromedp.Click(chromedp.ID("user-bob")),
			chromedp.Click(chromedp.ID("approve")),
			chromedp.WaitVisible(chromedp.ID("callback-done")),
		)
		landed := get(t, "read the location", tab, chromedp.Location())
		if clientName != "sesame-integration-pkce" {
			t.Errorf("authorize page names the client %q", clientName)
		}
		if !strings.HasPrefix(landed, redirect+"?") {
			t.Errorf("browser landed on %s, want the redirect URI %s", landed, redirect)
		}
		var cb callback
		select {
		case cb = <-got:
		case <-ctx.Done():
			t.Fatal("the loopback redirect URI was never called")
		}
		if cb.query.Get("state") != state || cb.query.Get("code") == "" || cb.query.Get("error") != "" {
			t.Fatalf("callback query %v; want code and state %q", cb.query, state)
		}

		tok, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("authorization_code"),
			Code: aws.String(cb.query.Get("code")), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
		})
		if err != nil {
			t.Fatalf("CreateToken (authorization_code): %v", err)
		}
		if aws.ToString(tok.AccessToken) == "" || aws.ToString(tok.RefreshToken) == "" {
			t.Fatalf("CreateToken: access %q, refresh %q", aws.ToString(tok.AccessToken), aws.ToString(tok.RefreshToken))
		}
		// bob is a developer: apply in plat-dev, only state access in the
		// management account (alice, in DevOps, may plan there too).
		checkAccounts(ctx, t, portal, aws.ToString(tok.AccessToken), "bob", []string{platDevID, "111111111111"}, nil)
		checkRoles(ctx, t, portal, aws.ToString(tok.AccessToken), "bob", platDevID, []string{applyRole}, nil)
		checkRoles(ctx, t, portal, aws.ToString(tok.AccessToken), "bob", "111111111111", []string{"TerraformStateAccess"}, []string{"TerraformPlanAccess", applyRole})

		// The code is single use.
		_, err = oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, GrantType: aws.String("authorization_code"),
			Code: aws.String(cb.query.Get("code")), RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier),
		})
		var invalid *oidctypes.InvalidGrantException
		if !errors.As(err, &invalid) {
			t.Errorf("second CreateToken with the same code: %v; want InvalidGrantException", err)
		}
	})

	stats := sb.stats(t)
	for _, op := range []string{"VerifyDevice", "Authorize", "CreateToken", "ListAccounts", "ListAccountRoles"} {
		if stats[op] < 1 {
			t.Errorf("/_sandbox/stats %s = %d, want >= 1 (stats %v)", op, stats[op], stats)
		}
	}
}

// do runs browser steps and fails the test at the first error.
func do(t *testing.T, what string, tab context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab, steps...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}

// get runs one browser action and returns its value.
func get[T any](t *testing.T, what string, tab context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(tab, a)
	if err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

type pollResult struct {
	token   *ssooidc.CreateTokenOutput
	pending int
	err     error
}

// pollDeviceToken polls CreateToken as RFC 8628 says: at the interval,
// slower after SlowDown, until a token or another error. pending closes
// after the first AuthorizationPending.
func pollDeviceToken(ctx context.Context, c *ssooidc.Client, reg *ssooidc.RegisterClientOutput,
	dev *ssooidc.StartDeviceAuthorizationOutput, pending chan<- struct{}) pollResult {
	interval := time.Duration(max(dev.Interval, 1)) * time.Second
	var r pollResult
	for {
		tok, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: dev.DeviceCode,
		})
		var wait *oidctypes.AuthorizationPendingException
		var slow *oidctypes.SlowDownException
		switch {
		case err == nil:
			r.token = tok
			return r
		case errors.As(err, &wait):
			if r.pending == 0 {
				close(pending)
			}
			r.pending++
		case errors.As(err, &slow):
			interval += 5 * time.Second
		default:
			r.err = err
			return r
		}
		select {
		case <-ctx.Done():
			r.err = ctx.Err()
			return r
		case <-time.After(interval):
		}
	}
}

// checkAccounts lists the accounts the token reaches.
func checkAccounts(ctx context.Context, t *testing.T, c *sso.Client, token, user string, want, notWant []string) {
	t.Helper()
	out, err := c.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String(token)})
	if err != nil {
		t.Fatalf("ListAccounts as %s: %v", user, err)
	}
	var ids []string
	for _, a := range out.AccountList {
		ids = append(ids, aws.ToString(a.AccountId))
	}
	for _, id := range want {
		if !slices.Contains(ids, id) {
			t.Errorf("ListAccounts as %s: %v lacks %s", user, ids, id)
		}
	}
	for _, id := range notWant {
		if slices.Contains(ids, id) {
			t.Errorf("ListAccounts as %s: %v has %s", user, ids, id)
		}
	}
}

// checkRoles lists the roles the token reaches in one account.
func checkRoles(ctx context.Context, t *testing.T, c *sso.Client, token, user, account string, want, notWant []string) {
	t.Helper()
	out, err := c.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: aws.String(token), AccountId: aws.String(account)})
	if err != nil {
		t.Fatalf("ListAccountRoles as %s in %s: %v", user, account, err)
	}
	var roles []string
	for _, r := range out.RoleList {
		roles = append(roles, aws.ToString(r.RoleName))
	}
	for _, r := range want {
		if !slices.Contains(roles, r) {
			t.Errorf("ListAccountRoles as %s in %s: %v lacks %s", user, account, roles, r)
		}
	}
	for _, r := range notWant {
		if slices.Contains(roles, r) {
			t.Errorf("ListAccountRoles as %s in %s: %v has %s", user, account, roles, r)
		}
	}
}

func randomURLSafe(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// headless is one Chromium for a test, killed (with every child process)
// when the test ends.
type headless struct {
	ctx context.Context // the browser's first tab
}

// newBrowser starts Chromium with the flags known to work on the CI
// machines (no network beyond loopback, root, no GPU) and a fresh profile.
func newBrowser(t *testing.T, bin string) *headless {
	t.Helper()
	profile, err := os.MkdirTemp("", "sesame-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	var output syncBuffer
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(&output),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Close the browser, then make sure nothing of it is left: the
		// allocator's cancel waits for the main process; children (zygote,
		// renderers, the network service) are found by their
		// --user-data-dir and killed.
		cancelBrowser()
		cancelAlloc()
		if n := reapChromium(profile, 5*time.Second); n > 0 {
			t.Logf("killed %d Chromium processes left after the browser closed", n)
		}
		if left := chromiumProcs(profile); len(left) > 0 {
			t.Errorf("Chromium processes still running after SIGKILL: %v", left)
		}
		if err := os.RemoveAll(profile); err != nil {
			t.Logf("remove the Chromium profile: %v", err)
		}
		if t.Failed() {
			t.Logf("Chromium output:\n%s", output.String())
		}
	})
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v\n%s", err, output.String())
	}
	t.Logf("Chromium started in %s", time.Since(start).Round(time.Millisecond))
	return &headless{ctx: ctx}
}

// tab opens a new tab for one subtest, closed when it ends.
func (h *headless) tab(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(h.ctx)
	ctx, cancelTimeout := context.WithTimeout(ctx, time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	return ctx
}
