package s3

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// blobs keeps object content as files: Dir/objects/<2 hex>/<30 hex>, one
// file per write, never modified once in place. New content is written
// under Dir/tmp, fsynced and renamed into place (and its folder fsynced)
// before any database row refers to it.
type blobs struct {
	objects string
	tmp     string
	noSync  bool
}

// openBlobs prepares the folders under dir and empties tmp (uploads a
// crash interrupted).
func openBlobs(dir string, noSync bool) (*blobs, error) {
	b := &blobs{objects: filepath.Join(dir, "objects"), tmp: filepath.Join(dir, "tmp"), noSync: noSync}
	if err := os.RemoveAll(b.tmp); err != nil {
		return nil, fmt.Errorf("open object folder: %w", err)
	}
	for _, d := range []string{b.objects, b.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("open object folder: %w", err)
		}
	}
	for i := range 256 {
		if err := os.MkdirAll(filepath.Join(b.objects, fmt.Sprintf("%02x", i)), 0o755); err != nil {
			return nil, fmt.Errorf("open object folder: %w", err)
		}
	}
	if err := b.syncDir(b.objects); err != nil {
		return nil, fmt.Errorf("open object folder: %w", err)
	}
	return b, nil
}

func newBlobID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	return hex.EncodeToString(u[:])
}

// path is where blob id lives.
func (b *blobs) path(id string) string {
	return filepath.Join(b.objects, id[:2], id[2:])
}

// validID reports whether id has the form newBlobID makes, so a damaged
// row can never name a path outside the folder.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// open opens blob id for reading.
func (b *blobs) open(id string) (*os.File, error) {
	if !validID(id) {
		return nil, fmt.Errorf("open object content: bad id %q", id)
	}
	return os.Open(b.path(id))
}

// blobWriter is content being written. Write, then commit (durable, in
// place) or abort (gone).
type blobWriter struct {
	b *blobs
	f *os.File
}

func (b *blobs) create() (*blobWriter, error) {
	f, err := os.CreateTemp(b.tmp, "put-*")
	if err != nil {
		return nil, fmt.Errorf("create object file: %w", err)
	}
	return &blobWriter{b: b, f: f}, nil
}

func (w *blobWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

// ReadFrom lets io.Copy use copy_file_range when the source is a file.
func (w *blobWriter) ReadFrom(r io.Reader) (int64, error) { return w.f.ReadFrom(r) }

// commit makes the content durable under a new id and returns the id.
func (w *blobWriter) commit() (string, error) {
	if !w.b.noSync {
		if err := w.f.Sync(); err != nil {
			w.abort()
			return "", fmt.Errorf("sync object file: %w", err)
		}
	}
	if err := w.f.Close(); err != nil {
		_ = os.Remove(w.f.Name())
		return "", fmt.Errorf("close object file: %w", err)
	}
	id := newBlobID()
	dst := w.b.path(id)
	if err := os.Rename(w.f.Name(), dst); err != nil {
		_ = os.Remove(w.f.Name())
		return "", fmt.Errorf("place object file: %w", err)
	}
	if err := w.b.syncDir(filepath.Dir(dst)); err != nil {
		_ = os.Remove(dst)
		return "", fmt.Errorf("sync object folder: %w", err)
	}
	return id, nil
}

// abort discards the content.
func (w *blobWriter) abort() {
	_ = w.f.Close()
	_ = os.Remove(w.f.Name())
}

func (b *blobs) syncDir(dir string) error {
	if b.noSync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// link gives blob id's content a second id (a hard link, so a copy costs
// nothing); it falls back to copying the bytes.
func (b *blobs) link(id string) (string, error) {
	if !validID(id) {
		return "", fmt.Errorf("link object content: bad id %q", id)
	}
	nid := newBlobID()
	if err := os.Link(b.path(id), b.path(nid)); err == nil {
		if err := b.syncDir(filepath.Dir(b.path(nid))); err != nil {
			_ = os.Remove(b.path(nid))
			return "", fmt.Errorf("sync object folder: %w", err)
		}
		return nid, nil
	}
	src, err := b.open(id)
	if err != nil {
		return "", fmt.Errorf("copy object content: %w", err)
	}
	defer src.Close()
	w, err := b.create()
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(w, src); err != nil {
		w.abort()
		return "", fmt.Errorf("copy object content: %w", err)
	}
	return w.commit()
}

// remove deletes blobs no row refers to any more. Errors are ignored: a
// file left behind is swept at the next start.
func (b *blobs) remove(ids ...string) {
	for _, id := range ids {
		if validID(id) {
			_ = os.Remove(b.path(id))
		}
	}
}

// sweep deletes every blob for which keep returns false.
func (b *blobs) sweep(keep func(id string) bool) (removed int, err error) {
	err = filepath.WalkDir(b.objects, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		shard := filepath.Base(filepath.Dir(p))
		id := shard + d.Name()
		if !validID(id) || !keep(id) {
			if os.Remove(p) == nil {
				removed++
			}
		}
		return nil
	})
	return removed, err
}
