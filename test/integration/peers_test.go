package integration

import (
	"os"
	"testing"

	"github.com/sesame-cli/sesame/test/testproc"
)

// Where the peers are: see testproc.
const (
	awsV2Default    = testproc.AWSCLIv2Default
	chromiumDefault = testproc.ChromiumDefault
)

func peerVersion(bin, prefix string) (string, error) { return testproc.PeerVersion(bin, prefix) }

// findAWSCLIv1 finds the pyenv AWS CLI v1 (testproc.FindAWSCLIv1).
func findAWSCLIv1(t *testing.T) (bin, version string) {
	t.Helper()
	bin, version, err := testproc.FindAWSCLIv1()
	if err != nil {
		t.Fatal(err)
	}
	return bin, version
}

// findAWSCLIv2 checks Debian's AWS CLI v2 ($SESAME_AWSCLI_V2 overrides).
func findAWSCLIv2(t *testing.T) (bin, version string) {
	t.Helper()
	bin = awsV2Default
	if p := os.Getenv("SESAME_AWSCLI_V2"); p != "" {
		bin = p
	}
	v, err := peerVersion(bin, "aws-cli/2.")
	if err != nil {
		t.Fatalf("AWS CLI v2 not usable at %s: %v; apt-get install awscli", bin, err)
	}
	return bin, v
}

// findChromium checks Debian's Chromium ($SESAME_CHROMIUM overrides).
func findChromium(t *testing.T) (bin, version string) {
	t.Helper()
	bin = chromiumDefault
	if p := os.Getenv("SESAME_CHROMIUM"); p != "" {
		bin = p
	}
	v, err := peerVersion(bin, "Chromium ")
	if err != nil {
		t.Fatalf("Chromium not usable at %s: %v; apt-get install chromium chromium-driver", bin, err)
	}
	return bin, v
}

// baseEnv is the environment every CLI run starts from: nothing of the
// caller's AWS set-up, its own HOME, one attempt per call, no IMDS.
func baseEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"LANG=C.UTF-8",
		"TZ=UTC",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_REGION=us-east-1",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_RETRY_MODE=standard",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	}
}
