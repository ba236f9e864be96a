// Package schemagen generates the JSON Schema of the configuration from
// its Go types. It is not part of the sesame binary: the generated files
// are committed under schema/ and embedded from there (package schema), so
// the reflection library and its YAML dependency cost nothing at start-up.
// TestSchemaFilesUpToDate keeps the committed files in step with the code.
package schemagen

import (
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"

	"github.com/sesame-cli/sesame/internal/config"
	"github.com/sesame-cli/sesame/schema"
)

// Generate returns the JSON Schema of a configuration file (profile=false)
// or of a profile file under profiles/ (profile=true), for editors through
// yaml-language-server.
func Generate(profile bool) ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		AllowAdditionalProperties:  false,
		Mapper:                     scalarSchema,
	}
	var s *jsonschema.Schema
	if profile {
		s = r.Reflect(&config.Profile{})
		s.Title = "sesame profile"
		s.Description = "One profile of a sesame configuration (profiles/<name>.yaml)."
	} else {
		s = r.Reflect(&config.File{})
		s.Title = "sesame configuration"
		s.Description = "A sesame configuration file; a directory of them merges by top-level key."
	}
	s.ID = jsonschema.ID(schema.ConfigID)
	if profile {
		s.ID = schema.ProfileID
	}
	oneOfShapes(s.Definitions)
	return json.MarshalIndent(s, "", "  ")
}

// scalarSchema describes the types that read themselves from YAML.
func scalarSchema(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[config.AccountID]():
		return &jsonschema.Schema{Type: "string", Pattern: `^\d{12}$`,
			Description: "12-digit account id, quoted so leading zeros survive"}
	case reflect.TypeFor[config.Duration]():
		return &jsonschema.Schema{Type: "string", Pattern: `^(P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?|(\d+(\.\d+)?(h|m|s|ms))+)$`,
			Description: "duration: 4h, 90m, 1h30m or ISO-8601 PT4H"}
	case reflect.TypeFor[config.StringList]():
		return &jsonschema.Schema{OneOf: []*jsonschema.Schema{
			{Type: "string"},
			{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
		}}
	}
	return nil
}

// oneOfShapes widens the definitions of types that accept a shorthand:
// accounts selectors (all, a list of names, or a mapping) and via (a name
// or a mapping).
func oneOfShapes(defs jsonschema.Definitions) {
	if sel, ok := defs["Selector"]; ok {
		obj := *sel
		*sel = jsonschema.Schema{
			Description: "all, a list of account names (globs allowed), or a selector mapping",
			OneOf: []*jsonschema.Schema{
				{Type: "string", Enum: []any{"all", "*"}},
				{Type: "string", Description: "one account name or glob"},
				{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
				&obj,
			},
		}
	}
	if via, ok := defs["Via"]; ok {
		obj := *via
		*via = jsonschema.Schema{
			Description: "an identity or provider name, or {identity: NAME} / {provider: NAME}",
			OneOf:       []*jsonschema.Schema{{Type: "string"}, &obj},
		}
	}
}
