package s3

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// Checksum algorithms S3 accepts for x-amz-checksum-*.
const (
	algCRC32     = "CRC32"
	algCRC32C    = "CRC32C"
	algCRC64NVME = "CRC64NVME"
	algSHA1      = "SHA1"
	algSHA256    = "SHA256"
)

// checksumAlgs lists them in the order S3's documentation does.
var checksumAlgs = [...]string{algCRC32, algCRC32C, algCRC64NVME, algSHA1, algSHA256}

// crc64NVME is CRC-64/NVME (polynomial 0xad93d23594c93659, reflected; the
// table takes the reversed form), the checksum S3 computes for every object
// stored without one.
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

var crc32C = crc32.MakeTable(crc32.Castagnoli)

// newChecksum returns the hash of a checksum algorithm, or nil.
func newChecksum(alg string) hash.Hash {
	switch alg {
	case algCRC32:
		return crc32.NewIEEE()
	case algCRC32C:
		return crc32.New(crc32C)
	case algCRC64NVME:
		return crc64.New(crc64NVME)
	case algSHA1:
		return sha1.New()
	case algSHA256:
		return sha256.New()
	}
	return nil
}

// checksumSize is the digest length of alg in bytes.
func checksumSize(alg string) int {
	switch alg {
	case algCRC32, algCRC32C:
		return 4
	case algCRC64NVME:
		return 8
	case algSHA1:
		return 20
	case algSHA256:
		return 32
	}
	return 0
}

// checksumHeader is the header that carries alg's value, e.g.
// "x-amz-checksum-crc32".
func checksumHeader(alg string) string { return "x-amz-checksum-" + strings.ToLower(alg) }

// validChecksum reports whether v is a base64 digest of alg's size.
func validChecksum(alg, v string) bool {
	b, err := base64.StdEncoding.DecodeString(v)
	return err == nil && len(b) == checksumSize(alg)
}

func b64(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// contentMD5 decodes a Content-MD5 header: 16 bytes of base64.
func contentMD5(v string) ([]byte, bool) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil || len(b) != md5.Size {
		return nil, false
	}
	return b, true
}

// checksumOf computes alg over data (for small in-memory bodies).
func checksumOf(alg string, data []byte) string {
	h := newChecksum(alg)
	h.Write(data)
	return b64(h.Sum(nil))
}
