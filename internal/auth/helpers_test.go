package auth

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/sesame-cli/sesame/internal/sandbox"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func logout(t *testing.T, sb *sandbox.Sandbox, token string) {
	t.Helper()
	if _, err := sso.NewFromConfig(sb.AWSConfig(nil)).Logout(context.Background(), &sso.LogoutInput{AccessToken: aws.String(token)}); err != nil {
		t.Fatal(err)
	}
}
