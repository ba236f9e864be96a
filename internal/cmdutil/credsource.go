package cmdutil

import (
	"context"
	"fmt"

	"github.com/sesame-cli/sesame/internal/credserver"
	"github.com/sesame-cli/sesame/internal/org"
)

// CredentialSource is what a credential endpoint serves from this
// session: def at "/", and, when all is set, every identity of the
// profile by name. Each request goes through the resolver, which answers
// from the cache and renews what is close to expiry.
func (s *Session) CredentialSource(def *org.Identity, all bool) credserver.Source {
	return func(ctx context.Context, name string) (credserver.Credentials, error) {
		id := def
		if name != "" && name != def.Name {
			t, ok := s.Org.Identity(name)
			if !all || !ok {
				return credserver.Credentials{}, fmt.Errorf("%w %q: this endpoint serves %s", credserver.ErrUnknownIdentity, name, s.served(def, all))
			}
			id = t
		}
		c, err := s.Retrieve(ctx, id)
		if err != nil {
			return credserver.Credentials{}, err
		}
		return credserver.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
			SessionToken: c.SessionToken, Expiration: c.Expiration, AccountID: c.AccountID}, nil
	}
}

func (s *Session) served(def *org.Identity, all bool) string {
	if all {
		return "the identities of the profile"
	}
	return def.Name
}
