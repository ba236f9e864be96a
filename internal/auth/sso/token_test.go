package sso

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// shortRig signs alice in on a sandbox whose access tokens last 2 s.
func shortRig(t *testing.T, lt sandbox.Lifetimes) (*deviceRig, *Provider) {
	r := newDeviceRig(t, "alice")
	if err := r.s.SetFaults(sandbox.FaultConfig{Lifetimes: lt}); err != nil {
		t.Fatal(err)
	}
	r.o.RefreshBefore = 500 * time.Millisecond
	p := newProvider(t, r.o)
	if _, err := p.Login(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	return r, p
}

func twoSeconds() sandbox.Lifetimes {
	return sandbox.Lifetimes{AccessToken: sandbox.Duration(2 * time.Second)}
}

func TestCachedTokenMakesNoCall(t *testing.T) {
	r, p := shortRig(t, sandbox.Lifetimes{})
	before := r.s.Stats()
	first, err := p.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	other := newProvider(t, r.o) // another process: reads the store only
	for range 50 {
		a, err1 := p.Token(t.Context())
		b, err2 := other.Token(t.Context())
		if err1 != nil || err2 != nil || a != first || b != first {
			t.Fatalf("token changed or failed: %v %v", err1, err2)
		}
	}
	if d := delta(before, r.s.Stats()); len(d) != 0 {
		t.Errorf("cached tokens cost calls: %v", d)
	}
}

func TestTokenRefreshesAndNeverSignsInAgain(t *testing.T) {
	r, p := shortRig(t, twoSeconds())
	start := r.s.Stats()
	tok, _ := p.Token(t.Context())
	rt := storedSession(t, r).RefreshToken
	for cycle := range 3 {
		before := r.s.Stats()
		r.clk.Advance(100 * time.Millisecond)
		if again, _ := p.Token(t.Context()); again != tok {
			t.Fatalf("cycle %d: a fresh token was replaced", cycle)
		}
		r.clk.Advance(2 * time.Second) // expired
		next, err := p.Token(t.Context())
		if err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		if d := delta(before, r.s.Stats()); len(d) != 1 || d["CreateToken"] != 1 {
			t.Errorf("cycle %d: calls %v, want exactly one CreateToken", cycle, d)
		}
		s := storedSession(t, r)
		if next == tok || s.AccessToken != next || s.RefreshToken == rt || s.RefreshToken == "" {
			t.Errorf("cycle %d: token or rotated refresh token not stored", cycle)
		}
		tok, rt = next, s.RefreshToken
	}
	if d := delta(start, r.s.Stats()); d["RegisterClient"] != 0 || d["StartDeviceAuthorization"] != 0 {
		t.Errorf("refresh signed in again: %v", d)
	}
}

func storedSession(t *testing.T, r *deviceRig) *Session {
	t.Helper()
	s, err := newProvider(t, r.o).Cached(t.Context())
	if err != nil || s == nil {
		t.Fatalf("stored session: %v %v", s, err)
	}
	return s
}

// hookLocker runs before() once before taking the lock, to let another
// process act between our read and our lock.
func hookLocker(l *memLocker, before func()) Locker {
	return func(ctx context.Context, name string) (func() error, error) {
		if before != nil {
			f := before
			before = nil
			f()
		}
		return l.Lock(ctx, name)
	}
}

func TestRefreshIsRotationSafeAcrossProcesses(t *testing.T) {
	r, _ := shortRig(t, twoSeconds())
	locks := &memLocker{}
	r.o.Locker = locks.Lock
	a := newProvider(t, r.o)
	old := storedSession(t, r)
	r.clk.Advance(3 * time.Second)
	// B read the expired session, then A refreshes before B gets the lock.
	var aTok string
	ob := r.o
	ob.Locker = hookLocker(locks, func() {
		var err error
		if aTok, err = a.Token(t.Context()); err != nil {
			t.Error(err)
		}
	})
	b := newProvider(t, ob)
	before := r.s.Stats()
	bTok, err := b.Token(t.Context())
	if err != nil {
		t.Fatalf("B: %v", err)
	}
	if bTok != aTok || bTok == old.AccessToken {
		t.Error("B did not use the token A refreshed")
	}
	if d := delta(before, r.s.Stats()); d["CreateToken"] != 1 {
		t.Errorf("calls %v, want one refresh for both", d)
	}
	// Had B refreshed with what it read first, Identity Center would have
	// refused it: the refresh token rotated.
	_, err = ssooidc.NewFromConfig(r.s.AWSConfig(nil)).CreateToken(t.Context(), &ssooidc.CreateTokenInput{
		ClientId: aws.String(old.ClientID), ClientSecret: aws.String(old.ClientSecret),
		GrantType: aws.String(grantRefresh), RefreshToken: aws.String(old.RefreshToken),
	})
	var ig *types.InvalidGrantException
	if !errors.As(err, &ig) {
		t.Errorf("reusing the old refresh token: %v, want InvalidGrantException", err)
	}
}

func TestExpiredSessionNeedsLogin(t *testing.T) {
	r, _ := shortRig(t, sandbox.Lifetimes{AccessToken: sandbox.Duration(2 * time.Second), RefreshToken: sandbox.Duration(3 * time.Second)})
	r.clk.Advance(10 * time.Second)
	// The first process spends a call on the dead refresh token and then
	// forgets it; the next one knows at once, without a call.
	for _, tc := range []struct {
		name         string
		policy       LoginPolicy
		interactive  bool
		wantRefreshs int
	}{
		{"login never", LoginNever, true, 1},
		{"no TTY or --no-input", LoginAuto, false, 0},
	} {
		o := r.o
		o.Login, o.Interactive = tc.policy, tc.interactive
		before := r.s.Stats()
		_, err := newProvider(t, o).Token(t.Context())
		var lr *LoginRequiredError
		if !errors.Is(err, ErrLoginRequired) || !errors.As(err, &lr) || !lr.Expired {
			t.Fatalf("%s: err = %v, want ErrLoginRequired", tc.name, err)
		}
		want := `the IAM Identity Center session for ` + r.s.StartURL() + ` (us-east-1) has expired: run "sesame login"`
		if err.Error() != want {
			t.Errorf("%s: message %q, want %q", tc.name, err, want)
		}
		if tc.wantRefreshs > 0 && awsapi.Code(err) != codeInvalidGrant {
			t.Errorf("%s: the refresh failure is not kept: %v", tc.name, lr.Err)
		}
		if d := delta(before, r.s.Stats()); d["StartDeviceAuthorization"] != 0 || d["CreateToken"] != tc.wantRefreshs {
			t.Errorf("%s: calls %v, want %d refresh attempts and no sign-in", tc.name, d, tc.wantRefreshs)
		}
	}
	// Interactive and allowed: Token signs in by itself.
	o := r.o
	o.Interactive = true
	if _, err := newProvider(t, o).Token(t.Context()); err != nil || r.s.Stats()["StartDeviceAuthorization"] != 2 {
		t.Errorf("interactive Token: %v, calls %v", err, r.s.Stats())
	}
}

func TestNeverSignedIn(t *testing.T) {
	r := newDeviceRig(t, "alice")
	_, err := newProvider(t, r.o).Token(t.Context())
	want := `not signed in to IAM Identity Center at ` + r.s.StartURL() + ` (us-east-1): run "sesame login"`
	if !errors.Is(err, ErrLoginRequired) || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if len(r.s.Stats()) != 0 {
		t.Errorf("calls %v", r.s.Stats())
	}
}

func TestInvalidateAfterPortal401(t *testing.T) {
	r, p := shortRig(t, sandbox.Lifetimes{})
	portal := sso.NewFromConfig(r.s.AWSConfig(nil))
	tok, _ := p.Token(t.Context())
	// Someone revoked the token at the portal; it still looks valid here.
	if _, err := portal.Logout(t.Context(), &sso.LogoutInput{AccessToken: aws.String(tok)}); err != nil {
		t.Fatal(err)
	}
	_, err := portal.ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: aws.String(tok)})
	var unauth *ssotypes.UnauthorizedException
	if !errors.As(err, &unauth) {
		t.Fatalf("portal: %v, want 401", err)
	}
	if err := p.Invalidate(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Logout revoked the refresh token too, so the retry needs a sign-in.
	_, err = p.Token(t.Context())
	if !errors.Is(err, ErrLoginRequired) {
		t.Errorf("after 401 with a revoked session: %v, want ErrLoginRequired", err)
	}
}

func TestInvalidateRefreshes(t *testing.T) {
	r, p := shortRig(t, sandbox.Lifetimes{})
	tok, _ := p.Token(t.Context())
	before := r.s.Stats()
	if err := p.Invalidate(t.Context()); err != nil {
		t.Fatal(err)
	}
	next, err := p.Token(t.Context())
	if err != nil || next == tok {
		t.Fatalf("retry after Invalidate: %v", err)
	}
	if d := delta(before, r.s.Stats()); len(d) != 1 || d["CreateToken"] != 1 {
		t.Errorf("calls %v, want one refresh", d)
	}
}

func TestInvalidateLeavesAnotherProcessTokenAlone(t *testing.T) {
	r, p := shortRig(t, sandbox.Lifetimes{})
	if _, err := p.Token(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Another process already replaced the token p handed out.
	other := newProvider(t, r.o)
	if _, err := other.Token(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := other.Invalidate(t.Context()); err != nil {
		t.Fatal(err)
	}
	fresh, err := other.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	before := r.s.Stats()
	if err := p.Invalidate(t.Context()); err != nil { // p's stale 401
		t.Fatal(err)
	}
	if got, _ := p.Token(t.Context()); got != fresh {
		t.Error("a stale 401 dropped the token another process had just renewed")
	}
	if d := delta(before, r.s.Stats()); len(d) != 0 {
		t.Errorf("calls %v, want none", d)
	}
	if err := newProvider(t, r.o).Invalidate(t.Context()); err != nil { // nothing handed out: no-op
		t.Fatal(err)
	}
}

func TestTransientRefreshFailure(t *testing.T) {
	r, p := shortRig(t, twoSeconds())
	tok, _ := p.Token(t.Context())
	_ = r.s.SetFaults(sandbox.FaultConfig{Lifetimes: twoSeconds(),
		Operations: map[string]sandbox.OpFault{"CreateToken": {ErrorRate: 1}}})
	r.clk.Advance(1700 * time.Millisecond) // inside RefreshBefore, not expired
	if got, err := p.Token(t.Context()); err != nil || got != tok {
		t.Errorf("a failed refresh of a still valid token: %v", err)
	}
	r.clk.Advance(time.Second) // expired
	_, err := p.Token(t.Context())
	if err == nil || errors.Is(err, ErrLoginRequired) || !strings.Contains(err.Error(), "refresh") {
		t.Errorf("err = %v, want a refresh error that is not ErrLoginRequired", err)
	}
	if storedSession(t, r).RefreshToken == "" {
		t.Error("a transient failure dropped the refresh token")
	}
}

func TestLogout(t *testing.T) {
	r, p := shortRig(t, sandbox.Lifetimes{})
	tok, _ := p.Token(t.Context())
	if err := p.Logout(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r.s.Stats()["Logout"] != 1 {
		t.Errorf("calls %v, want one portal Logout", r.s.Stats())
	}
	if _, err := r.store.Get(t.Context(), p.Key()); !isNotFound(err) {
		t.Errorf("session still stored: %v", err)
	}
	_, err := sso.NewFromConfig(r.s.AWSConfig(nil)).ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: aws.String(tok)})
	var unauth *ssotypes.UnauthorizedException
	if !errors.As(err, &unauth) {
		t.Errorf("the token still works after logout: %v", err)
	}
	var lr *LoginRequiredError
	if _, err := p.Token(t.Context()); !errors.As(err, &lr) || lr.Expired {
		t.Errorf("Token after logout: %v, want not signed in", err)
	}
	if err := p.Logout(t.Context()); err != nil {
		t.Errorf("logout when signed out: %v", err)
	}
}

// tokenSource is internal/auth's TokenSource; a Provider is one.
var _ interface {
	Token(context.Context) (string, error)
	Invalidate(context.Context) error
} = (*Provider)(nil)
