package sandbox

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use, not at program start: every
// sesame invocation pays for package initialisation, and most never match
// these patterns (credential-process is on a hot path).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
