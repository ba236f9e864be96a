// Package schema holds the JSON Schemas of sesame's configuration files,
// for editors (yaml-language-server) and `sesame config schema`. The files
// are generated from the Go types by internal/config/schemagen and
// committed; a test fails when they fall behind the code.
package schema

import _ "embed"

// Where editors find the schemas once published.
const (
	ConfigID  = "https://sesame.dev/schema/sesame.schema.json"
	ProfileID = "https://sesame.dev/schema/sesame-profile.schema.json"
)

//go:embed sesame.schema.json
var config []byte

//go:embed sesame-profile.schema.json
var profile []byte

// Config returns the schema of a configuration file.
func Config() []byte { return config }

// Profile returns the schema of a profile file under profiles/.
func Profile() []byte { return profile }
