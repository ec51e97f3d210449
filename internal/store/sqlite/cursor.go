package sqlite

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/store"
)

// A cursor is the sort key of the last item of a page: an integer (a date
// or a version number) and an ARN, base64 encoded so callers treat it as
// opaque. The kind letter keeps one list's cursor out of another list.
type cursor struct {
	key int64
	arn string
}

// encode returns the cursor's text for a list of kind k.
func (c cursor) encode(k byte) string {
	b := make([]byte, 0, 24+len(c.arn))
	b = append(b, k, '|')
	b = strconv.AppendInt(b, c.key, 10)
	b = append(b, '|')
	b = append(b, c.arn...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses s, a cursor of kind k; "" is the first page, whose
// cursor is start: a key before every row.
func decodeCursor(s string, k byte, start cursor) (c cursor, err error) {
	if s == "" {
		return start, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[0] != k || b[1] != '|' {
		return cursor{}, fmt.Errorf("decode cursor: %w", store.ErrInvalidCursor)
	}
	key, arn, ok := strings.Cut(string(b[2:]), "|")
	if !ok {
		return cursor{}, fmt.Errorf("decode cursor: %w", store.ErrInvalidCursor)
	}
	n, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return cursor{}, fmt.Errorf("decode cursor: %w", store.ErrInvalidCursor)
	}
	return cursor{key: n, arn: arn}, nil
}

// Cursor kinds.
const (
	kindStateMachines = 's'
	kindVersions      = 'v'
	kindAliases       = 'a'
	kindActivities    = 'c'
	kindExecutions    = 'e'
)

// Start cursors for ascending and descending orders.
var (
	ascending  = cursor{key: math.MinInt64}
	descending = cursor{key: math.MaxInt64}
)

// pageLimit returns the page size for a requested limit (0 or less: 100).
func pageLimit(limit int) int {
	if limit <= 0 {
		return 100
	}
	return limit
}
