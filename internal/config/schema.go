package config

import (
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"
)

// SchemaID is where editors find the schema when it is published.
const SchemaID = "https://sesame.dev/schema/sesame.schema.json"

// Schema returns the JSON Schema of a configuration file (profile=false)
// or of a profile file under profiles/ (profile=true), for editors through
// yaml-language-server.
func Schema(profile bool) ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		AllowAdditionalProperties:  false,
		Mapper:                     scalarSchema,
	}
	var s *jsonschema.Schema
	if profile {
		s = r.Reflect(&Profile{})
		s.Title = "sesame profile"
		s.Description = "One profile of a sesame configuration (profiles/<name>.yaml)."
	} else {
		s = r.Reflect(&File{})
		s.Title = "sesame configuration"
		s.Description = "A sesame configuration file; a directory of them merges by top-level key."
	}
	s.ID = jsonschema.ID(SchemaID)
	if profile {
		s.ID = "https://sesame.dev/schema/sesame-profile.schema.json"
	}
	oneOfShapes(s.Definitions)
	return json.MarshalIndent(s, "", "  ")
}

// scalarSchema describes the types that read themselves from YAML.
func scalarSchema(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[AccountID]():
		return &jsonschema.Schema{Type: "string", Pattern: `^\d{12}$`,
			Description: "12-digit account id, quoted so leading zeros survive"}
	case reflect.TypeFor[Duration]():
		return &jsonschema.Schema{Type: "string", Pattern: `^(P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?|(\d+(\.\d+)?(h|m|s|ms))+)$`,
			Description: "duration: 4h, 90m, 1h30m or ISO-8601 PT4H"}
	case reflect.TypeFor[StringList]():
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
