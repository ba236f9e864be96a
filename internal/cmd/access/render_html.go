package access

import (
	"fmt"
	"html/template"
	"io"
	"sync"

	acc "github.com/sesame-cli/sesame/internal/access"
)

// htmlAccess is one access in an HTML cell.
type htmlAccess struct {
	Label string
	Class string
	Title string
}

type htmlRow struct {
	Principal string
	Cells     [][]htmlAccess
}

type htmlLine struct {
	Principal, Access, Level, Summary string
	Accounts                          []string
}

var matrixHTML = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("matrix").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sesame access matrix</title>
<style>
body { font: 13px system-ui, sans-serif; margin: 1em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; white-space: nowrap; }
thead th { position: sticky; top: 0; background: #f2f2f2; }
th.principal { text-align: left; position: sticky; left: 0; background: #fafafa; }
.role { font-style: italic; color: #444; }
.level-admin, .level-write, .level-root { font-weight: 600; }
</style>
</head>
<body>
<h1>Access matrix</h1>
<p>{{.Summary}} Machine roles are in italics; hover over an entry for its level and where it is granted.</p>
{{- if .Grid}}
<table>
<thead><tr><th>Principal</th>{{range .Accounts}}<th title="{{.ID}}">{{.Name}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr><th class="principal" scope="row">{{.Principal}}</th>{{range .Cells}}<td>{{range .}}<div class="{{.Class}}" title="{{.Title}}">{{.Label}}</div>{{end}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- else}}
<table>
<thead><tr><th>Principal</th><th>Access</th><th>Level</th><th>Accounts</th></tr></thead>
<tbody>
{{- range .Lines}}
<tr><th class="principal" scope="row">{{.Principal}}</th><td>{{.Access}}</td><td>{{.Level}}</td><td><details><summary>{{.Summary}}</summary>{{range $i, $a := .Accounts}}{{if $i}}, {{end}}{{$a}}{{end}}</details></td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
</body>
</html>
`))
})

func writeMatrixHTML(w io.Writer, m *acc.Matrix, grid bool) error {
	data := struct {
		Summary  string
		Grid     bool
		Accounts []acc.Account
		Rows     []htmlRow
		Lines    []htmlLine
	}{
		Summary:  fmt.Sprintf("%s, %s, %s.", plural(len(m.Principals), "principal"), plural(len(m.Accounts), "account"), plural(len(m.Grants), "grant")),
		Grid:     grid,
		Accounts: m.Accounts,
	}
	if grid {
		for _, r := range m.Rows() {
			hr := htmlRow{Principal: r.Principal, Cells: make([][]htmlAccess, len(r.Cells))}
			for i, cell := range r.Cells {
				hr.Cells[i] = htmlCell(cell)
			}
			data.Rows = append(data.Rows, hr)
		}
	} else {
		for _, l := range m.Lines() {
			data.Lines = append(data.Lines, htmlLine{Principal: l.Principal, Access: lineAccess(l), Level: l.AccessLevel,
				Summary: accountSummary(l.Accounts, m.Accounts), Accounts: l.Accounts})
		}
	}
	return matrixHTML().Execute(w, data)
}

// htmlCell lists a cell's access once each: a role reached through two
// permission sets is one entry whose title names both.
func htmlCell(cell []acc.Grant) []htmlAccess {
	var out []htmlAccess
	idx := map[string]int{}
	for _, g := range cell {
		k := g.AccessType + "\x00" + g.Access
		via := ""
		if g.Via != "" {
			via = "via " + g.Via + " (" + g.Source.String() + ")"
		}
		if i, ok := idx[k]; ok {
			out[i].Title += "; " + via
			continue
		}
		idx[k] = len(out)
		a := htmlAccess{Label: g.Access, Class: "set level-" + g.AccessLevel,
			Title: "permission set, " + g.AccessLevel + ", " + g.Source.String()}
		if g.AccessType == acc.AccessRole {
			a.Class = "role level-" + g.AccessLevel
			a.Title = "machine role, " + g.AccessLevel + ", " + g.RoleARN
			if via != "" {
				a.Title += ", " + via
			}
		}
		out = append(out, a)
	}
	return out
}
