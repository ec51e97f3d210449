package main

import (
	"bytes"
	"html/template"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stepflow/stepflow/tasks/shared/httpapi"
)

// page is what the one page template shows. html/template escapes every
// value, so titles and details written by a workflow cannot inject HTML.
type page struct {
	Heading string
	Tone    string // "ok", "bad" or ""
	Lead    string
	Request *pageRequest
	Forms   []pageForm
	Note    string
}

type pageRequest struct {
	Title, Details, ExecutionName, ExecutionArn, StateName, Expires, Decision string
}

// pageForm is a button that POSTs a decision back to the page's URL.
type pageForm struct {
	ID, Decision, Signature, Label string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{.Heading}}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:40rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border:1px solid #d8dbe2;border-radius:8px}
h1{font-size:1.5rem;margin:0 0 .75rem}h1.ok{color:#126b2f}h1.bad{color:#a4161a}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem}dt{font-weight:600;color:#4a5161}dd{margin:0;overflow-wrap:anywhere}
.details{white-space:pre-wrap;background:#f7f8fa;border:1px solid #e3e5ea;border-radius:6px;padding:.75rem 1rem}
form{display:inline-block;margin:.5rem .75rem .5rem 0}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;border-radius:6px;border:0;cursor:pointer;color:#fff}
button.approve{background:#17803a}button.reject{background:#b3261e}
.note{color:#4a5161;font-size:.9rem}
</style>
</head>
<body>
<main>
<h1{{with .Tone}} class="{{.}}"{{end}}>{{.Heading}}</h1>
{{with .Lead}}<p>{{.}}</p>{{end}}
{{with .Request}}<h2>{{.Title}}</h2>
{{with .Details}}<div class="details">{{.}}</div>{{end}}
<dl>
<dt>Execution</dt><dd>{{.ExecutionName}}<br><code>{{.ExecutionArn}}</code></dd>
{{with .StateName}}<dt>State</dt><dd>{{.}}</dd>{{end}}
{{with .Decision}}<dt>Decision</dt><dd>{{.}}</dd>{{end}}
{{with .Expires}}<dt>Link expires</dt><dd>{{.}}</dd>{{end}}
</dl>
{{end}}
{{range .Forms}}<form method="post" action="{{.ID}}">
<input type="hidden" name="d" value="{{.Decision}}">
<input type="hidden" name="s" value="{{.Signature}}">
<button type="submit" class="{{.Decision}}">{{.Label}}</button>
</form>
{{end}}
{{with .Note}}<p class="note">{{.}}</p>{{end}}
</main>
</body>
</html>
`))

// render is an HTML response of p.
func render(status int, p page) events.APIGatewayV2HTTPResponse {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		// The template and the page's types are ours: this cannot happen.
		return httpapi.HTML(500, "<!DOCTYPE html><title>Error</title><p>The page could not be written.</p>")
	}
	return httpapi.HTML(status, buf.String())
}

// describe is the request part of a page.
func describe(r Record) *pageRequest {
	return &pageRequest{
		Title: r.Title, Details: r.Details, ExecutionArn: r.ExecutionArn, StateName: r.StateName,
		ExecutionName: executionName(r.ExecutionArn), Decision: label(r.Decision),
	}
}

// executionName is the name in an execution ARN
// (arn:aws:states:region:account:execution:machine:name), or the ARN.
func executionName(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) >= 8 && (parts[5] == "execution" || parts[5] == "express") && parts[7] != "" {
		return parts[7]
	}
	return arn
}

func label(decision string) string {
	switch decision {
	case decisionApprove:
		return "Approve"
	case decisionReject:
		return "Reject"
	}
	return ""
}

func formatTime(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006 15:04 UTC") }

func notFoundPage() page {
	return page{Heading: "Approval request not found", Tone: "bad",
		Lead: "No approval request matches this link. Check that the whole link was opened (some mail programs break long links). Nothing was changed."}
}

func tamperedPage() page {
	return page{Heading: "This approval link is not valid", Tone: "bad",
		Lead: "The link's signature does not match the request: it may have been changed or cut short. Open the link exactly as it appears in the message. Nothing was changed."}
}

func errorPage() page {
	return page{Heading: "Something went wrong", Tone: "bad",
		Lead: "The approval service could not complete this request. Try the link again in a moment; if it keeps failing, tell the workflow's owner (the function's log has the cause)."}
}

// closedPage is the 410 page of a request that can no longer be decided.
func closedPage(r Record) page {
	p := page{Tone: "bad", Request: describe(r)}
	switch {
	case r.Decision == "":
		p.Heading = "This approval link has expired"
		p.Lead = "The request expired on " + formatTime(time.Unix(r.ExpiresAt, 0)) + " before anyone decided. Nothing was changed."
	case r.Outcome == outcomeNotWaiting:
		p.Heading = "The workflow is no longer waiting"
		p.Lead = "The decision to " + strings.ToLower(label(r.Decision)) + " was recorded on " + r.DecidedAt +
			", but the execution had stopped waiting for it (its task timed out, or the execution ended), so it had no effect."
	default:
		p.Heading = "This request was already decided"
		p.Lead = "It was decided (" + strings.ToLower(label(r.Decision)) + ") on " + r.DecidedAt + ". Each request can be decided once; nothing was changed now."
	}
	return p
}
