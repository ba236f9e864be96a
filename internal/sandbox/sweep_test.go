package sandbox

import (
	"testing"
	"time"
)

// Credentials that expired more than keepExpired ago are forgotten as new
// ones are issued; recently expired ones are still recognised (so a late
// request gets ExpiredToken, not an unknown key).
func TestSweepForgetsLongExpiredCredentials(t *testing.T) {
	clk := newTestClock()
	s := newTestSandbox(t, Options{Now: clk.Now})
	issue := func() *credential {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.issueLocked(&credential{AccountID: "666666666666"}, 15*time.Minute)
	}
	old := issue()
	clk.Advance(2 * time.Hour)
	recent := issue()
	clk.Advance(30 * time.Minute)
	fresh := issue()
	// now: old expired 2h15m ago, recent 15m ago, fresh is valid.
	for range sweepEvery { // at least one sweep happens
		issue()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.Credentials[old.AccessKeyID]; ok {
		t.Error("a credential that expired 2h15m ago was kept")
	}
	if _, ok := s.st.Credentials[recent.AccessKeyID]; !ok {
		t.Error("a credential that expired 15 minutes ago was swept")
	}
	if _, ok := s.st.Credentials[fresh.AccessKeyID]; !ok {
		t.Error("a valid credential was swept")
	}
}
