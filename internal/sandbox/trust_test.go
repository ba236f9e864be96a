package sandbox

import "testing"

// IAM compares condition key names without regard to case.
func TestConditionKeysIgnoreCase(t *testing.T) {
	ctx := condContext{"aws:PrincipalArn": "arn:aws:iam::1:role/x", "token.actions.githubusercontent.com:sub": "repo:a/b:ref:refs/heads/main"}
	for _, key := range []string{"aws:principalarn", "AWS:PrincipalARN", "Token.Actions.GithubUserContent.com:SUB"} {
		if _, ok := ctx.get(key); !ok {
			t.Errorf("%s not found", key)
		}
	}
	if v, _ := ctx.get("aws:PrincipalArn"); v != "arn:aws:iam::1:role/x" {
		t.Errorf("value %q", v)
	}
	if _, ok := ctx.get("aws:SourceIp"); ok {
		t.Error("a missing key was found")
	}
}
