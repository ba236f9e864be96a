package access

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	acc "github.com/sesame-cli/sesame/internal/access"
)

// legendEntry is one access of a matrix with its cell code.
type legendEntry struct {
	Code       string
	AccessType string
	Access     string
	Level      string
	Via        []string // roles: the permission sets they are chained from here
}

// Type is the access type in words.
func (l legendEntry) Type() string {
	if l.AccessType == acc.AccessRole {
		return "machine role"
	}
	return "permission set"
}

// legend gives every access in m a short code: the initials of a
// permission set's words without a trailing "Access" in upper case
// (TerraformApplyAccess: TA), of a role's in lower case (terraform: t),
// numbered when two would clash. Permission sets come first, by name.
func legend(m *acc.Matrix) ([]legendEntry, map[string]string) {
	byKey := map[string]*legendEntry{}
	var entries []*legendEntry
	for _, g := range m.Grants {
		k := g.AccessType + "\x00" + g.Access
		e := byKey[k]
		if e == nil {
			e = &legendEntry{AccessType: g.AccessType, Access: g.Access, Level: g.AccessLevel}
			byKey[k] = e
			entries = append(entries, e)
		}
		if g.Via != "" && !contains(e.Via, g.Via) {
			e.Via = append(e.Via, g.Via)
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.AccessType != b.AccessType {
			return a.AccessType == acc.AccessPermissionSet
		}
		return a.Access < b.Access
	})
	used := map[string]bool{}
	codes := map[string]string{}
	out := make([]legendEntry, len(entries))
	for i, e := range entries {
		base := abbreviate(e.Access, e.AccessType == acc.AccessRole)
		code := base
		for n := 2; used[code]; n++ {
			code = fmt.Sprintf("%s%d", base, n)
		}
		used[code] = true
		e.Code = code
		sort.Strings(e.Via)
		codes[e.AccessType+"\x00"+e.Access] = code
		out[i] = *e
	}
	return out, codes
}

func abbreviate(name string, lower bool) string {
	words := splitWords(name)
	if len(words) > 1 && strings.EqualFold(words[len(words)-1], "access") {
		words = words[:len(words)-1]
	}
	var b strings.Builder
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if lower {
			r = unicode.ToLower(r)
		} else {
			r = unicode.ToUpper(r)
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "?"
	}
	return b.String()
}

// splitWords splits a name at punctuation and at case changes:
// "AWSAdministratorAccess" is AWS, Administrator, Access.
func splitWords(s string) []string {
	var words []string
	var cur []rune
	rs := []rune(s)
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = nil
		}
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

// cellCodes lists the codes of a cell's grants once each, in legend order.
func cellCodes(cell []acc.Grant, codes map[string]string, order map[string]int) []string {
	var out []string
	for _, g := range cell {
		c := codes[g.AccessType+"\x00"+g.Access]
		if !contains(out, c) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i]] < order[out[j]] })
	return out
}

func legendOrder(l []legendEntry) map[string]int {
	order := make(map[string]int, len(l))
	for i, e := range l {
		order[e.Code] = i
	}
	return order
}

func writeMatrixTable(w io.Writer, m *acc.Matrix, grid bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if !grid {
		fmt.Fprintln(tw, "PRINCIPAL\tACCESS\tLEVEL\tACCOUNTS")
		for _, l := range m.Lines() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Principal, lineAccess(l), dash(l.AccessLevel), accountSummary(l.Accounts, m.Accounts))
		}
		return tw.Flush()
	}
	entries, codes := legend(m)
	order := legendOrder(entries)
	fmt.Fprint(tw, "PRINCIPAL")
	for _, a := range m.Accounts {
		fmt.Fprint(tw, "\t"+a.Name)
	}
	fmt.Fprintln(tw)
	for _, r := range m.Rows() {
		fmt.Fprint(tw, r.Principal)
		for _, cell := range r.Cells {
			c := strings.Join(cellCodes(cell, codes, order), " ")
			if c == "" {
				c = "."
			}
			fmt.Fprint(tw, "\t"+c)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tACCESS\tTYPE\tLEVEL\tVIA")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Code, e.Access, e.Type(), dash(e.Level), dash(strings.Join(e.Via, ", ")))
	}
	return tw.Flush()
}

func lineAccess(l acc.Line) string {
	return acc.Grant{AccessType: l.AccessType, Access: l.Access, Via: l.Via}.AccessLabel()
}

// accountSummary describes the accounts a line reaches among all the
// matrix's accounts: "all 8", "7 of 8: all but core-root",
// "plat-dev, plat-sandbox", "40 of 2000: a, b, c and 37 more".
func accountSummary(reached []string, all []acc.Account) string {
	n, total := len(reached), len(all)
	switch {
	case n == total:
		return fmt.Sprintf("all %d", total)
	case total-n <= 3 && n > total/2:
		in := map[string]bool{}
		for _, a := range reached {
			in[a] = true
		}
		var missing []string
		for _, a := range all {
			if !in[a.Name] {
				missing = append(missing, a.Name)
			}
		}
		return fmt.Sprintf("%d of %d: all but %s", n, total, strings.Join(missing, ", "))
	case n <= 4:
		return strings.Join(reached, ", ")
	}
	return fmt.Sprintf("%d of %d: %s and %d more", n, total, strings.Join(reached[:3], ", "), n-3)
}

// csvHeader is the long form of the matrix, one row per grant.
var csvHeader = []string{"principal_type", "principal", "account", "account_id", "access_type", "access", "access_level", "via", "source"}

func writeMatrixCSV(w io.Writer, m *acc.Matrix) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, g := range m.Grants {
		row := []string{g.PrincipalType, g.Principal, g.Account, g.AccountID, g.AccessType, g.Access,
			g.AccessLevel, g.Via, g.Source.String()}
		for i := range row {
			row[i] = csvCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvCell keeps a value from running as a formula when the file is
// opened in a spreadsheet: names come from the configuration, and an
// OIDC subject or a group name may start with = + - or @.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func writeMatrixMarkdown(w io.Writer, m *acc.Matrix, grid bool) error {
	var b strings.Builder
	if !grid {
		b.WriteString("| Principal | Access | Level | Accounts |\n| --- | --- | --- | --- |\n")
		for _, l := range m.Lines() {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdCode(l.Principal), mdText(lineAccess(l)), mdText(l.AccessLevel), mdText(accountSummary(l.Accounts, m.Accounts)))
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	entries, codes := legend(m)
	order := legendOrder(entries)
	b.WriteString("| Principal |")
	sep := "| --- |"
	for _, a := range m.Accounts {
		b.WriteString(" " + mdText(a.Name) + " |")
		sep += " :-: |"
	}
	b.WriteString("\n" + sep + "\n")
	for _, r := range m.Rows() {
		b.WriteString("| " + mdCode(r.Principal) + " |")
		for _, cell := range r.Cells {
			b.WriteString(" " + mdText(strings.Join(cellCodes(cell, codes, order), " ")) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n| Code | Access | Type | Level | Via |\n| --- | --- | --- | --- | --- |\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCode(e.Code), mdCode(e.Access), e.Type(), mdText(e.Level), mdText(strings.Join(e.Via, ", ")))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdText escapes text for a Markdown table cell.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '|', '*', '_', '`', '[', ']', '<', '>', '#', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode is s as a code span in a table cell: pipes still need escaping
// there, and a backtick cannot appear inside single backticks.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "\r", " ").Replace(s)
	return "`" + s + "`"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
