package cmdutil

// Exit codes of the sesame process. They are part of the CLI contract that
// scripts rely on; docs/exit-codes.md lists them with their meaning, and
// the two must change together.
const (
	ExitOK              = 0   // success
	ExitFailure         = 1   // generic error, invalid configuration
	ExitUsage           = 2   // bad flags, arguments or unknown command
	ExitConfigNotFound  = 3   // no configuration file was found
	ExitAuthRequired    = 4   // not signed in, or the session expired
	ExitAccessDenied    = 5   // AWS denied the request
	ExitCredStoreFailed = 6   // the credential store is unavailable
	ExitInterrupted     = 130 // SIGINT or SIGTERM (128 + SIGINT)
)
