package schemagen

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The committed schemas are what editors load through the modeline in
// examples; they must match the code.
func TestSchemaFilesUpToDate(t *testing.T) {
	for file, profile := range map[string]bool{
		"../../../schema/sesame.schema.json":         false,
		"../../../schema/sesame-profile.schema.json": true,
	} {
		got, err := Generate(profile)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date; run: go test ./internal/config/schemagen -run TestSchemaFilesUpToDate -update", file)
		}
	}
}
