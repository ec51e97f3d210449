package s3

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// chunkedReader decodes an aws-chunked body (SigV4 streaming uploads and
// the SDKs' trailing checksums):
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;...]\r\n
//	[<trailer>:<value>\r\n ...]\r\n
//
// Chunk signatures are not verified (the seed signature of the headers
// is). Trailers are collected, names in lower case, once Read has returned
// io.EOF.
type chunkedReader struct {
	r        *bufio.Reader
	left     int64 // bytes left in the current chunk
	started  bool
	done     bool
	trailers map[string]string
	err      error
}

// maxChunkLine bounds a chunk header or trailer line.
const maxChunkLine = 4096

func newChunkedReader(r io.Reader) *chunkedReader {
	return &chunkedReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// errChunk is the error for a body that is not valid aws-chunked encoding.
func errChunk() *apiError {
	return errInvalidRequest("The request body is not valid aws-chunked encoding.")
}

// errTruncated is the error for a body that ended early.
func errTruncated() *apiError { return newErr("IncompleteBody") }

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left == 0 {
		if c.done {
			return 0, io.EOF
		}
		if err := c.next(); err != nil {
			c.err = err
			return 0, err
		}
		if c.done {
			c.err = io.EOF
			return 0, io.EOF
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errTruncated()
		}
		c.err = err
		if n > 0 {
			return n, nil
		}
	}
	return n, err
}

// line reads one CRLF-terminated line without its terminator.
func (c *chunkedReader) line() (string, error) {
	b, err := c.r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) || len(b) > maxChunkLine {
			return "", errChunk()
		}
		if errors.Is(err, io.EOF) {
			return "", errTruncated()
		}
		return "", err
	}
	if len(b) > maxChunkLine {
		return "", errChunk()
	}
	s := string(b[:len(b)-1])
	return strings.TrimSuffix(s, "\r"), nil
}

// next reads the CRLF ending the previous chunk and the next chunk header;
// after the last chunk it reads the trailers.
func (c *chunkedReader) next() error {
	if c.started {
		l, err := c.line()
		if err != nil {
			return err
		}
		if l != "" {
			return errChunk()
		}
	}
	c.started = true
	l, err := c.line()
	if err != nil {
		return err
	}
	size, ok := parseChunkSize(l)
	if !ok {
		return errChunk()
	}
	if size > 0 {
		c.left = size
		return nil
	}
	c.done = true
	for {
		l, err := c.line()
		if err != nil {
			if isIncomplete(err) {
				return nil // tolerate a body without the final empty line
			}
			return err
		}
		if l == "" {
			return nil
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return errChunk()
		}
		if c.trailers == nil {
			c.trailers = map[string]string{}
		}
		c.trailers[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
	}
}

func isIncomplete(err error) bool {
	var e *apiError
	return errors.As(err, &e) && e.Code == "IncompleteBody"
}

// parseChunkSize reads "<hex>[;extensions]".
func parseChunkSize(l string) (int64, bool) {
	hexPart, _, _ := strings.Cut(l, ";")
	hexPart = strings.TrimSpace(hexPart)
	if hexPart == "" || len(hexPart) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(hexPart); i++ {
		c := hexPart[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		n = n<<4 | int64(d)
	}
	return n, true
}
