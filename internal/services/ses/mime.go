package ses

import (
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// header is one extra message header (SES v2 Simple.Headers).
type header struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// content is one part of a message built by SES: a subject or a body.
type content struct {
	Data    string `json:"Data"`
	Charset string `json:"Charset,omitempty"`
}

// simpleMessage is what SendEmail (v1) and SendEmail Simple (v2) give:
// addresses as the caller wrote them ("Name <a@b>" or "a@b").
type simpleMessage struct {
	From    string
	To      []string
	Cc      []string
	ReplyTo []string
	Subject string
	Text    *string
	HTML    *string
	Headers []header
}

// messageIDDomain is the domain of the Message-ID header SES gives the
// messages it builds: <MessageId@email.amazonses.com>.
const messageIDDomain = "email.amazonses.com"

// buildMIME renders m as an RFC 5322 message with CRLF line ends: the
// headers (From, Reply-To, To, Cc, Subject, Date, Message-ID,
// MIME-Version, the extra headers), then a text/plain or text/html part,
// or both in multipart/alternative, encoded quoted-printable in UTF-8.
// Bcc recipients never appear in the message.
func buildMIME(m *simpleMessage, messageID string, date time.Time) []byte {
	var b bytes.Buffer
	b.Grow(512 + len(m.Subject) + lenPtr(m.Text)*11/10 + lenPtr(m.HTML)*11/10)
	writeHeader(&b, "From", formatAddressList([]string{m.From}))
	if len(m.ReplyTo) > 0 {
		writeHeader(&b, "Reply-To", formatAddressList(m.ReplyTo))
	}
	if len(m.To) > 0 {
		writeHeader(&b, "To", formatAddressList(m.To))
	}
	if len(m.Cc) > 0 {
		writeHeader(&b, "Cc", formatAddressList(m.Cc))
	}
	writeHeader(&b, "Subject", encodeText(m.Subject))
	writeHeader(&b, "Date", date.Format(time.RFC1123Z))
	writeHeader(&b, "Message-ID", "<"+messageID+"@"+messageIDDomain+">")
	writeHeader(&b, "MIME-Version", "1.0")
	for _, h := range m.Headers {
		writeHeader(&b, textproto.CanonicalMIMEHeaderKey(h.Name), encodeText(h.Value))
	}
	text, htm := m.Text, m.HTML
	if text == nil && htm == nil {
		empty := ""
		text = &empty
	}
	if text != nil && htm != nil {
		boundary := "=_" + messageID
		writeHeader(&b, "Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
		b.WriteString("\r\n")
		b.WriteString("--" + boundary + "\r\n")
		writePart(&b, "text/plain", *text)
		b.WriteString("\r\n--" + boundary + "\r\n")
		writePart(&b, "text/html", *htm)
		b.WriteString("\r\n--" + boundary + "--\r\n")
		return b.Bytes()
	}
	if text != nil {
		writePart(&b, "text/plain", *text)
	} else {
		writePart(&b, "text/html", *htm)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func lenPtr(s *string) int {
	if s == nil {
		return 0
	}
	return len(*s)
}

// writePart writes a part's Content-Type and encoding headers, a blank
// line and the body, quoted-printable. The boundary "=_..." can never occur
// in quoted-printable text, which writes '=' as "=3D".
func writePart(b *bytes.Buffer, typ, body string) {
	writeHeader(b, "Content-Type", typ+"; charset=UTF-8")
	writeHeader(b, "Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	w := quotedprintable.NewWriter(b)
	_, _ = io.WriteString(w, toValidUTF8(normalizeNewlines(body)))
	_ = w.Close()
}

// normalizeNewlines turns lone LF and CR into CRLF, so quoted-printable
// keeps line breaks as line breaks.
func normalizeNewlines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// writeHeader writes "Name: value" and CRLF; value is already encoded and
// folded.
func writeHeader(b *bytes.Buffer, name, value string) {
	b.WriteString(name)
	b.WriteString(": ")
	b.WriteString(value)
	b.WriteString("\r\n")
}

// encodeText encodes an unstructured header value: printable ASCII is kept
// (control characters become spaces) and folded at spaces; anything else
// becomes RFC 2047 UTF-8 encoded words, one per folded line.
func encodeText(s string) string {
	s = toValidUTF8(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		s = strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f {
				return ' '
			}
			return r
		}, s)
		if strings.Contains(s, "=?") { // would be read as an encoded word
			return foldWords(mime.BEncoding.Encode("UTF-8", s))
		}
		return foldSpaces(s)
	}
	return foldWords(mime.BEncoding.Encode("UTF-8", s))
}

// foldWords puts each encoded word of an encoded header on its own line.
func foldWords(s string) string { return strings.ReplaceAll(s, "?= =?", "?=\r\n =?") }

// foldSpaces folds a long ASCII header at spaces so lines stay under 78
// characters where the text allows.
func foldSpaces(s string) string {
	if len(s) <= 76 {
		return s
	}
	var b strings.Builder
	line := 0
	for i, w := range strings.Split(s, " ") {
		if i > 0 {
			if line+1+len(w) > 76 && line > 0 {
				b.WriteString("\r\n ")
				line = 1
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

// formatAddressList renders addresses for an address header, one per line
// when there are several.
func formatAddressList(list []string) string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = formatAddress(a)
	}
	return strings.Join(out, ",\r\n ")
}

// formatAddress renders one address as the caller gave it: the display
// name kept as written when it is plain words, quoted when it holds
// specials, RFC 2047-encoded when it is not ASCII.
func formatAddress(a string) string {
	p, err := parseAddress(a)
	if err != nil {
		return encodeText(a)
	}
	if p.name == "" {
		return p.addr
	}
	return formatName(p.name) + " <" + p.addr + ">"
}

// formatName renders a display name for an address header.
func formatName(name string) string {
	plain, ascii := true, true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= utf8.RuneSelf:
			ascii = false
		case c < ' ' || c == 0x7f:
			ascii = false // control characters only survive encoded
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' ||
			strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			plain = false
		}
	}
	switch {
	case !ascii:
		return foldWords(mime.BEncoding.Encode("UTF-8", toValidUTF8(name)))
	case plain && strings.TrimSpace(name) == name && !strings.Contains(name, "  "):
		return name
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}

// parsedMessage is what the outbox shows of a stored MIME message.
type parsedMessage struct {
	Header    mail.Header
	From      string
	To, Cc    []string
	ReplyTo   []string
	Subject   string
	MessageID string
	Date      time.Time
	Text      string
	HTML      string
	Links     []string
	// Attachments lists the file names of the other parts.
	Attachments []string
}

// maxMIMEDepth bounds the nesting of multipart bodies parseMIME follows.
const maxMIMEDepth = 8

// parseMIME reads a message: its headers (decoded), its first text/plain
// and text/html parts (decoded to UTF-8) and the links in them. A message
// that does not parse yields what could be read and an error.
func parseMIME(raw []byte) (*parsedMessage, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &parsedMessage{Text: string(raw)}, err
	}
	p := &parsedMessage{Header: msg.Header}
	dec := mimeWordDecoder()
	decode := func(s string) string {
		if d, err := dec.DecodeHeader(s); err == nil {
			return d
		}
		return s
	}
	p.Subject = decode(msg.Header.Get("Subject"))
	p.From = decode(msg.Header.Get("From"))
	p.To = splitAddressHeader(decode, msg.Header.Get("To"))
	p.Cc = splitAddressHeader(decode, msg.Header.Get("Cc"))
	p.ReplyTo = splitAddressHeader(decode, msg.Header.Get("Reply-To"))
	p.MessageID = strings.TrimSpace(msg.Header.Get("Message-Id"))
	if d, err := msg.Header.Date(); err == nil {
		p.Date = d
	}
	err = p.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0)
	p.Links = extractLinks(p.HTML, p.Text)
	return p, err
}

// splitAddressHeader splits an address header into its addresses, each as
// written (display name decoded).
func splitAddressHeader(decode func(string) string, v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if list, err := mail.ParseAddressList(v); err == nil {
		out := make([]string, len(list))
		for i, a := range list {
			if a.Name == "" {
				out[i] = a.Address
			} else {
				out[i] = a.Name + " <" + a.Address + ">"
			}
		}
		return out
	}
	return []string{decode(strings.TrimSpace(v))}
}

// walk visits one entity, descending into multiparts.
func (p *parsedMessage) walk(h textproto.MIMEHeader, body io.Reader, depth int) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, params = "text/plain", nil
	}
	if strings.HasPrefix(mt, "multipart/") {
		if depth >= maxMIMEDepth || params["boundary"] == "" {
			return nil
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := p.walk(part.Header, part, depth+1); err != nil {
				return err
			}
		}
	}
	disposition, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	isText := mt == "text/plain" || mt == "text/html"
	if !isText || disposition == "attachment" || (mt == "text/plain" && p.Text != "") || (mt == "text/html" && p.HTML != "") {
		if name == "" {
			name = mt
		}
		p.Attachments = append(p.Attachments, name)
		return nil
	}
	// A broken transfer encoding keeps what was decoded: the message is
	// shown, not refused.
	data, _ := io.ReadAll(io.LimitReader(decodeTransfer(h.Get("Content-Transfer-Encoding"), body), 64<<20))
	text := toUTF8(params["charset"], data)
	if depth == 0 {
		// A single-part message's body ends with the message's final line
		// break, which is not part of the text.
		text = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\r")
	}
	if mt == "text/html" {
		p.HTML = text
	} else {
		p.Text = text
	}
	return nil
}

// decodeTransfer undoes a Content-Transfer-Encoding.
func decodeTransfer(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &base64Cleaner{r: r})
	}
	return r
}

// base64Cleaner drops the line breaks and spaces base64 bodies carry.
type base64Cleaner struct{ r io.Reader }

func (c *base64Cleaner) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		j := 0
		for _, b := range p[:n] {
			if b != '\r' && b != '\n' && b != ' ' && b != '\t' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// charsetReader converts the charsets Go can without extra tables.
func charsetReader(charset string, in io.Reader) (io.Reader, error) {
	data, err := io.ReadAll(io.LimitReader(in, 1<<20))
	if err != nil {
		return nil, err
	}
	return strings.NewReader(toUTF8(charset, data)), nil
}

// toUTF8 decodes text in charset: UTF-8 and US-ASCII as they are (invalid
// bytes replaced), ISO-8859-1 and Windows-1252 byte by byte.
func toUTF8(charset string, data []byte) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "iso-8859-1", "latin1", "iso_8859-1", "windows-1252", "cp1252":
		var b strings.Builder
		b.Grow(len(data))
		for _, c := range data {
			b.WriteRune(rune(c))
		}
		return b.String()
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

var (
	hrefRE = regexp.MustCompile(`(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`)
	urlRE  = regexp.MustCompile(`https?://[^\s<>"'()]+[^\s<>"'().,;:!?]`)
)

// extractLinks lists the links of a message: the href targets of its HTML
// part, then the URLs in its text part, each once.
func extractLinks(htmlPart, textPart string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		u = strings.TrimSpace(u)
		if u == "" || seen[u] || strings.HasPrefix(u, "#") {
			return
		}
		seen[u] = true
		out = append(out, u)
	}
	for _, m := range hrefRE.FindAllStringSubmatch(htmlPart, -1) {
		add(html.UnescapeString(m[1] + m[2] + m[3]))
	}
	for _, u := range urlRE.FindAllString(textPart, -1) {
		add(u)
	}
	return out
}

// mimeWordDecoder decodes RFC 2047 words in the charsets toUTF8 knows.
func mimeWordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: charsetReader}
}
