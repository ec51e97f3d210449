package console

import (
	"html/template"
	"net/url"
	"path"
	"strings"
)

// cliCommand is an equivalent AWS CLI command shown with a copy button.
type cliCommand struct {
	ID, Label, Text string
	// Endpoint and Region, when set, let the script rebuild a
	// start-execution command from the start form as it changes.
	Endpoint, Region string
}

// aws writes an `aws stepfunctions` command aimed at this server, one
// option per line.
func (h *Handler) aws(base, op string, args ...string) string {
	var b strings.Builder
	b.WriteString("aws stepfunctions " + op + " \\\n  --endpoint-url " + shellQuote(base) + " --region " + shellQuote(h.opts.Region))
	for i := 0; i < len(args); i += 2 {
		b.WriteString(" \\\n  " + args[i])
		if i+1 < len(args) {
			b.WriteString(" " + shellQuote(args[i+1]))
		}
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:=@%+,", c))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// execRows is what the exec-rows template receives.
type execRows struct {
	Prefix string
	Rows   []ExecutionSummary
}

// queryValue escapes s as a URL query value. It is typed as a URL so that
// html/template, which escapes the values it writes into a URL's query,
// keeps the escapes instead of escaping their "%" again (an ARN in
// href="…?arn={{q .Arn}}" would otherwise arrive as "arn%3Aaws%3A…").
func queryValue(s string) template.URL {
	return template.URL(url.QueryEscape(s))
}

// funcs are the template helpers.
var funcs = template.FuncMap{
	"time":       fmtTime,
	"duration":   fmtDuration,
	"offset":     fmtOffset,
	"q":          queryValue,
	"statusWord": func(s StateStatus) string { return statusWords(s) },
	"badge": func(status string) string {
		return "badge s-" + strings.ToLower(strings.ReplaceAll(status, "_", "-"))
	},
	"shortArn": shortArn,
	"join":     strings.Join,
	"short": func(s string, n int) string {
		return truncate(s, n)
	},
	"json": indentJSON,
	"rows": func(prefix string, e []ExecutionSummary) execRows { return execRows{prefix, e} },
	"iterations": func(r *Run) bool {
		return r != nil && r.Iterations.Started > 0
	},
}

// pageNames are the page templates under templates/ (besides the layout and
// partials).
var pageNames = []string{"home", "statemachines", "statemachine", "executions", "execution", "start",
	"outbox", "queues", "queue", "schedules", "functions", "function", "approvals", "error", "maprun"}

// parseTemplates builds one template set per page: the layout, the shared
// partials and the page.
func parseTemplates() map[string]*template.Template {
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.tmpl", "templates/partials.tmpl"))
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t := template.Must(base.Clone())
		pages[name] = template.Must(t.ParseFS(templateFS, path.Join("templates", name+".tmpl")))
	}
	return pages
}
