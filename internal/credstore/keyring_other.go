//go:build !linux

package credstore

// backendHint has nothing to add outside Linux.
func backendHint(error) string { return "" }
