package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The AWS CLI v2 2.9.19 ignores AWS_ENDPOINT_URL and endpoint_url, and
// --endpoint-url does not reach `aws sso login` or the credential
// providers. What does redirect every call is AWS_DATA_PATH with one
// endpoint-rule-set-1.json per service and API version
// (as the CLI's own loader reads them). Each
// rule set returns SDK::Endpoint when set, so --endpoint-url still works,
// and the fixed URL otherwise. Only rule sets are overridden; service-2.json
// models still load from the package.

// botocoreDataRoots are where Debian's awscli keeps its models: its
// vendored botocore first, then python3-botocore.
var botocoreDataRoots = []string{
	"/usr/lib/python3/dist-packages/awscli/botocore/data",
	"/usr/lib/python3/dist-packages/botocore/data",
}

// writeDataPath writes <dir>/<service>/<api-version>/endpoint-rule-set-1.json
// for each service → URL. A service with no model under roots is an error:
// the redirect would silently not happen.
func writeDataPath(dir string, roots []string, services map[string]string) error {
	for svc, url := range services {
		var versions []string
		for _, root := range roots {
			models, _ := filepath.Glob(filepath.Join(root, svc, "*", "service-2.json*"))
			for _, m := range models {
				versions = append(versions, filepath.Base(filepath.Dir(m)))
			}
		}
		slices.Sort(versions)
		versions = slices.Compact(versions)
		if len(versions) == 0 {
			return fmt.Errorf("no %s model under %s", svc, strings.Join(roots, ", "))
		}
		rs, err := json.Marshal(ruleSet(url))
		if err != nil {
			return err
		}
		for _, v := range versions {
			d := filepath.Join(dir, svc, v)
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(d, "endpoint-rule-set-1.json"), rs, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func ruleSet(url string) map[string]any {
	endpoint := func(u any) map[string]any {
		return map[string]any{"url": u, "properties": map[string]any{}, "headers": map[string]any{}}
	}
	param := func(builtIn string) map[string]any {
		return map[string]any{"builtIn": builtIn, "required": false, "documentation": "", "type": "String"}
	}
	return map[string]any{
		"version":    "1.0",
		"parameters": map[string]any{"Region": param("AWS::Region"), "Endpoint": param("SDK::Endpoint")},
		"rules": []any{
			map[string]any{
				"conditions": []any{map[string]any{"fn": "isSet", "argv": []any{map[string]any{"ref": "Endpoint"}}}},
				"endpoint":   endpoint(map[string]any{"ref": "Endpoint"}),
				"type":       "endpoint",
			},
			map[string]any{"conditions": []any{}, "endpoint": endpoint(url), "type": "endpoint"},
		},
	}
}
