package sandbox

import (
	"slices"
	"sort"
	"strings"

	"github.com/sesame-cli/sesame/internal/org"
)

// The sandbox models the IAM OIDC providers (iam:CreateOpenIDConnectProvider)
// of each account, as AssumeRoleWithWebIdentity needs them: the token's
// issuer must have a provider in the role's account and the token's
// audience must be one of that provider's client IDs. The organization
// declares no providers directly; its machine roles imply them. A role
// instance with GitHub trust implies the provider
// token.actions.githubusercontent.com in its account, with the audiences
// of its GitHub entries (default sts.amazonaws.com) as client IDs; a
// generic OIDC entry implies a provider for its issuer with its audiences.
// Roles of one account share the provider and add up its client IDs, as
// one IAM provider per issuer and account serves every role there.

// oidcProviders maps account ID → provider name (the issuer without
// https://, the name in the provider ARN) → client IDs, sorted and unique.
type oidcProviders map[string]map[string][]string

// newOIDCProviders derives the providers from the machine roles.
func newOIDCProviders(roles []*org.MachineRole) oidcProviders {
	p := oidcProviders{}
	add := func(accountID, host string, clientIDs ...string) {
		if p[accountID] == nil {
			p[accountID] = map[string][]string{}
		}
		ids := p[accountID][host]
		for _, id := range clientIDs {
			if id != "" && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		p[accountID][host] = ids
	}
	for _, mr := range roles {
		for _, in := range mr.Instances {
			for _, g := range mr.Trust.GitHub {
				aud := g.Audience
				if aud == "" {
					aud = org.DefaultAudience
				}
				add(in.AccountID, org.GitHubIssuer, aud)
			}
			for _, o := range mr.Trust.OIDC {
				// The same name the rendered trust policy's Federated principal uses.
				add(in.AccountID, providerName(o.Issuer), o.Audiences...)
			}
		}
	}
	return p
}

// providerName is the IAM OIDC provider name of an issuer URL: the URL
// without https:// and a trailing slash.
func providerName(issuer string) string {
	return strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/")
}

// lookup returns the client IDs of the provider host in accountID.
func (p oidcProviders) lookup(accountID, host string) ([]string, bool) {
	ids, ok := p[accountID][host]
	return ids, ok
}

// OIDCProvider is an IAM OIDC provider of an account, as /_sandbox/info
// lists it.
type OIDCProvider struct {
	ARN       string   `json:"arn"`        // arn:<partition>:iam::<account>:oidc-provider/<host>
	URL       string   `json:"url"`        // https://<host>, the iss tokens must carry
	ClientIDs []string `json:"client_ids"` // the audiences tokens may carry
}

// OIDCProviders returns the IAM OIDC providers by account ID, each
// account's sorted by URL.
func (s *Sandbox) OIDCProviders() map[string][]OIDCProvider {
	out := map[string][]OIDCProvider{}
	for acct, hosts := range s.seed.oidcProviders {
		list := make([]OIDCProvider, 0, len(hosts))
		for host, ids := range hosts {
			list = append(list, OIDCProvider{ARN: "arn:" + s.seed.partition + ":iam::" + acct + ":oidc-provider/" + host,
				URL: "https://" + host, ClientIDs: append([]string{}, ids...)})
		}
		sort.Slice(list, func(i, j int) bool { return list[i].URL < list[j].URL })
		out[acct] = list
	}
	return out
}
