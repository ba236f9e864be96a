package awsfiles

import (
	"strings"
	"testing"
)

var profiles = []Profile{
	{Name: "plat-dev/TerraformPlanAccess", Settings: [][2]string{{"credential_process", "sesame credential-process --identity plat-dev/TerraformPlanAccess"}, {"region", "us-east-1"}}},
	{Name: "plat-dev/terraform", Settings: [][2]string{{"credential_process", "sesame credential-process --identity plat-dev/terraform"}}},
}

func TestMergeIntoEmptyAndMissing(t *testing.T) {
	res, err := Merge(nil, profiles)
	if err != nil {
		t.Fatal(err)
	}
	want := BeginMarker + "\n[profile plat-dev/TerraformPlanAccess]\ncredential_process = sesame credential-process --identity plat-dev/TerraformPlanAccess\nregion = us-east-1\n\n" +
		"[profile plat-dev/terraform]\ncredential_process = sesame credential-process --identity plat-dev/terraform\n" + EndMarker + "\n"
	if string(res.Content) != want {
		t.Errorf("got\n%s\nwant\n%s", res.Content, want)
	}
	if len(res.Added) != 2 || len(res.Removed) != 0 {
		t.Errorf("added %v removed %v", res.Added, res.Removed)
	}
}

// Everything outside the block survives byte for byte, including CRLF
// lines, comments and a last line without a newline.
func TestMergeKeepsUserContent(t *testing.T) {
	user := "[default]\r\nregion = eu-west-1\r\n\r\n# my notes\n[profile mine]\noutput = json"
	res, err := Merge([]byte(user), profiles)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(res.Content), user+"\n\n"+BeginMarker+"\n") {
		t.Errorf("user content not kept in front of the block:\n%q", res.Content)
	}
	// Rewriting with fewer profiles replaces the block and prunes.
	again, err := Merge(res.Content, profiles[:1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(again.Content), user+"\n\n"+BeginMarker+"\n") || strings.Contains(string(again.Content), "plat-dev/terraform]") {
		t.Errorf("second merge:\n%s", again.Content)
	}
	if len(again.Removed) != 1 || again.Removed[0] != "plat-dev/terraform" || len(again.Kept) != 1 {
		t.Errorf("removed %v kept %v", again.Removed, again.Kept)
	}
	// A third merge with the same profiles changes nothing.
	third, err := Merge(again.Content, profiles[:1])
	if err != nil || third.Changed(again.Content) {
		t.Errorf("not idempotent: %v\n%s", err, third.Content)
	}
}

func TestMergeKeepsContentAfterTheBlock(t *testing.T) {
	old := "[profile a]\n\n" + BeginMarker + "\n[profile old/one]\nx = 1\n" + EndMarker + "\n\n[profile after]\nregion = us-west-2\n"
	res, err := Merge([]byte(old), profiles)
	if err != nil {
		t.Fatal(err)
	}
	s := string(res.Content)
	if !strings.HasPrefix(s, "[profile a]\n\n"+BeginMarker) || !strings.HasSuffix(s, EndMarker+"\n\n[profile after]\nregion = us-west-2\n") {
		t.Errorf("content around the block changed:\n%s", s)
	}
	if len(res.Removed) != 1 || res.Removed[0] != "old/one" {
		t.Errorf("removed %v", res.Removed)
	}
}

// A name the user defined outside the block is never duplicated.
func TestMergeLeavesUserProfilesAlone(t *testing.T) {
	old := "[profile plat-dev/terraform]\nregion = eu-west-1\n"
	res, err := Merge([]byte(old), profiles)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(res.Content), "[profile plat-dev/terraform]") != 1 || len(res.Shadowed) != 1 || res.Shadowed[0] != "plat-dev/terraform (line 1)" {
		t.Errorf("shadowed %v:\n%s", res.Shadowed, res.Content)
	}
}

// A damaged block is reported with its line and the file is left alone.
func TestMergeRefusesBrokenBlocks(t *testing.T) {
	for name, old := range map[string]string{
		"unterminated": "[default]\n" + BeginMarker + "\n[profile x]\n",
		"end first":    EndMarker + "\n" + BeginMarker + "\n" + EndMarker + "\n",
		"two blocks":   BeginMarker + "\n" + EndMarker + "\n" + BeginMarker + "\n" + EndMarker + "\n",
	} {
		if _, err := Merge([]byte(old), profiles); err == nil || !strings.HasPrefix(err.Error(), "line ") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestConfigPath(t *testing.T) {
	env := map[string]string{"HOME": "/home/a"}
	getenv := func(k string) string { return env[k] }
	if p, _ := ConfigPath(getenv); p != "/home/a/.aws/config" {
		t.Errorf("default: %s", p)
	}
	env["AWS_CONFIG_FILE"] = "/etc/aws.conf"
	if p, _ := ConfigPath(getenv); p != "/etc/aws.conf" {
		t.Errorf("AWS_CONFIG_FILE: %s", p)
	}
}

// Whatever the file holds, Merge either refuses it or keeps every byte
// outside sesame's block and yields exactly one block; merging again is a
// no-op.
func FuzzMerge(f *testing.F) {
	f.Add("[default]\nregion = eu-west-1\n")
	f.Add("[profile a]\r\nx = 1")
	f.Add(BeginMarker + "\n[profile old]\n" + EndMarker + "\n[profile after]\n")
	f.Add(EndMarker + "\n")
	f.Fuzz(func(t *testing.T, old string) {
		res, err := Merge([]byte(old), profiles)
		if err != nil {
			return
		}
		out := string(res.Content)
		ob, oe, ok := markerLines(out)
		if !ok {
			t.Fatalf("no block in the result:\n%q", out)
		}
		before, after := out[:ob], out[oe:]
		if b, e, ok := markerLines(old); ok {
			// The block was replaced: what surrounded it is unchanged.
			if before != old[:b] || after != old[e:] {
				t.Fatalf("content around the block changed:\nold %q\nnew %q", old, out)
			}
		} else if !strings.HasPrefix(before, old) || after != "" {
			t.Fatalf("user content not kept in front:\nold %q\nnew %q", old, out)
		}
		again, err := Merge(res.Content, profiles)
		if err != nil || again.Changed(res.Content) {
			t.Fatalf("second merge: %v\n%q", err, again.Content)
		}
	})
}

// markerLines finds the byte offsets where the marker line that begins
// the block starts and where the line that ends it ends.
func markerLines(s string) (begin, end int, ok bool) {
	begin = -1
	off := 0
	for _, l := range splitLines([]byte(s)) {
		switch strings.TrimRight(l, "\r\n") {
		case BeginMarker:
			begin = off
		case EndMarker:
			if begin >= 0 {
				return begin, off + len(l), true
			}
		}
		off += len(l)
	}
	return 0, 0, false
}
