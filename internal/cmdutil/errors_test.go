package cmdutil

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestWrappersKeepNil(t *testing.T) {
	if WithHint(nil, "h") != nil || WithExitCode(nil, ExitAuthRequired) != nil {
		t.Fatal("wrapping nil must stay nil")
	}
}

func TestWrappersPreserveChain(t *testing.T) {
	base := errors.New("token expired")
	err := fmt.Errorf("login: %w", WithHint(WithExitCode(base, ExitAuthRequired), "run `sesame login`"))
	if err.Error() != "login: token expired" {
		t.Errorf("hint leaked into message: %q", err)
	}
	if !errors.Is(err, base) {
		t.Error("errors.Is lost the cause")
	}
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != ExitAuthRequired {
		t.Errorf("exit code lost: %v", exit)
	}
	if got := Hints(err); !slices.Equal(got, []string{"run `sesame login`"}) {
		t.Errorf("Hints = %q", got)
	}
}

func TestHintsOrderAndDedup(t *testing.T) {
	err := WithHint(errors.Join(WithHint(errors.New("a"), "inner"), WithHint(errors.New("b"), "outer")), "outer")
	if got := Hints(err); !slices.Equal(got, []string{"outer", "inner"}) {
		t.Errorf("Hints = %q", got)
	}
}

func TestIsUsage(t *testing.T) {
	if !IsUsage(fmt.Errorf("x: %w", FlagErrorf("bad %s", "flag"))) {
		t.Error("wrapped FlagError not recognised")
	}
	if IsUsage(errors.New("plain")) {
		t.Error("plain error taken for usage error")
	}
}
