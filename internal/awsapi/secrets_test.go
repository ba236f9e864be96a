package awsapi_test

// Error strings end up in logs and terminals: they must never carry the
// access token, refresh token, client secret, secret access key, session
// token or web identity token that were sent.

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesame-cli/sesame/internal/awsapi"
	"github.com/sesame-cli/sesame/internal/sandbox"
)

// allSecrets are the secrets the calls table sends.
var allSecrets = []string{"client-secret-value", "refresh-token-value", "access-token-value", "web-identity-token-value",
	testCreds.SecretAccessKey, testCreds.SessionToken}

func TestErrorsKeepSecretsHTTP(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]http.HandlerFunc{
		"rest json": answer(400, `{"error":"invalid_grant","error_description":"bad grant","message":"denied"}`, "x-amzn-ErrorType", "InvalidGrantException"),
		"xml":       answer(403, `<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error><RequestId>r</RequestId></ErrorResponse>`),
		"html 500":  answer(500, `<html>oops</html>`),
		"malformed": answer(200, `{{{`),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := serve(t, h)
			c.MaxAttempts = 2 // a retried 500 must not leak either
			for op, call := range calls {
				err := call(t.Context(), c)
				if op == "Logout" && name == "malformed" {
					continue // Logout reads no answer
				}
				noSecrets(t, err, allSecrets...)
			}
		})
	}
}

// A token that cannot be a header value makes net/http fail the request;
// its message must not quote the value.
func TestErrorsKeepSecretsInvalidHeader(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(accountsOK)
	t.Cleanup(srv.Close)
	c := &awsapi.Client{Region: "us-east-1", Endpoint: srv.URL, HTTP: srv.Client(), MaxAttempts: 1}
	const token = "aoaSECRET\r\nX-Injected: yes"
	_, err := c.ListAccounts(t.Context(), token)
	var oe *awsapi.OpError
	if !errors.As(err, &oe) {
		t.Fatalf("got %v", err)
	}
	noSecrets(t, err, token, "aoaSECRET")
}

func TestErrorsKeepSecretsSandbox(t *testing.T) {
	t.Parallel()
	sb := newSandbox(t, sandbox.Options{})
	c, ctx := apiFor(sb), t.Context()
	reg, tok := signIn(t, sb, c, "alice")
	rc, err := c.GetRoleCredentials(ctx, tok.AccessToken, platDev, "TerraformApplyAccess")
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{reg.ClientSecret, tok.AccessToken, tok.RefreshToken, rc.SecretAccessKey, rc.SessionToken}

	// Wrong client secret (the real one with a byte more).
	_, err = c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret + "x", GrantType: refreshGrant, RefreshToken: tok.RefreshToken})
	apiError(t, err, "CreateToken", "InvalidClientException", 401)
	noSecrets(t, err, append(secrets, reg.ClientSecret+"x")...)
	_, err = c.StartDeviceAuthorization(ctx, &awsapi.StartDeviceAuthorizationInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret + "x", StartURL: sb.StartURL()})
	noSecrets(t, err, secrets...)

	// A spent refresh token.
	next, err := c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: refreshGrant, RefreshToken: tok.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, next.AccessToken, next.RefreshToken)
	_, err = c.CreateToken(ctx, &awsapi.CreateTokenInput{ClientID: reg.ClientID, ClientSecret: reg.ClientSecret, GrantType: refreshGrant, RefreshToken: tok.RefreshToken})
	apiError(t, err, "CreateToken", "InvalidGrantException", 400)
	noSecrets(t, err, secrets...)

	// A revoked access token.
	if err := c.Logout(ctx, next.AccessToken); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRoleCredentials(ctx, next.AccessToken, platDev, "TerraformApplyAccess")
	apiError(t, err, "GetRoleCredentials", "UnauthorizedException", 401)
	noSecrets(t, err, secrets...)
	_, err = c.ListAccounts(ctx, next.AccessToken)
	noSecrets(t, err, secrets...)
	err = c.Logout(ctx, next.AccessToken)
	noSecrets(t, err, secrets...)

	// STS with a wrong secret and with a session token of nobody.
	wrong := aws.Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey[1:] + "Z", SessionToken: rc.SessionToken}
	_, err = c.GetCallerIdentity(ctx, wrong)
	apiError(t, err, "GetCallerIdentity", "SignatureDoesNotMatch", 403)
	noSecrets(t, err, append(secrets, wrong.SecretAccessKey)...)
	_, err = c.AssumeRole(ctx, aws.Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: "IQoJb3JpZ2luX2VjEFORGED"},
		&awsapi.AssumeRoleInput{RoleARN: terraform, RoleSessionName: "alice"})
	apiError(t, err, "AssumeRole", "InvalidClientTokenId", 403)
	noSecrets(t, err, append(secrets, "IQoJb3JpZ2luX2VjEFORGED")...)
	// Denied, with good credentials.
	_, err = c.AssumeRole(ctx, aws.Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: rc.SessionToken},
		&awsapi.AssumeRoleInput{RoleARN: "arn:aws:iam::666666666666:role/nope", RoleSessionName: "alice", ExternalID: "ext-secret-ish"})
	apiError(t, err, "AssumeRole", "AccessDenied", 403)
	noSecrets(t, err, secrets...)
}
