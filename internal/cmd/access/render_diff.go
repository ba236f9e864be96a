package access

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	acc "github.com/sesame-cli/sesame/internal/access"
)

// markdownRows caps each section of the Markdown report: a pull-request
// comment has a size limit, and a reviewer reads a summary.
const markdownRows = 100

func writeDiffTable(w io.Writer, d *acc.Diff) error {
	if len(d.Added)+len(d.Removed)+len(d.Changed) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, " \tPRINCIPAL\tACCOUNT\tACCESS\tLEVEL\tSOURCE")
		row := func(mark string, g acc.Grant, level string) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", mark, g.Key(), g.Account, g.AccessLabel(), level, g.Source)
		}
		for _, g := range d.Added {
			row("+", g, dash(g.AccessLevel))
		}
		for _, g := range d.Removed {
			row("-", g, dash(g.AccessLevel))
		}
		for _, c := range d.Changed {
			row("~", c.Grant, dash(c.From)+" -> "+dash(c.To))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(d.Modified) > 0 {
		if len(d.Added)+len(d.Removed)+len(d.Changed) > 0 {
			fmt.Fprintln(w)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CHANGED DEFINITION\tWHAT CHANGED\tGRANTS")
		for _, m := range d.Modified {
			fmt.Fprintf(tw, "%s\t%s\t%d\n", definition(m), strings.Join(m.Changes, ", "), m.Grants)
		}
		return tw.Flush()
	}
	return nil
}

func definition(m acc.Definition) string {
	if m.Kind == acc.AccessRole {
		return "machine role " + m.Name
	}
	return "permission set " + m.Name
}

func writeDiffMarkdown(w io.Writer, d *acc.Diff, base, head string) error {
	var b strings.Builder
	b.WriteString("### sesame access diff\n\n")
	fmt.Fprintf(&b, "Base %s, head %s: **%s**.\n", mdCode(base), mdCode(head), diffSummary(d))
	grants := func(title string, gs []acc.Grant) {
		if len(gs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n#### %s (%d)\n\n| Principal | Account | Access | Level | Source |\n| --- | --- | --- | --- | --- |\n", title, len(gs))
		for i, g := range gs {
			if i == markdownRows {
				fmt.Fprintf(&b, "\n…and %d more; run `sesame access diff` for all of them.\n", len(gs)-markdownRows)
				break
			}
			fmt.Fprintf(&b, "| %s | %s (%s) | %s | %s | %s |\n", mdCode(g.Key()), mdCode(g.Account), g.AccountID,
				mdCode(g.AccessLabel()), mdText(g.AccessLevel), mdCode(g.Source.String()))
		}
	}
	grants("Granted", d.Added)
	grants("Revoked", d.Removed)
	if len(d.Changed) > 0 {
		fmt.Fprintf(&b, "\n#### Access level changed (%d)\n\n| Principal | Account | Access | From | To | Source |\n| --- | --- | --- | --- | --- | --- |\n", len(d.Changed))
		for i, c := range d.Changed {
			if i == markdownRows {
				fmt.Fprintf(&b, "\n…and %d more; run `sesame access diff` for all of them.\n", len(d.Changed)-markdownRows)
				break
			}
			fmt.Fprintf(&b, "| %s | %s (%s) | %s | %s | %s | %s |\n", mdCode(c.Key()), mdCode(c.Account), c.AccountID,
				mdCode(c.AccessLabel()), mdText(c.From), mdText(c.To), mdCode(c.Source.String()))
		}
	}
	if len(d.Modified) > 0 {
		fmt.Fprintf(&b, "\n#### Definitions changed (%d)\n\nEvery holder's access changes with these.\n\n| Definition | What changed | Grants |\n| --- | --- | --- |\n", len(d.Modified))
		for _, m := range d.Modified {
			kind := "permission set"
			if m.Kind == acc.AccessRole {
				kind = "machine role"
			}
			fmt.Fprintf(&b, "| %s %s | %s | %d |\n", kind, mdCode(m.Name), mdText(strings.Join(m.Changes, ", ")), m.Grants)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
