package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// FaultConfig is what /_sandbox/faults sets: per-operation latency, error
// rate and throttling, and shortened lifetimes for what the sandbox issues
// (so refresh paths can be tested in seconds).
type FaultConfig struct {
	Operations map[string]OpFault `json:"operations,omitempty"`
	Lifetimes  Lifetimes          `json:"lifetimes"`
}

// OpFault disturbs one operation (by AWS name, e.g. GetRoleCredentials).
type OpFault struct {
	Latency   Duration  `json:"latency,omitempty"`
	ErrorRate float64   `json:"error_rate,omitempty"` // 0..1
	Error     string    `json:"error,omitempty"`      // AWS error code; default per protocol
	Throttle  *Throttle `json:"throttle,omitempty"`
}

// Throttle is a token bucket: Rate requests a second, bursts of Burst.
type Throttle struct {
	Rate  float64 `json:"rate"`
	Burst int     `json:"burst"`
}

// Lifetimes shorten what the sandbox issues; zero keeps the AWS default.
type Lifetimes struct {
	AccessToken     Duration `json:"access_token,omitempty"`
	RefreshToken    Duration `json:"refresh_token,omitempty"`
	RoleCredentials Duration `json:"role_credentials,omitempty"`
}

// Duration is a time.Duration written as "30s" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "30s" (or a number of seconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err2 := json.Unmarshal(b, &secs); err2 != nil {
			return fmt.Errorf("duration must be a string such as \"30s\"")
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("invalid duration %q", s)
	}
	*d = Duration(v)
	return nil
}

type faults struct {
	cfg     FaultConfig
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newFaults() *faults { return &faults{buckets: map[string]*bucket{}} }

func (c FaultConfig) validate() error {
	for op, f := range c.Operations {
		if f.ErrorRate < 0 || f.ErrorRate > 1 {
			return fmt.Errorf("%s: error_rate must be between 0 and 1", op)
		}
		if f.Latency < 0 || time.Duration(f.Latency) > time.Minute {
			return fmt.Errorf("%s: latency must be between 0 and 1m", op)
		}
		if t := f.Throttle; t != nil && (t.Rate <= 0 || t.Burst < 1) {
			return fmt.Errorf("%s: throttle needs rate > 0 and burst >= 1", op)
		}
	}
	return nil
}

// SetFaults replaces the fault configuration.
func (s *Sandbox) SetFaults(c FaultConfig) error {
	if err := c.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = &faults{cfg: c, buckets: map[string]*bucket{}}
	return nil
}

// Faults returns the fault configuration in force.
func (s *Sandbox) Faults() FaultConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.cfg
}

// applyFaults delays, throttles or fails a call as configured.
func (s *Sandbox) applyFaults(ctx context.Context, op string, p protocol) *apiError {
	s.mu.Lock()
	f, ok := s.faults.cfg.Operations[op]
	if !ok {
		s.mu.Unlock()
		return nil
	}
	var throttled bool
	if t := f.Throttle; t != nil {
		now := s.now()
		b := s.faults.buckets[op]
		if b == nil {
			b = &bucket{tokens: float64(t.Burst), last: now}
			s.faults.buckets[op] = b
		}
		b.tokens = min(float64(t.Burst), b.tokens+now.Sub(b.last).Seconds()*t.Rate)
		b.last = now
		if b.tokens >= 1 {
			b.tokens--
		} else {
			throttled = true
		}
	}
	s.mu.Unlock()
	if f.Latency > 0 {
		s.sleep(ctx, time.Duration(f.Latency))
	}
	if throttled {
		return errThrottled(p)
	}
	if f.ErrorRate > 0 && rand.Float64() < f.ErrorRate {
		if f.Error == "" {
			return errNamed(p, defaultFaultError(p))
		}
		return errNamed(p, f.Error)
	}
	return nil
}

func defaultFaultError(p protocol) string {
	switch p {
	case protoQuery:
		return "ServiceUnavailable"
	case protoOIDC:
		return "InternalServerException"
	}
	return "TooManyRequestsException"
}

// lifetime returns the configured lifetime of kind, or def.
func (s *Sandbox) lifetime(kind string, def time.Duration) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lifetimeLocked(kind, def)
}

// lifetimeLocked is lifetime for callers that hold s.mu.
func (s *Sandbox) lifetimeLocked(kind string, def time.Duration) time.Duration {
	l := s.faults.cfg.Lifetimes
	var v Duration
	switch kind {
	case "access_token":
		v = l.AccessToken
	case "refresh_token":
		v = l.RefreshToken
	case "role_credentials":
		v = l.RoleCredentials
	}
	if v > 0 {
		return time.Duration(v)
	}
	return def
}
