package ses

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// address is one parsed e-mail address: the display name (may be empty)
// and the bare address.
type address struct {
	name string
	addr string
}

// Address problems, worded as SES v1 words them in InvalidParameterValue.
var (
	errMissingDomain  = errors.New("Missing final '@domain'")
	errMissingLocal   = errors.New("Missing local name")
	errLocalSpace     = errors.New("Local address contains control or whitespace")
	errDomainSpace    = errors.New("Domain contains control or whitespace")
	errDomainIllegal  = errors.New("Domain contains illegal character")
	errDomainEndsDot  = errors.New("Domain ends in dot")
	errDomainStartDot = errors.New("Domain starts with dot")
	errIllegalAddress = errors.New("Illegal address")
)

// maxAddressLen bounds an address (RFC 5321's path limit).
const maxAddressLen = 320

// parseAddress parses "a@b" or "Display Name <a@b>" (the name quoted or
// RFC 2047-encoded or not) and checks the address as SES does.
func parseAddress(s string) (address, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return address{}, errMissingDomain
	}
	var a address
	if strings.HasSuffix(s, ">") && strings.Contains(s, "<") {
		if p, err := mail.ParseAddress(s); err == nil {
			a = address{name: p.Name, addr: p.Address}
		} else {
			i := strings.LastIndexByte(s, '<')
			a = address{name: strings.Trim(strings.TrimSpace(s[:i]), `"`), addr: s[i+1 : len(s)-1]}
		}
	} else {
		a = address{addr: s}
	}
	if err := checkAddress(a.addr); err != nil {
		return address{}, err
	}
	return a, nil
}

// checkAddress checks a bare address.
func checkAddress(addr string) error {
	if len(addr) > maxAddressLen || !utf8.ValidString(addr) {
		return errIllegalAddress
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return errMissingDomain
	}
	local, domain := addr[:at], addr[at+1:]
	if local == "" {
		return errMissingLocal
	}
	if domain == "" {
		return errMissingDomain
	}
	for _, r := range local {
		if r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r) {
			return errLocalSpace
		}
	}
	if strings.ContainsAny(local, "<>") {
		return errIllegalAddress
	}
	return checkDomain(domain)
}

// checkDomain checks a domain name: labels of letters, digits, hyphens
// and non-ASCII letters (internationalized names), separated by dots.
func checkDomain(domain string) error {
	if domain == "" || len(domain) > 253 {
		return errMissingDomain
	}
	for _, r := range domain {
		switch {
		case r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r):
			return errDomainSpace
		case r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case r >= utf8.RuneSelf && unicode.IsPrint(r):
		default:
			return errDomainIllegal
		}
	}
	if strings.HasSuffix(domain, ".") {
		return errDomainEndsDot
	}
	if strings.HasPrefix(domain, ".") {
		return errDomainStartDot
	}
	if strings.Contains(domain, "..") {
		return errIllegalAddress
	}
	return nil
}

// domainOf returns the lower-cased domain of a bare address.
func domainOf(addr string) string {
	return strings.ToLower(addr[strings.LastIndexByte(addr, '@')+1:])
}
