// Package resource is the bookkeeping that AWS APIs do alike for the
// resources they manage, shared by the emulated services: Key/Value tag
// lists (Tag, MergeTags, DropTags) and listing by name, a page at a time,
// behind opaque NextTokens (Page, Token, ParseToken).
//
// It holds no resources and no error wording: a service keeps its own
// resources and answers a bad token or too many tags in its own words.
package resource

import (
	"encoding/base64"
	"slices"
	"sort"
)

// Tag is one resource tag, as the APIs carry it.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// MergeTags returns have with add set on it: a key have holds takes its new
// value in place, a new key is appended. The result is never nil, and have
// is not changed.
func MergeTags(have, add []Tag) []Tag {
	out := append([]Tag{}, have...)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(o Tag) bool { return o.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	return out
}

// DropTags returns have without the tags whose key is in keys. The result is
// never nil, and have is not changed.
func DropTags(have []Tag, keys []string) []Tag {
	out := []Tag{}
	for _, t := range have {
		if !slices.Contains(keys, t.Key) {
			out = append(out, t)
		}
	}
	return out
}

// DefaultPageSize is the page size of a list call that sets no limit.
const DefaultPageSize = 100

// Token returns the NextToken of the page that starts after the name pos.
func Token(pos string) string { return base64.RawURLEncoding.EncodeToString([]byte(pos)) }

// ParseToken returns the name a NextToken starts after ("" for no token,
// the first page), and false for a token that Token did not make.
func ParseToken(tok string) (pos string, ok bool) {
	if tok == "" {
		return "", true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", false
	}
	return string(b), true
}

// Page sorts names and returns those after the name after ("" for the
// first page), at most limit of them (DefaultPageSize when limit <= 0), and
// the NextToken of the page after it ("" when this is the last page).
func Page(names []string, after string, limit int) (page []string, next string) {
	if limit <= 0 {
		limit = DefaultPageSize
	}
	sort.Strings(names)
	i := 0
	if after != "" {
		i = sort.SearchStrings(names, after)
		if i < len(names) && names[i] == after {
			i++
		}
	}
	names = names[i:]
	if len(names) > limit {
		return names[:limit], Token(names[limit-1])
	}
	return names, ""
}
