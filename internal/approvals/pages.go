package approvals

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// page is what the one page template shows.
type page struct {
	// Heading is the page's title and first heading.
	Heading string
	// Tone colours the heading: "ok", "bad" or "" (neutral).
	Tone string
	// Lead is the first paragraph.
	Lead string
	// Request, when set, describes the approval request.
	Request *pageRequest
	// Forms are the decision buttons (none on result pages).
	Forms []pageForm
	// Note is a closing paragraph.
	Note string
}

type pageRequest struct {
	Title, Details                string
	ExecutionName, ExecutionArn   string
	StateName, Expires, Decision  string
	DecisionLabel, DecisionDetail string
}

type pageForm struct {
	Action    string // the request's id: relative to /approvals/{id}
	Decision  string
	Signature string
	Label     string
	Class     string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{.Heading}} · Stepflow</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:40rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border:1px solid #d8dbe2;border-radius:8px}
h1{font-size:1.5rem;margin:0 0 .75rem}
h1.ok{color:#126b2f}h1.bad{color:#a4161a}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:1rem 0}
dt{font-weight:600;color:#4a5161}dd{margin:0;overflow-wrap:anywhere}
.details{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f8fa;border:1px solid #e3e5ea;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}
code{font-size:.85em;overflow-wrap:anywhere}
form{display:inline-block;margin:.5rem .75rem .5rem 0}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;border-radius:6px;border:2px solid transparent;cursor:pointer;color:#fff}
button.approve{background:#17803a}button.reject{background:#b3261e}
button:focus-visible{outline:3px solid #1f5fd1;outline-offset:2px}
.note{color:#4a5161;font-size:.9rem}
footer{color:#7a8090;font-size:.8rem;text-align:center;margin:1rem}
</style>
</head>
<body>
<main>
<h1{{with .Tone}} class="{{.}}"{{end}}>{{.Heading}}</h1>
{{with .Lead}}<p>{{.}}</p>{{end}}
{{with .Request}}
<h2>{{.Title}}</h2>
{{with .Details}}<div class="details">{{.}}</div>{{end}}
<dl>
<dt>Execution</dt><dd>{{.ExecutionName}}<br><code>{{.ExecutionArn}}</code></dd>
{{with .StateName}}<dt>State</dt><dd>{{.}}</dd>{{end}}
{{with .DecisionLabel}}<dt>Decision</dt><dd>{{.}}{{with $.Request.DecisionDetail}} — {{.}}{{end}}</dd>{{end}}
{{with .Expires}}<dt>Link expires</dt><dd>{{.}}</dd>{{end}}
</dl>
{{end}}
{{range .Forms}}<form method="post" action="{{.Action}}">
<input type="hidden" name="d" value="{{.Decision}}">
<input type="hidden" name="s" value="{{.Signature}}">
<button type="submit" class="{{.Class}}">{{.Label}}</button>
</form>
{{end}}
{{with .Note}}<p class="note">{{.}}</p>{{end}}
</main>
<footer>Stepflow approval</footer>
</body>
</html>
`))

// securityHeaders are set on every response of the handler.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// writePage renders p with the status code.
func writePage(w http.ResponseWriter, code int, p page) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		// The template and page are ours: this cannot happen.
		http.Error(w, "render page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	securityHeaders(hdr)
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// formatTime is how pages show a time.
func formatTime(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006 15:04 UTC") }

// executionName is the name part of an execution ARN
// (arn:aws:states:region:account:execution:machine:name, or
// ...:express:machine:name:id), or the ARN itself.
func executionName(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) >= 8 && (parts[5] == "execution" || parts[5] == "express") && parts[7] != "" {
		return parts[7]
	}
	return arn
}

// decisionLabel is how pages name a decision.
func decisionLabel(d string) string {
	switch d {
	case DecisionApprove:
		return "Approve"
	case DecisionReject:
		return "Reject"
	}
	return ""
}

// pastLabel is how pages name a taken decision.
func pastLabel(d string) string {
	if d == DecisionApprove {
		return "approved"
	}
	return "rejected"
}
