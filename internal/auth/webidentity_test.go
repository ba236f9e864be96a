package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/sesame-cli/sesame/internal/auth/webidentity"
	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/org"
)

// Each refusal of a web identity names what to check.
func TestWebIdentityErrors(t *testing.T) {
	id := &org.Identity{Name: "plat-dev/terraform", Account: "plat-dev", RoleARN: "arn:aws:iam::666666666666:role/acme-plat-dev-terraform"}
	p := &org.Provider{Name: "github-actions", Kind: org.KindGitHubOIDC, Audience: "sts.amazonaws.com"}
	src := webidentity.GitHub{}
	for _, tc := range []struct {
		code, msg string
		want      []string
		denied    bool
	}{
		{"AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", []string{"trust policy of arn:aws:iam::666666666666:role/acme-plat-dev-terraform", "GitHub Actions ID token"}, true},
		{"ExpiredTokenException", "Token expired", []string{"has expired"}, false},
		{"InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com", []string{"registered as an IAM OIDC provider in plat-dev"}, false},
		{"InvalidIdentityToken", "Incorrect token audience", []string{`audience "sts.amazonaws.com"`, "client ID"}, false},
		{"Throttling", "Rate exceeded", []string{"AssumeRoleWithWebIdentity arn:aws:iam::666666666666:role/acme-plat-dev-terraform"}, false},
	} {
		err := webIdentityError(id, p, src, &awsapi.APIError{Operation: "AssumeRoleWithWebIdentity", Code: tc.code, Message: tc.msg, Status: 400})
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %q: %v; want %q", tc.code, tc.msg, err, w)
			}
		}
		if errors.Is(err, ErrAccessDenied) != tc.denied {
			t.Errorf("%s: errors.Is(ErrAccessDenied) = %v", tc.code, !tc.denied)
		}
	}
}
