package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// Code limits (AWS's).
const (
	maxZipBytes      = 50 << 20  // a direct upload
	maxUnzippedBytes = 262144000 // 250 MB
)

// codeStore keeps uploaded zips and their unpacked folders under a root:
// zips/<sha256-hex>.zip and code/<sha256-hex>/. A package is unpacked
// once, when it is uploaded; every function and version with the same
// code shares the folder.
type codeStore struct {
	root string
}

func (c *codeStore) zipPath(hexSum string) string {
	return filepath.Join(c.root, "zips", hexSum+".zip")
}
func (c *codeStore) dir(hexSum string) string { return filepath.Join(c.root, "code", hexSum) }

// hexOfBase64 turns a base64 CodeSha256 into hex.
func hexOfBase64(b64 string) string {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(raw)
}

// codeInfo describes a stored package.
type codeInfo struct {
	sha256B64 string
	hexSum    string
	size      int64
}

// put checks that data is a zip Lambda would accept, stores it and
// unpacks it (both only if not already there). Errors are AWS's
// InvalidParameterValueException for bad packages.
func (c *codeStore) put(data []byte) (codeInfo, error) {
	if len(data) > maxZipBytes {
		return codeInfo{}, awsRequestTooLarge()
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return codeInfo{}, invalidParam(msgCouldNotUnzip)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total >= maxUnzippedBytes {
		return codeInfo{}, invalidParam("Unzipped size must be smaller than %d bytes", maxUnzippedBytes)
	}
	sum := sha256.Sum256(data)
	info := codeInfo{sha256B64: base64.StdEncoding.EncodeToString(sum[:]), hexSum: hex.EncodeToString(sum[:]), size: int64(len(data))}
	if _, err := os.Stat(c.dir(info.hexSum)); err == nil {
		return info, nil
	}
	if err := writeAtomic(c.zipPath(info.hexSum), data); err != nil {
		return codeInfo{}, fmt.Errorf("store code: %w", err)
	}
	if err := c.unpack(zr, info.hexSum); err != nil {
		return codeInfo{}, err
	}
	return info, nil
}

// unpack extracts a zip into its folder through a temporary one, so a
// folder that exists is always complete.
func (c *codeStore) unpack(zr *zip.Reader, hexSum string) error {
	final := c.dir(hexSum)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return fmt.Errorf("unpack code: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(final), ".unpack-"+hexSum[:12]+"-")
	if err != nil {
		return fmt.Errorf("unpack code: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range zr.File {
		if err := extract(tmp, f); err != nil {
			if errors.Is(err, errBadEntry) {
				return invalidParam(msgCouldNotUnzip)
			}
			return fmt.Errorf("unpack code: %w", err)
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("unpack code: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, serr := os.Stat(final); serr == nil {
			return nil // unpacked concurrently
		}
		return fmt.Errorf("unpack code: %w", err)
	}
	return nil
}

var errBadEntry = errors.New("bad zip entry")

// extract writes one entry under dir. Entries that would land outside dir
// are refused; entries from zips made without Unix modes (Windows tools)
// become executable, as a bootstrap made there would need.
func extract(dir string, f *zip.File) error {
	name := strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(f.Name, `\`, "/")), "/")
	if name == "" || name == "." {
		return nil
	}
	if strings.HasPrefix(f.Name, "/") || strings.Contains("/"+f.Name+"/", "/../") {
		return errBadEntry
	}
	dst := filepath.Join(dir, filepath.FromSlash(name))
	mode := f.Mode()
	unixMode := f.CreatorVersion>>8 == 3 && f.ExternalAttrs>>16 != 0
	if f.FileInfo().IsDir() || strings.HasSuffix(f.Name, "/") {
		return os.MkdirAll(dst, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return errBadEntry
	}
	defer rc.Close()
	if mode&fs.ModeSymlink != 0 {
		target, err := io.ReadAll(io.LimitReader(rc, 4096))
		if err != nil {
			return errBadEntry
		}
		t := string(target)
		if filepath.IsAbs(t) || !strings.HasPrefix(filepath.Clean(filepath.Join(filepath.Dir(dst), t)), dir) {
			return nil // a link out of the package: skipped
		}
		return os.Symlink(t, dst)
	}
	perm := os.FileMode(0o755)
	if unixMode {
		perm = mode.Perm() | 0o444
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return errBadEntry
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm)
}

// remove deletes a package's zip and folder.
func (c *codeStore) remove(hexSum string) {
	if hexSum == "" {
		return
	}
	_ = os.Remove(c.zipPath(hexSum))
	_ = os.RemoveAll(c.dir(hexSum))
}

// all lists the packages on disk.
func (c *codeStore) all() []string {
	entries, err := os.ReadDir(filepath.Join(c.root, "code"))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".unpack-") {
			_ = os.RemoveAll(filepath.Join(c.root, "code", e.Name()))
			continue
		}
		out = append(out, e.Name())
	}
	zips, _ := os.ReadDir(filepath.Join(c.root, "zips"))
	for _, z := range zips {
		if h, ok := strings.CutSuffix(z.Name(), ".zip"); ok {
			if _, err := os.Stat(c.dir(h)); err != nil {
				out = append(out, h)
			}
		}
	}
	return out
}

func writeAtomic(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// awsRequestTooLarge is Lambda's 413 for an upload over the limit.
func awsRequestTooLarge() error {
	return &awsproto.Error{Code: "RequestEntityTooLargeException", Status: 413, Sender: true,
		Message: "Request must be smaller than 69905067 bytes for the CreateFunction operation"}
}
