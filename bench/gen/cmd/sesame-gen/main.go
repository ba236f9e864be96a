// Command sesame-gen writes a synthetic sesame configuration directory for
// benchmarks (see package bench/gen).
//
//	go run ./bench/gen/cmd/sesame-gen -accounts 2000 -out /tmp/org2000
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sesame-cli/sesame/bench/gen"
)

func main() {
	accounts := flag.Int("accounts", 2000, "number of accounts; the other counts scale with it (gen.Scale)")
	out := flag.String("out", "", "directory to write the configuration into (required)")
	pairs := flag.Int("pairs", 0, "target number of expanded assignment pairs (default 10 per account)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: sesame-gen -accounts N -out DIR")
		flag.PrintDefaults()
		os.Exit(2)
	}
	opts := gen.Scale(*accounts)
	opts.Seed = *seed
	if *pairs > 0 {
		opts.Pairs = *pairs
	}
	files, s := gen.Build(opts)
	if err := gen.WriteDir(*out, files); err != nil {
		fmt.Fprintln(os.Stderr, "sesame-gen:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d accounts, %d permission sets, %d groups, %d assignment entries → %d pairs, %d machine roles (%d instances), %d declared identities, %d files, %d bytes\n",
		*out, s.Accounts, s.PermissionSets, s.Groups, s.AssignmentEntries, s.Pairs, s.MachineRoles, s.RoleInstances, s.Identities, s.Files, s.Bytes)
}
