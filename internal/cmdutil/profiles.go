package cmdutil

import "strings"

// ParseProfiles merges profile lists given as comma-separated values, in
// order: `--profile a,b --profile c` and SESAME_PROFILE="a,b,c" both mean
// [a b c]. Items are trimmed, empty items dropped, and a repeated profile
// keeps its first position, so applying the result is deterministic.
func ParseProfiles(values ...string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" || seen[item] {
				continue
			}
			seen[item] = true
			out = append(out, item)
		}
	}
	return out
}
