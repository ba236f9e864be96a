// Package sso signs a person in to IAM Identity Center and keeps the
// resulting access token usable.
//
// One sign-in serves every identity under one Identity Center session (a
// start URL and a region). Login runs the authorization-code flow with
// PKCE and a loopback redirect, or the device-code flow where a browser
// cannot reach this machine (SSH, no display, --device-code). A Provider
// hands out the stored token without touching the network while it is
// fresh, renews it with its rotating refresh token when it is not, and
// makes sure that however many sesame processes need a token at once,
// only one of them talks to Identity Center: the others wait on a lock
// named after the session and read what it stored.
//
// The package prints nothing. Progress goes through a Notifier, secrets
// live in a SecretStore and cross-process locks come from a Locker, all
// injected, as are the clock, the browser opener and the environment.
package sso
