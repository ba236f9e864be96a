// Command loadtime loads a sesame configuration directory once and resolves
// it (org.Resolve with the defaults, or with -validate org.Validate: the
// defaults and every profile, as `sesame validate` does), then prints the
// elapsed time and memory figures.
// Run it under /usr/bin/time -v to get the process's maximum RSS as the
// kernel sees it; VmHWM below is the same number read from /proc.
//
//	go build -o /tmp/loadtime ./bench/loadtime
//	/usr/bin/time -v /tmp/loadtime -dir /tmp/org2000
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/internal/org"
)

func main() {
	dir := flag.String("dir", "", "configuration directory (or file) to load")
	validate := flag.Bool("validate", false, "also run org.Validate (base and every profile)")
	profile := flag.String("profile", "", "profile to resolve (default: none, the defaults)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile")
	memprofile := flag.String("memprofile", "", "write an allocation profile")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: loadtime -dir DIR [-validate] [-profile NAME] [-cpuprofile F] [-memprofile F]")
		os.Exit(2)
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 4096
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}

	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()

	cfg, err := config.Load(config.LoadOptions{Path: *dir})
	check(err)
	loaded := time.Since(start)
	var (
		o      *org.Org
		diags  config.Diagnostics
		vdiags config.Diagnostics
	)
	if *validate {
		// What `sesame validate` does: the defaults and every profile.
		vdiags = org.Validate(cfg)
	} else {
		var opts org.Options
		if *profile != "" {
			opts.Profiles = []string{*profile}
		}
		o, diags = org.Resolve(cfg, opts)
	}
	total := time.Since(start)

	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if *memprofile != "" {
		f, err := os.Create(*memprofile)
		check(err)
		check(pprof.Lookup("allocs").WriteTo(f, 0))
		f.Close()
	}

	fmt.Printf("config      %s (%d files)\n", *dir, len(cfg.Sources))
	if o != nil {
		inst := 0
		for _, r := range o.MachineRoles {
			inst += len(r.Instances)
		}
		fmt.Printf("model       %d accounts, %d permission sets, %d groups, %d pairs, %d role instances, %d identities\n",
			len(o.Accounts), len(o.PermissionSets), len(o.Groups), len(o.Assignments), inst, len(o.Identities))
	}
	all := append(diags, vdiags...)
	fmt.Printf("diagnostics %d errors, %d warnings\n", len(all.Errors()), len(all.Warnings()))
	what := "load+resolve"
	if *validate {
		what = "load+validate(all profiles)"
	}
	fmt.Printf("time        load %v, %s %v\n", loaded.Round(time.Millisecond), what, total.Round(time.Millisecond))
	mb := func(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
	fmt.Printf("memory      TotalAlloc %s, Mallocs %d, HeapInuse %s, HeapSys %s, Sys %s, NumGC %d\n",
		mb(after.TotalAlloc-before.TotalAlloc), after.Mallocs-before.Mallocs, mb(after.HeapInuse), mb(after.HeapSys), mb(after.Sys), after.NumGC-before.NumGC)
	fmt.Printf("rss         VmHWM %s, VmRSS %s\n", procStatus("VmHWM"), procStatus("VmRSS"))
	if all.HasErrors() {
		os.Exit(1)
	}
}

// procStatus returns a field of /proc/self/status (Linux), e.g. VmHWM, the
// peak resident set size.
func procStatus(key string) string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "n/a"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "n/a"
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtime:", err)
		os.Exit(1)
	}
}
