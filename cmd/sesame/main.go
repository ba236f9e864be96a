// Command sesame is the AWS organization identity and authentication CLI.
// Everything lives in internal/app; this file only hands over the exit code.
package main

import (
	"os"

	"github.com/sesame-cli/sesame/internal/app"
)

func main() { os.Exit(app.Main()) }
