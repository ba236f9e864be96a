package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
)

func TestListAccountsPagination(t *testing.T) {
	s := newTestSandbox(t, Options{})
	_, tok := deviceLogin(t, s, "alice")
	pages := sso.NewListAccountsPaginator(portalClient(s), &sso.ListAccountsInput{AccessToken: tok.AccessToken, MaxResults: aws.Int32(3)})
	var names []string
	var sizes []int
	for pages.HasMorePages() {
		out, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(out.AccountList))
		for _, a := range out.AccountList {
			names = append(names, *a.AccountName)
			if *a.AccountName == "plat-dev" && (*a.AccountId != "666666666666" || *a.EmailAddress != "aws+plat-dev@acme.example") {
				t.Errorf("plat-dev listed as %s %s", *a.AccountId, *a.EmailAddress)
			}
		}
	}
	want := []string{"core-audit", "core-auto", "core-network", "core-root", "plat-dev", "plat-prod", "plat-sandbox", "plat-staging"}
	if !slices.Equal(names, want) || !slices.Equal(sizes, []int{3, 3, 2}) {
		t.Errorf("pages %v of %v, want 3,3,2 of %v", sizes, names, want)
	}
	_, err := portalClient(s).ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: tok.AccessToken, NextToken: aws.String("bogus")})
	var bad *ssotypes.InvalidRequestException
	if !errors.As(err, &bad) {
		t.Errorf("bogus next token: %v, want InvalidRequestException", err)
	}
	_, dave := deviceLogin(t, s, "dave")
	out, err := portalClient(s).ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: dave.AccessToken})
	if err != nil || len(out.AccountList) != 1 || *out.AccountList[0].AccountName != "core-root" || out.NextToken != nil {
		t.Errorf("dave: %v %+v", err, out)
	}
}

func TestListAccountRoles(t *testing.T) {
	s := newTestSandbox(t, Options{})
	_, tok := deviceLogin(t, s, "alice")
	roles := func(account string) []string {
		out, err := portalClient(s).ListAccountRoles(t.Context(), &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(account)})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range out.RoleList {
			if *r.AccountId != account {
				t.Errorf("role %s in account %s listed for %s", *r.RoleName, *r.AccountId, account)
			}
			names = append(names, *r.RoleName)
		}
		return names
	}
	if got := roles("666666666666"); !slices.Equal(got, []string{"ReadOnlyAccess", "TerraformApplyAccess", "TerraformPlanAccess"}) {
		t.Errorf("plat-dev roles %v", got)
	}
	if got := roles("111111111111"); !slices.Equal(got, []string{"TerraformPlanAccess", "TerraformStateAccess"}) {
		t.Errorf("core-root roles %v", got)
	}
	if got := roles("999999999999"); len(got) != 0 {
		t.Errorf("unknown account roles %v", got)
	}
}

func TestGetRoleCredentials(t *testing.T) {
	clk := newTestClock()
	s := newTestSandbox(t, Options{Now: clk.Now})
	p, ctx := portalClient(s), t.Context()
	_, alice := deviceLogin(t, s, "alice")
	out, err := p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: alice.AccessToken,
		AccountId: aws.String("666666666666"), RoleName: aws.String("TerraformApplyAccess")})
	if err != nil {
		t.Fatal(err)
	}
	rc := out.RoleCredentials
	if !strings.HasPrefix(*rc.AccessKeyId, "ASIA") || *rc.SecretAccessKey == "" || *rc.SessionToken == "" {
		t.Errorf("credentials %+v", rc)
	}
	// TerraformApplyAccess lasts 4 h; expiration is in milliseconds.
	if want := clk.Now().Add(4 * time.Hour).UnixMilli(); rc.Expiration != want {
		t.Errorf("expiration %d, want %d", rc.Expiration, want)
	}
	c, ok := s.lookupCredential(*rc.AccessKeyId)
	if !ok || !strings.HasPrefix(c.ARN, "arn:aws:sts::666666666666:assumed-role/AWSReservedSSO_TerraformApplyAccess_") || !strings.HasSuffix(c.ARN, "/alice") {
		t.Errorf("issued credential %+v", c)
	}
	_, bob := deviceLogin(t, s, "bob")
	_, err = p.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: bob.AccessToken,
		AccountId: aws.String("666666666666"), RoleName: aws.String("AdministratorAccess")})
	if errorCode(err) != "ForbiddenException" {
		t.Errorf("bob as AdministratorAccess: %v, want ForbiddenException", err)
	}
	// Throttling answers TooManyRequestsException (429), as the portal does.
	if err := s.SetFaults(FaultConfig{Operations: map[string]OpFault{"GetRoleCredentials": {Throttle: &Throttle{Rate: 0.001, Burst: 1}}}}); err != nil {
		t.Fatal(err)
	}
	in := &sso.GetRoleCredentialsInput{AccessToken: alice.AccessToken, AccountId: aws.String("666666666666"), RoleName: aws.String("ReadOnlyAccess")}
	if _, err := p.GetRoleCredentials(ctx, in); err != nil {
		t.Fatalf("within the burst: %v", err)
	}
	var throttled *ssotypes.TooManyRequestsException
	if _, err := p.GetRoleCredentials(ctx, in); !errors.As(err, &throttled) {
		t.Errorf("over the rate: %v, want TooManyRequestsException", err)
	}
}

func TestLogout(t *testing.T) {
	clk := newTestClock()
	s := newTestSandbox(t, Options{Now: clk.Now})
	p, ctx := portalClient(s), t.Context()
	reg, tok := deviceLogin(t, s, "carol")
	if _, err := p.Logout(ctx, &sso.LogoutInput{AccessToken: tok.AccessToken}); err != nil {
		t.Fatal(err)
	}
	var unauthorized *ssotypes.UnauthorizedException
	if _, err := p.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken}); !errors.As(err, &unauthorized) {
		t.Errorf("after logout: %v, want UnauthorizedException", err)
	}
	if _, err := p.Logout(ctx, &sso.LogoutInput{AccessToken: tok.AccessToken}); !errors.As(err, &unauthorized) {
		t.Errorf("second logout: %v, want UnauthorizedException", err)
	}
	if _, err := oidcClient(s).CreateToken(ctx, refreshInput(reg.ClientId, reg.ClientSecret, tok.RefreshToken)); errorCode(err) != "InvalidGrantException" {
		t.Errorf("refresh after logout: %v, want InvalidGrantException", err)
	}
	// An expired token reads like an unknown one.
	_, tok = deviceLogin(t, s, "carol")
	clk.Advance(8 * time.Hour)
	if _, err := p.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String("666666666666")}); !errors.As(err, &unauthorized) {
		t.Errorf("expired token: %v, want UnauthorizedException", err)
	}
}

func TestPortalBadRequests(t *testing.T) {
	s := newTestSandbox(t, Options{})
	_, tok := deviceLogin(t, s, "alice")
	for _, tc := range []struct {
		method, target, token string
		status                int
		code                  string
	}{
		{"GET", "/assignment/accounts", "", 401, "UnauthorizedException"},
		{"GET", "/assignment/accounts", "not-a-token", 401, "UnauthorizedException"},
		{"GET", "/assignment/accounts?max_result=0", *tok.AccessToken, 400, "InvalidRequestException"},
		{"GET", "/assignment/accounts?max_result=101", *tok.AccessToken, 400, "InvalidRequestException"},
		{"GET", "/assignment/accounts?max_result=x", *tok.AccessToken, 400, "InvalidRequestException"},
		{"GET", "/assignment/accounts?next_token=" + "cm9sZXMvNjY2NjY2NjY2NjY2OjE", *tok.AccessToken, 400, "InvalidRequestException"},
		{"GET", "/assignment/roles", *tok.AccessToken, 400, "InvalidRequestException"},
		{"GET", "/assignment/roles?account_id=abc", *tok.AccessToken, 400, "InvalidRequestException"},
		{"GET", "/federation/credentials?account_id=666666666666", *tok.AccessToken, 400, "InvalidRequestException"},
		{"GET", "/federation/credentials?account_id=666666666666&role_name=TerraformApplyAccess", "", 401, "UnauthorizedException"},
		{"POST", "/assignment/accounts", *tok.AccessToken, 405, "UnknownOperationException"},
		{"GET", "/logout", *tok.AccessToken, 405, "UnknownOperationException"},
	} {
		req := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.token != "" {
			req.Header["x-amz-sso_bearer_token"] = []string{tc.token} // not canonical, as some clients send it
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var body map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tc.status || body["__type"] != tc.code || body["message"] == "" || rec.Header().Get("x-amzn-ErrorType") != tc.code {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.target, rec.Code, rec.Body, tc.status, tc.code)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/assignment/accounts", nil)
	req.Header["X-AMZ-SSO_BEARER_TOKEN"] = []string{*tok.AccessToken}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("upper-case header: %d %s", rec.Code, rec.Body)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := newTestSandbox(t, Options{StateDir: dir})
	reg, tok := deviceLogin(t, s, "bob")
	s2 := newTestSandbox(t, Options{StateDir: dir})
	if _, err := portalClient(s2).ListAccounts(t.Context(), &sso.ListAccountsInput{AccessToken: tok.AccessToken}); err != nil {
		t.Errorf("token after restart: %v", err)
	}
	if _, err := oidcClient(s2).CreateToken(t.Context(), refreshInput(reg.ClientId, reg.ClientSecret, tok.RefreshToken)); err != nil {
		t.Errorf("refresh after restart: %v", err)
	}
}

func TestConcurrentPortalCalls(t *testing.T) {
	s := newTestSandbox(t, Options{AutoApprove: "alice"})
	_, tok := deviceLogin(t, s, "")
	p := portalClient(s)
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			var err error
			if i%2 == 0 {
				_, err = p.GetRoleCredentials(t.Context(), &sso.GetRoleCredentialsInput{AccessToken: tok.AccessToken,
					AccountId: aws.String("666666666666"), RoleName: aws.String("ReadOnlyAccess")})
			} else {
				_, err = oidcClient(s).RegisterClient(t.Context(), &ssooidc.RegisterClientInput{ClientName: aws.String("c"), ClientType: aws.String("public")})
			}
			errs <- err
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
