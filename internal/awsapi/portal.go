package awsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"
)

// bearerHeader carries the Identity Center access token to the portal.
const bearerHeader = "x-amz-sso_bearer_token"

// RoleCredentials are a permission set's temporary credentials.
type RoleCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	Expiration      int64  `json:"expiration"` // epoch milliseconds
}

// Expires is when the credentials stop working.
func (r *RoleCredentials) Expires() time.Time { return time.UnixMilli(r.Expiration).UTC() }

// GetRoleCredentials calls the SSO portal's GetRoleCredentials for a
// permission set (roleName) in an account.
func (c *Client) GetRoleCredentials(ctx context.Context, token, accountID, roleName string) (*RoleCredentials, error) {
	q := url.Values{"account_id": {accountID}, "role_name": {roleName}}
	var out struct {
		RoleCredentials *RoleCredentials `json:"roleCredentials"`
	}
	if err := c.portal(ctx, "GetRoleCredentials", "GET", "/federation/credentials?"+q.Encode(), token, &out); err != nil {
		return nil, err
	}
	rc := out.RoleCredentials
	if rc == nil || rc.AccessKeyID == "" || rc.SecretAccessKey == "" {
		return nil, fmt.Errorf("GetRoleCredentials: the answer has no credentials")
	}
	return rc, nil
}

// Account is one account the signed-in user can reach.
type Account struct {
	AccountID    string `json:"accountId"`
	AccountName  string `json:"accountName"`
	EmailAddress string `json:"emailAddress"`
}

// ListAccounts calls the portal's ListAccounts, following every page.
func (c *Client) ListAccounts(ctx context.Context, token string) ([]Account, error) {
	var all []Account
	next := ""
	for {
		q := url.Values{"max_result": {"100"}}
		if next != "" {
			q.Set("next_token", next)
		}
		var out struct {
			NextToken   string    `json:"nextToken"`
			AccountList []Account `json:"accountList"`
		}
		if err := c.portal(ctx, "ListAccounts", "GET", "/assignment/accounts?"+q.Encode(), token, &out); err != nil {
			return nil, err
		}
		all = append(all, out.AccountList...)
		if out.NextToken == "" || out.NextToken == next {
			return all, nil
		}
		next = out.NextToken
	}
}

// AccountRole is one permission set the user has in an account.
type AccountRole struct {
	RoleName  string `json:"roleName"`
	AccountID string `json:"accountId"`
}

// ListAccountRoles calls the portal's ListAccountRoles for one account,
// following every page.
func (c *Client) ListAccountRoles(ctx context.Context, token, accountID string) ([]AccountRole, error) {
	var all []AccountRole
	next := ""
	for {
		q := url.Values{"account_id": {accountID}, "max_result": {"100"}}
		if next != "" {
			q.Set("next_token", next)
		}
		var out struct {
			NextToken string        `json:"nextToken"`
			RoleList  []AccountRole `json:"roleList"`
		}
		if err := c.portal(ctx, "ListAccountRoles", "GET", "/assignment/roles?"+q.Encode(), token, &out); err != nil {
			return nil, err
		}
		all = append(all, out.RoleList...)
		if out.NextToken == "" || out.NextToken == next {
			return all, nil
		}
		next = out.NextToken
	}
}

// Logout ends the portal session of token (and the tokens derived from it).
func (c *Client) Logout(ctx context.Context, token string) error {
	return c.portal(ctx, "Logout", "POST", "/logout", token, nil)
}

func (c *Client) portal(ctx context.Context, op, method, path, token string, out any) error {
	resp, err := c.do(ctx, &request{service: Portal, operation: op, method: method, path: path,
		header: map[string]string{bearerHeader: token}, parseErr: restJSONError})
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("%s: malformed answer: %w", op, err)
	}
	return nil
}
