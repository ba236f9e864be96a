// Package e2e runs the sesame binary as many real processes against a
// local sandbox (`sesame sandbox` subprocess, alice auto-approved) and
// checks what only whole processes can show: N processes that need the
// same identity make one upstream call, an expired session starts one
// sign-in, shortened lifetimes drive the refresh paths, and SIGKILL at
// any moment never leaves a corrupt cache.
//
// The tests need nothing outside the repository: TestMain builds sesame
// once (without -race) into a temporary directory and every test starts
// its own sandbox, cache directory and encrypted file store. They run in
// plain `go test ./...`; they are Linux-only (flock, the kernel keyring
// the file store parks its key in, Pdeathsig).
package e2e
