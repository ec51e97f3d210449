package s3

import (
	"strconv"
	"strings"
)

// byteRange is an inclusive byte range of an object.
type byteRange struct{ start, end int64 }

func (r byteRange) length() int64 { return r.end - r.start + 1 }

// parseRange interprets a Range header for an object of size bytes, as S3
// does: one "bytes=first-[last]" or "bytes=-suffix" range. ok is false when
// the whole object is to be served: no header, another unit, several
// ranges (S3 serves none of them), or a range that is not well-formed
// (RFC 9110 says to ignore it). A well-formed range that selects no byte
// is InvalidRange (416).
func parseRange(h string, size int64) (r byteRange, ok bool, err error) {
	h = strings.TrimSpace(h)
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.IndexByte(spec, ',') >= 0 {
		return r, false, nil
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return r, false, nil
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" {
		n, ok := digits(last)
		if !ok {
			return r, false, nil
		}
		if n == 0 || size == 0 {
			return r, false, errInvalidRange(h, size)
		}
		if n > size {
			n = size
		}
		return byteRange{size - n, size - 1}, true, nil
	}
	start, ok := digits(first)
	if !ok {
		return r, false, nil
	}
	end := int64(-1)
	if last != "" {
		if end, ok = digits(last); !ok || end < start {
			return r, false, nil
		}
	}
	if start >= size {
		return r, false, errInvalidRange(h, size)
	}
	if end < 0 || end >= size {
		end = size - 1
	}
	return byteRange{start, end}, true, nil
}

// digits parses a non-empty run of ASCII digits that fits an int64.
func digits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func errInvalidRange(h string, size int64) *apiError {
	return newErr("InvalidRange").with("RangeRequested", h).with("ActualObjectSize", itoa(size))
}
