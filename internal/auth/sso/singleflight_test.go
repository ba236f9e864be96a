package sso

import (
	"sync"
	"testing"
	"time"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

// slowSignIn makes CreateToken take a while, so the other callers really
// wait for the one that signs in.
func slowSignIn(t *testing.T, s *sandbox.Sandbox) {
	if err := s.SetFaults(sandbox.FaultConfig{Operations: map[string]sandbox.OpFault{
		"CreateToken": {Latency: sandbox.Duration(700 * time.Millisecond)}}}); err != nil {
		t.Fatal(err)
	}
}

func TestOneSignInForManyCallers(t *testing.T) {
	for _, flow := range []Flow{FlowDeviceCode, FlowPKCE} {
		t.Run(string(flow), func(t *testing.T) {
			s := newSandbox(t, nil, "alice")
			slowSignIn(t, s)
			o := baseOptions(s, nil, newMemStore(), nil)
			o.Locker, o.Interactive = (&memLocker{}).Lock, true
			if flow == FlowPKCE {
				o.API, _ = serve(t, s)
				o.Flow, o.Getenv = FlowAuto, env("DISPLAY", ":0")
				o.OpenBrowser, _ = browser(t)
			}
			const n = 12
			tokens := make([]string, n)
			notifiers := make([]*recNotifier, n)
			var wg sync.WaitGroup
			for i := range n {
				notifiers[i] = &recNotifier{}
				oi := o
				oi.Notifier = notifiers[i]
				p := newProvider(t, oi)
				wg.Go(func() {
					tok, err := p.Token(t.Context())
					if err != nil {
						t.Errorf("caller %d: %v", i, err)
					}
					tokens[i] = tok
				})
			}
			wg.Wait()
			st := s.Stats()
			if st["RegisterClient"] != 1 || st["StartDeviceAuthorization"]+st["Authorize"] != 1 || st["CreateToken"] != 1 {
				t.Errorf("calls %v, want exactly one sign-in", st)
			}
			waited := 0
			for i := range n {
				if tokens[i] != tokens[0] || tokens[i] == "" {
					t.Errorf("caller %d got another token", i)
				}
				c := notifiers[i].count(WaitingMessage)
				if c > 1 {
					t.Errorf("caller %d was told %d times that it waits", i, c)
				}
				waited += c
			}
			// Callers that arrive after the sign-in just read its result.
			if waited < n/2 {
				t.Errorf("%d of %d callers said they wait for another process", waited, n-1)
			}
		})
	}
}
