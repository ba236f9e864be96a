// Command sesame is the AWS organization identity CLI.
package main

import (
	"os"

	"github.com/sesame-cli/sesame/internal/app"
	"github.com/sesame-cli/sesame/internal/prelude"
)

func main() {
	prelude.Restore()
	os.Exit(app.Main())
}
