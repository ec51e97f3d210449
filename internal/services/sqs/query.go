package sqs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// The query protocol: requests are form fields ("Attribute.1.Name=...",
// "SendMessageBatchRequestEntry.2.MessageBody=..."), converted here into
// the JSON protocol's request body along a small description of each
// action's input; responses are XML documents rendered from the typed
// results.

// qkind is the kind of a query-protocol input shape.
type qkind int

const (
	qString qkind = iota
	qInt
	qBlob
	qList   // flattened list: <Name>.1, <Name>.2, ...
	qMap    // flattened map: <Name>.N.<key>, <Name>.N.<value>
	qStruct // members: <Name>.<Member>
)

// qshape describes how a query input maps onto the JSON input.
type qshape struct {
	kind    qkind
	members []qmember // qStruct
	elem    *qshape   // qList element, qMap value
	key     string    // qMap entry key field ("Name" or "Key")
	value   string    // qMap entry value field ("Value")
}

// qmember is a struct member: its query name and its JSON member name.
type qmember struct {
	query, json string
	shape       *qshape
}

var (
	qStr  = &qshape{kind: qString}
	qNum  = &qshape{kind: qInt}
	qBin  = &qshape{kind: qBlob}
	qStrs = &qshape{kind: qList, elem: qStr}

	qAttrValue = &qshape{kind: qStruct, members: []qmember{
		{"StringValue", "StringValue", qStr},
		{"BinaryValue", "BinaryValue", qBin},
		{"StringListValue", "StringListValues", qStrs},
		{"BinaryListValue", "BinaryListValues", &qshape{kind: qList, elem: qBin}},
		{"DataType", "DataType", qStr},
	}}
	qNameValues = &qshape{kind: qMap, key: "Name", value: "Value", elem: qStr}
	qTags       = &qshape{kind: qMap, key: "Key", value: "Value", elem: qStr}
	qMsgAttrs   = &qshape{kind: qMap, key: "Name", value: "Value", elem: qAttrValue}

	qQueueURL  = qmember{"QueueUrl", "QueueUrl", qStr}
	qSendEntry = []qmember{
		{"MessageBody", "MessageBody", qStr},
		{"DelaySeconds", "DelaySeconds", qNum},
		{"MessageAttribute", "MessageAttributes", qMsgAttrs},
		{"MessageSystemAttribute", "MessageSystemAttributes", qMsgAttrs},
		{"MessageDeduplicationId", "MessageDeduplicationId", qStr},
		{"MessageGroupId", "MessageGroupId", qStr},
	}
)

func qstruct(members ...qmember) *qshape { return &qshape{kind: qStruct, members: members} }

func qentries(members ...qmember) *qshape {
	return &qshape{kind: qList, elem: qstruct(members...)}
}

// queryInputs describes the input of every action the query protocol
// serves.
var queryInputs = map[string]*qshape{
	"CreateQueue": qstruct(qmember{"QueueName", "QueueName", qStr}, qmember{"Attribute", "Attributes", qNameValues},
		qmember{"Tag", "tags", qTags}),
	"GetQueueUrl": qstruct(qmember{"QueueName", "QueueName", qStr},
		qmember{"QueueOwnerAWSAccountId", "QueueOwnerAWSAccountId", qStr}),
	"ListQueues": qstruct(qmember{"QueueNamePrefix", "QueueNamePrefix", qStr}, qmember{"NextToken", "NextToken", qStr},
		qmember{"MaxResults", "MaxResults", qNum}),
	"GetQueueAttributes": qstruct(qQueueURL, qmember{"AttributeName", "AttributeNames", qStrs}),
	"SetQueueAttributes": qstruct(qQueueURL, qmember{"Attribute", "Attributes", qNameValues}),
	"DeleteQueue":        qstruct(qQueueURL),
	"PurgeQueue":         qstruct(qQueueURL),
	"ListQueueTags":      qstruct(qQueueURL),
	"TagQueue":           qstruct(qQueueURL, qmember{"Tag", "Tags", qTags}),
	"UntagQueue":         qstruct(qQueueURL, qmember{"TagKey", "TagKeys", qStrs}),
	"ListDeadLetterSourceQueues": qstruct(qQueueURL, qmember{"NextToken", "NextToken", qStr},
		qmember{"MaxResults", "MaxResults", qNum}),
	"SendMessage": qstruct(append([]qmember{qQueueURL}, qSendEntry...)...),
	"SendMessageBatch": qstruct(qQueueURL, qmember{"SendMessageBatchRequestEntry", "Entries",
		qentries(append([]qmember{{"Id", "Id", qStr}}, qSendEntry...)...)}),
	"ReceiveMessage": qstruct(qQueueURL,
		qmember{"AttributeName", "AttributeNames", qStrs},
		qmember{"MessageSystemAttributeName", "MessageSystemAttributeNames", qStrs},
		qmember{"MessageAttributeName", "MessageAttributeNames", qStrs},
		qmember{"MaxNumberOfMessages", "MaxNumberOfMessages", qNum},
		qmember{"VisibilityTimeout", "VisibilityTimeout", qNum},
		qmember{"WaitTimeSeconds", "WaitTimeSeconds", qNum},
		qmember{"ReceiveRequestAttemptId", "ReceiveRequestAttemptId", qStr}),
	"DeleteMessage": qstruct(qQueueURL, qmember{"ReceiptHandle", "ReceiptHandle", qStr}),
	"DeleteMessageBatch": qstruct(qQueueURL, qmember{"DeleteMessageBatchRequestEntry", "Entries",
		qentries(qmember{"Id", "Id", qStr}, qmember{"ReceiptHandle", "ReceiptHandle", qStr})}),
	"ChangeMessageVisibility": qstruct(qQueueURL, qmember{"ReceiptHandle", "ReceiptHandle", qStr},
		qmember{"VisibilityTimeout", "VisibilityTimeout", qNum}),
	"ChangeMessageVisibilityBatch": qstruct(qQueueURL, qmember{"ChangeMessageVisibilityBatchRequestEntry", "Entries",
		qentries(qmember{"Id", "Id", qStr}, qmember{"ReceiptHandle", "ReceiptHandle", qStr},
			qmember{"VisibilityTimeout", "VisibilityTimeout", qNum})}),
}

// qnode is a form field path: "A.1.B=v" is root→A→1→B with value v.
type qnode struct {
	value    *string
	children map[string]*qnode
}

// maxQueryFields bounds the number of form fields of a request.
const maxQueryFields = 2000

// parseQueryForm builds the field tree of a form. Keys with empty
// segments are refused.
func parseQueryForm(form url.Values) (*qnode, error) {
	if len(form) > maxQueryFields {
		return nil, errInvalidParameter("The request has too many parameters.")
	}
	root := &qnode{}
	for key, vals := range form {
		if len(vals) == 0 {
			continue
		}
		n := root
		for seg := range strings.SplitSeq(key, ".") {
			if seg == "" {
				return nil, errInvalidParameter("The parameter " + key + " is not recognized.")
			}
			if n.children == nil {
				n.children = map[string]*qnode{}
			}
			c, ok := n.children[seg]
			if !ok {
				c = &qnode{}
				n.children[seg] = c
			}
			n = c
		}
		v := vals[0]
		n.value = &v
	}
	return root, nil
}

// queryToJSON converts the fields of an action's query request into its
// JSON request body.
func queryToJSON(action string, root *qnode) ([]byte, error) {
	shape, ok := queryInputs[action]
	if !ok {
		return nil, nil
	}
	v, err := convertQuery(shape, root, "")
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func convertQuery(sh *qshape, n *qnode, path string) (any, error) {
	switch sh.kind {
	case qString:
		if n.value == nil {
			return "", nil
		}
		return *n.value, nil
	case qInt:
		if n.value == nil {
			return nil, errInvalidValue(path, "", "Must be an integer.")
		}
		i, err := strconv.ParseInt(strings.TrimSpace(*n.value), 10, 32)
		if err != nil {
			return nil, errInvalidValue(path, *n.value, "Must be an integer.")
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case qBlob:
		if n.value == nil {
			return "", nil
		}
		if _, err := base64.StdEncoding.DecodeString(*n.value); err != nil {
			return nil, errInvalidValue(path, *n.value, "Must be base64-encoded binary data.")
		}
		return *n.value, nil
	case qList:
		idx := indexed(n)
		out := make([]any, 0, len(idx))
		for _, e := range idx {
			v, err := convertQuery(sh.elem, e.node, path+"."+e.key)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case qMap:
		out := map[string]any{}
		for _, e := range indexed(n) {
			k := e.node.children[sh.key]
			if k == nil || k.value == nil {
				return nil, errInvalidParameter("The request must contain the parameter " + path + "." + e.key + "." + sh.key + ".")
			}
			val := e.node.children[sh.value]
			if val == nil {
				val = &qnode{}
			}
			v, err := convertQuery(sh.elem, val, path+"."+e.key+"."+sh.value)
			if err != nil {
				return nil, err
			}
			out[*k.value] = v
		}
		return out, nil
	default: // qStruct
		out := map[string]any{}
		for _, m := range sh.members {
			c := n.children[m.query]
			if c == nil {
				continue
			}
			p := m.query
			if path != "" {
				p = path + "." + m.query
			}
			v, err := convertQuery(m.shape, c, p)
			if err != nil {
				return nil, err
			}
			out[m.json] = v
		}
		return out, nil
	}
}

type indexedNode struct {
	n    int
	key  string
	node *qnode
}

// indexed returns the numbered children of a flattened list or map,
// in index order.
func indexed(n *qnode) []indexedNode {
	var out []indexedNode
	for k, c := range n.children {
		i, err := strconv.Atoi(k)
		if err != nil || i < 1 {
			continue
		}
		out = append(out, indexedNode{n: i, key: k, node: c})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].n < out[b].n })
	return out
}

// serveQuery serves one query-protocol request.
func (h *httpHandler) serveQuery(w http.ResponseWriter, r *http.Request) {
	reqID := awsproto.NewRequestID()
	action, out, err := h.query(r, reqID)
	if err != nil {
		writeQueryError(w, reqID, err)
		return
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n<")
	b.WriteString(action)
	b.WriteString(`Response xmlns="http://queue.amazonaws.com/doc/2012-11-05/">`)
	if out != nil {
		b.WriteString("<" + action + "Result>")
		writeResultXML(&b, action, out)
		b.WriteString("</" + action + "Result>")
	}
	b.WriteString("<ResponseMetadata><RequestId>" + reqID + "</RequestId></ResponseMetadata></" + action + "Response>")
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("Content-Type", "text/xml")
	hdr.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
}

func (h *httpHandler) query(r *http.Request, reqID string) (string, any, error) {
	var body []byte
	if r.Body != nil && r.Method == http.MethodPost {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxQueryBody+1))
		if err != nil {
			return "", nil, errInvalidParameter("The request body could not be read.")
		}
		if len(b) > maxQueryBody {
			return "", nil, &awsproto.Error{Code: "RequestEntityTooLarge", Message: "Request Entity Too Large",
				Status: http.StatusRequestEntityTooLarge, Sender: true}
		}
		body = b
	}
	ctx, err := awsproto.Authenticate(awsproto.WithRequestID(r.Context(), reqID), r, body, h.auth, SigningName)
	if err != nil {
		return "", nil, err
	}
	form := r.URL.Query()
	if len(body) > 0 {
		ct := contentType(r)
		if ct != "" && ct != "application/x-www-form-urlencoded" {
			return "", nil, &awsproto.Error{Code: "InvalidAction", Message: "Unsupported content type " + ct + ": send form-encoded query requests or JSON requests with X-Amz-Target.",
				Status: http.StatusBadRequest, Sender: true}
		}
		bf, err := url.ParseQuery(string(body))
		if err != nil {
			return "", nil, &awsproto.Error{Code: "MalformedQueryString", Message: "The query string is malformed: " + err.Error(),
				Status: http.StatusBadRequest, Sender: true}
		}
		for k, v := range bf {
			form[k] = append(form[k], v...)
		}
	}
	action := form.Get("Action")
	if action == "" {
		return "", nil, &awsproto.Error{Code: "MissingAction", Message: "The request must contain the parameter Action.",
			Status: http.StatusBadRequest, Sender: true}
	}
	if _, ok := queryInputs[action]; !ok {
		if isModelOperation(action) {
			return "", nil, apiError(CodeUnsupportedOperation, action+" is not supported by this emulator.")
		}
		return "", nil, &awsproto.Error{Code: "InvalidAction", Message: "The action " + action + " is not valid for this web service.",
			Status: http.StatusBadRequest, Sender: true}
	}
	if form.Get("QueueUrl") == "" {
		if u := h.svc.queueFromPath(r.URL.Path); u != "" {
			form.Set("QueueUrl", u)
		}
	}
	root, err := parseQueryForm(form)
	if err != nil {
		return "", nil, err
	}
	in, err := queryToJSON(action, root)
	if err != nil {
		return "", nil, err
	}
	out, err := h.svc.handle(ctx, action, in)
	return action, out, err
}

// writeQueryError writes err as an SQS query-protocol error document.
func writeQueryError(w http.ResponseWriter, reqID string, err error) {
	e := apiErrorOf(err)
	code, sender := queryCode(e)
	msg := e.Message
	status := httpStatus(e)
	switch e.Code {
	case CodeQueueDoesNotExist:
		msg = msgQueueDoesNotExistQuery
	case awsproto.CodeInternalFailure:
		code = "InternalError"
	case awsproto.CodeInvalidSignature:
		code, status = "SignatureDoesNotMatch", http.StatusForbidden
	case awsproto.CodeUnrecognizedClient:
		code, status = "InvalidClientTokenId", http.StatusForbidden
	case awsproto.CodeMissingAuthenticationToken, awsproto.CodeIncompleteSignature, awsproto.CodeAccessDenied,
		awsproto.CodeExpiredToken:
		code, status = strings.TrimSuffix(e.Code, "Exception"), http.StatusForbidden
	}
	fault := "Receiver"
	if sender {
		fault = "Sender"
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>`)
	b.WriteString(fault)
	b.WriteString("</Type><Code>")
	escape(&b, code)
	b.WriteString("</Code><Message>")
	escape(&b, msg)
	b.WriteString("</Message><Detail/></Error><RequestId>" + reqID + "</RequestId></ErrorResponse>")
	hdr := w.Header()
	hdr.Set("x-amzn-RequestId", reqID)
	hdr.Set("Content-Type", "text/xml")
	hdr.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

func escape(b *bytes.Buffer, s string) { _ = xml.EscapeText(b, []byte(s)) }

// elem writes <name>text</name>.
func elem(b *bytes.Buffer, name, text string) {
	b.WriteString("<" + name + ">")
	escape(b, text)
	b.WriteString("</" + name + ">")
}

// writeResultXML renders a typed action result as the query protocol's
// <Action>Result members.
func writeResultXML(b *bytes.Buffer, action string, out any) {
	switch o := out.(type) {
	case queueURLOutput:
		elem(b, "QueueUrl", o.QueueURL)
	case listQueuesOutput:
		for _, u := range o.QueueUrls {
			elem(b, "QueueUrl", u)
		}
		if o.NextToken != "" {
			elem(b, "NextToken", o.NextToken)
		}
	case listDLQSourcesOutput:
		for _, u := range o.QueueUrls {
			elem(b, "QueueUrl", u)
		}
		if o.NextToken != "" {
			elem(b, "NextToken", o.NextToken)
		}
	case attributesOutput:
		writePairs(b, "Attribute", "Name", o.Attributes)
	case tagsOutput:
		writePairs(b, "Tag", "Key", o.Tags)
	case sendMessageOutput:
		writeSendResult(b, o)
	case sendMessageBatchOutput:
		for _, e := range o.Successful {
			b.WriteString("<SendMessageBatchResultEntry>")
			elem(b, "Id", e.ID)
			writeSendResult(b, e.sendMessageOutput)
			b.WriteString("</SendMessageBatchResultEntry>")
		}
		writeBatchErrors(b, o.Failed)
	case batchOutput:
		entry := strings.TrimSuffix(action, "Batch") + "BatchResultEntry"
		for _, e := range o.Successful {
			b.WriteString("<" + entry + ">")
			elem(b, "Id", e.ID)
			b.WriteString("</" + entry + ">")
		}
		writeBatchErrors(b, o.Failed)
	case receiveMessageOutput:
		for i := range o.Messages {
			writeMessage(b, &o.Messages[i])
		}
	}
}

func writePairs(b *bytes.Buffer, entry, key string, m map[string]string) {
	for _, k := range sortedKeys(m) {
		b.WriteString("<" + entry + ">")
		elem(b, key, k)
		elem(b, "Value", m[k])
		b.WriteString("</" + entry + ">")
	}
}

func writeSendResult(b *bytes.Buffer, o sendMessageOutput) {
	elem(b, "MessageId", o.MessageID)
	elem(b, "MD5OfMessageBody", o.MD5OfMessageBody)
	if o.MD5OfMessageAttributes != "" {
		elem(b, "MD5OfMessageAttributes", o.MD5OfMessageAttributes)
	}
	if o.MD5OfMessageSystemAttributes != "" {
		elem(b, "MD5OfMessageSystemAttributes", o.MD5OfMessageSystemAttributes)
	}
	if o.SequenceNumber != "" {
		elem(b, "SequenceNumber", o.SequenceNumber)
	}
}

func writeBatchErrors(b *bytes.Buffer, failed []batchResultError) {
	for _, f := range failed {
		b.WriteString("<BatchResultErrorEntry>")
		elem(b, "Id", f.ID)
		elem(b, "SenderFault", strconv.FormatBool(f.SenderFault))
		elem(b, "Code", f.Code)
		if f.Message != "" {
			elem(b, "Message", f.Message)
		}
		b.WriteString("</BatchResultErrorEntry>")
	}
}

func writeMessage(b *bytes.Buffer, m *message) {
	b.WriteString("<Message>")
	elem(b, "MessageId", m.MessageID)
	elem(b, "ReceiptHandle", m.ReceiptHandle)
	elem(b, "MD5OfBody", m.MD5OfBody)
	elem(b, "Body", m.Body)
	writePairs(b, "Attribute", "Name", m.Attributes)
	if m.MD5OfMessageAttributes != "" {
		elem(b, "MD5OfMessageAttributes", m.MD5OfMessageAttributes)
	}
	for _, k := range sortedKeys(m.MessageAttributes) {
		v := m.MessageAttributes[k]
		b.WriteString("<MessageAttribute>")
		elem(b, "Name", k)
		b.WriteString("<Value>")
		if v.StringValue != nil {
			elem(b, "StringValue", *v.StringValue)
		}
		if v.BinaryValue != nil {
			elem(b, "BinaryValue", base64.StdEncoding.EncodeToString(v.BinaryValue))
		}
		for _, s := range v.StringListValues {
			elem(b, "StringListValue", s)
		}
		for _, bv := range v.BinaryListValues {
			elem(b, "BinaryListValue", base64.StdEncoding.EncodeToString(bv))
		}
		elem(b, "DataType", v.DataType)
		b.WriteString("</Value></MessageAttribute>")
	}
	b.WriteString("</Message>")
}
