package main

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/stepflow/stepflow/tasks/shared/order"
)

// details lists the order for the approval page and e-mail.
func details(o order.Order) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Customer: %s\n", customer(o))
	for _, l := range o.Items {
		fmt.Fprintf(&b, "%d × %s (%s) at %s EUR = %s EUR\n", l.Qty, l.Name, l.SKU, l.Price, l.Price.Times(l.Qty))
	}
	fmt.Fprintf(&b, "Total: %s EUR", o.Total)
	return b.String()
}

func customer(o order.Order) string {
	if o.Customer.Name == "" {
		return o.Customer.Email
	}
	return o.Customer.Name + " <" + o.Customer.Email + ">"
}

// message is an e-mail's parts.
type message struct {
	Subject, Text, HTML string
}

// compose writes the approval e-mail. It holds the links, never the task
// token.
func compose(o order.Order, a Approval) (message, error) {
	expires := a.ExpiresAt
	if t, err := time.Parse(time.RFC3339, a.ExpiresAt); err == nil {
		expires = t.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
	}
	data := mailData{Order: o, Customer: customer(o), Approval: a, Expires: expires}
	var text, html bytes.Buffer
	if err := textTemplate.Execute(&text, data); err != nil {
		return message{}, err
	}
	if err := htmlTemplate.Execute(&html, data); err != nil {
		return message{}, err
	}
	return message{
		Subject: "Approval needed: order " + o.OrderID + " (" + o.Total.String() + " EUR)",
		Text:    text.String(),
		HTML:    html.String(),
	}, nil
}

type mailData struct {
	Order    order.Order
	Customer string
	Approval Approval
	Expires  string
}

// The text part is plain text (text/template); the HTML part goes through
// html/template, which escapes every value for where it appears.
var textTemplate = texttemplate.Must(texttemplate.New("text").Parse(`Order {{.Order.OrderID}} from {{.Customer}} needs your approval.
{{range .Order.Items}}
  {{.Qty}} × {{.Name}} ({{.SKU}}) at {{.Price}} EUR = {{.Price.Times .Qty}} EUR{{end}}

Total: {{.Order.Total}} EUR

Approve: {{.Approval.ApproveUrl}}
Reject:  {{.Approval.RejectUrl}}

Each link opens a page with one button; nothing happens until you press it.
The links expire on {{.Expires}}; without a decision the order is handled as the workflow defines.
`))

var htmlTemplate = template.Must(template.New("html").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Approval needed: order {{.Order.OrderID}}</title></head>
<body style="font-family:system-ui,sans-serif;color:#1d2330;max-width:40rem">
<h1 style="font-size:1.3rem">Order {{.Order.OrderID}} needs your approval</h1>
<p>Customer: {{.Customer}}</p>
<table style="border-collapse:collapse">
<tr><th align="left">Item</th><th align="right">Qty</th><th align="right">Price</th><th align="right">Amount</th></tr>
{{range .Order.Items}}<tr><td>{{.Name}} <small>({{.SKU}})</small></td><td align="right">{{.Qty}}</td><td align="right">{{.Price}} EUR</td><td align="right">{{.Price.Times .Qty}} EUR</td></tr>
{{end}}<tr><th align="left" colspan="3">Total</th><th align="right">{{.Order.Total}} EUR</th></tr>
</table>
<p>
<a href="{{.Approval.ApproveUrl}}" style="display:inline-block;padding:.6rem 1.4rem;background:#17803a;color:#fff;text-decoration:none;border-radius:6px;font-weight:600">Approve</a>
&nbsp;
<a href="{{.Approval.RejectUrl}}" style="display:inline-block;padding:.6rem 1.4rem;background:#b3261e;color:#fff;text-decoration:none;border-radius:6px;font-weight:600">Reject</a>
</p>
<p style="color:#4a5161;font-size:.9rem">Each link opens a page with one button; nothing happens until you press it. The links expire on {{.Expires}}.</p>
</body></html>
`))
