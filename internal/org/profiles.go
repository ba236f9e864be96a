package org

import (
	"sort"
	"strings"
	"time"

	"github.com/sesame-cli/sesame/internal/config"
)

// DefaultRefreshBefore is how long before expiry role credentials are
// renewed unless a profile says otherwise.
const DefaultRefreshBefore = 15 * time.Minute

// layer is what the selected profiles produce: merged settings (with where
// each came from) and the providers and identities in effect.
type layer struct {
	profile    Profile
	pos        map[string]config.Pos // setting → where it was set
	providers  map[string]*config.Provider
	identities map[string]*config.Identity
}

// applyProfiles merges the defaults and then each selected profile, left
// to right: settings and include/exclude lists replace; providers and
// identities are added or replaced by name.
func (r *resolver) applyProfiles(names []string) *layer {
	l := &layer{pos: map[string]config.Pos{}, providers: map[string]*config.Provider{}, identities: map[string]*config.Identity{}}
	for k, v := range r.f.Providers {
		l.providers[k] = v
	}
	for k, v := range r.f.Identities {
		l.identities[k] = v
	}
	if d := r.f.Defaults; d != nil {
		r.mergeSettings(l, d, config.PosOf(r.ix, d))
	}
	l.profile.Names = []string{}
	for _, name := range names {
		p, ok := r.f.Profiles[name]
		if !ok {
			r.unknown(config.Pos{File: r.cfg.Root}, "profile", name, sortedKeys(r.f.Profiles))
			continue
		}
		l.profile.Names = append(l.profile.Names, name)
		r.mergeSettings(l, &p.Settings, p.Pos)
		if p.Include != nil {
			l.profile.Include = p.Include
		}
		if p.Exclude != nil {
			l.profile.Exclude = p.Exclude
		}
		for k, v := range p.Providers {
			l.providers[k] = v
		}
		for k, v := range p.Identities {
			l.identities[k] = v
		}
	}
	s := &l.profile
	if s.CredentialStore == "" {
		s.CredentialStore = "keyring"
	}
	if s.Login == "" {
		s.Login = "interactive"
	}
	if s.RefreshBefore == 0 {
		s.RefreshBefore = config.Duration(DefaultRefreshBefore)
	}
	return l
}

func (r *resolver) mergeSettings(l *layer, s *config.Settings, fallback config.Pos) {
	set := func(key string, dst *string, src *string) {
		if *src != "" {
			*dst = *src
			l.pos[key] = posOf(r, src, fallback)
		}
	}
	p := &l.profile
	set("default_identity", &p.DefaultIdentity, &s.DefaultIdentity)
	set("region", &p.Region, &s.Region)
	set("credential_store", &p.CredentialStore, &s.CredentialStore)
	set("login", &p.Login, &s.Login)
	if s.RefreshBefore != 0 {
		p.RefreshBefore = s.RefreshBefore
		l.pos["refresh_before"] = posOf(r, &s.RefreshBefore, fallback)
	}
	switch s.CredentialStore {
	case "", "keyring", "file", "memory":
	default:
		r.errorf(posOf(r, &s.CredentialStore, fallback), "credential_store %q must be keyring, file or memory", s.CredentialStore)
	}
	switch s.Login {
	case "", "interactive", "never":
	default:
		r.errorf(posOf(r, &s.Login, fallback), "login %q must be interactive or never", s.Login)
	}
	r.checkRegion(posOf(r, &s.Region, fallback), "region", s.Region, false)
	if d := s.RefreshBefore.D(); d < 0 || d > 12*time.Hour {
		r.errorf(posOf(r, &s.RefreshBefore, fallback), "refresh_before %s must be between 0 and 12h", s.RefreshBefore)
	}
}

// filterAndDefault applies include/exclude and marks the default identity.
func (r *resolver) filterAndDefault(l *layer) {
	p := &l.profile
	visible := func(name string) bool {
		if len(p.Include) > 0 && !anyGlob(p.Include, name) {
			return false
		}
		return !anyGlob(p.Exclude, name)
	}
	r.org.Identities = nil
	for _, name := range sortedKeys(r.org.identities) {
		id := r.org.identities[name]
		id.Default = false
		if visible(name) {
			r.org.Identities = append(r.org.Identities, id)
		}
	}
	if p.DefaultIdentity != "" {
		pos := l.pos["default_identity"]
		id, ok := r.org.identities[p.DefaultIdentity]
		switch {
		case !ok:
			r.unknown(pos, "identity", p.DefaultIdentity, sortedKeys(r.org.identities))
		case !visible(p.DefaultIdentity):
			r.errorf(pos, "default identity %q is hidden by include/exclude of profile %s", p.DefaultIdentity, strings.Join(p.Names, ","))
		default:
			id.Default = true
		}
	}
	r.org.Profile = &l.profile
	r.org.ProfileNames = sortedKeys(r.f.Profiles)
	sort.Strings(r.org.ProfileNames)
}
