//go:build linux

package e2e

import (
	"testing"
	"time"
)

// Shortened lifetimes drive both refresh paths: role credentials that
// live less than refresh_before (default 15m) are renewed on every call,
// and an expired access token is renewed with the refresh token
// (CreateToken, refresh grant) without a new sign-in.
func TestRefreshWithShortLifetimes(t *testing.T) {
	sb := startSandbox(t)
	e := newEnv(t, sb)
	sb.faults(t, `{"lifetimes":{"access_token":"3s","refresh_token":"2m","role_credentials":"20s"}}`)
	signedIn := e.login(t)

	seen := map[string]bool{}
	for i := range 3 {
		before := sb.stats(t)
		r := e.run(t, nil, "credential-process", "--identity", "plat-dev/terraform")
		c := mustCreds(t, "credential-process", r)
		d := delta(before, sb.stats(t))
		t.Logf("call %d: %s, expires in %s; upstream calls: %v", i+1, r.Elapsed.Round(time.Millisecond),
			time.Until(c.Expiration).Round(time.Second), d)
		if left := time.Until(c.Expiration); left > 25*time.Second {
			t.Errorf("call %d: credentials valid for %s; the sandbox was told to issue 20s ones", i+1, left)
		}
		if d["GetRoleCredentials"] != 1 || d["AssumeRole"] != 1 {
			t.Errorf("call %d: GetRoleCredentials %d, AssumeRole %d; credentials inside the renewal window must be renewed on every call (want 1 each)",
				i+1, d["GetRoleCredentials"], d["AssumeRole"])
		}
		if d["StartDeviceAuthorization"] != 0 || d["RegisterClient"] != 0 {
			t.Errorf("call %d started a sign-in: %v", i+1, d)
		}
		if seen[c.AccessKeyID] {
			t.Errorf("call %d returned access key %s again; want renewed credentials", i+1, c.AccessKeyID)
		}
		seen[c.AccessKeyID] = true
	}

	// The access token (3 s) has expired; the refresh token (2 min) has not.
	time.Sleep(time.Until(signedIn.Add(4 * time.Second)))
	before := sb.stats(t)
	refreshStart := time.Now()
	r := e.run(t, []string{"SESAME_NO_INPUT=1"}, "credential-process", "--identity", "plat-dev/terraform")
	mustCreds(t, "credential-process with an expired access token", r)
	d := delta(before, sb.stats(t))
	t.Logf("after the access token expired: %s; upstream calls: %v", r.Elapsed.Round(time.Millisecond), d)
	if d["CreateToken"] != 1 {
		t.Errorf("CreateToken %d times; want 1 (the refresh grant)", d["CreateToken"])
	}
	if d["StartDeviceAuthorization"] != 0 || d["RegisterClient"] != 0 {
		t.Errorf("an expired access token with a live refresh token started a sign-in: %v", d)
	}
	if d["GetRoleCredentials"] != 1 {
		t.Errorf("GetRoleCredentials %d times after the refresh; want 1", d["GetRoleCredentials"])
	}

	// The renewed token was stored: the next process does not refresh
	// again. A 3 s token counts as fresh for half its life (1.5 s), so
	// this only holds when the next process starts soon enough.
	before = sb.stats(t)
	soon := time.Since(refreshStart) < 1200*time.Millisecond
	mustCreds(t, "credential-process after the refresh", e.run(t, nil, "credential-process", "--identity", "plat-dev/TerraformApplyAccess"))
	switch d := delta(before, sb.stats(t)); {
	case d["CreateToken"] != 0 && soon:
		t.Errorf("the next process refreshed the token again (%v); want it to use the stored, renewed one", d)
	case d["CreateToken"] != 0:
		t.Logf("the next process started too late to check that the renewed token was reused (%v)", d)
	}
}
