// Package s3 is Amazon S3 for Stepflow: buckets, objects and the bucket
// settings the AWS SDKs, the AWS CLI and the Terraform AWS provider use,
// over S3's restXml wire protocol (path-style and virtual-hosted-style
// addressing), and an in-process API for Step Functions' aws-sdk:s3 tasks
// and Distributed Map's ItemReader and ResultWriter.
//
// Object content lives in files under Config.Dir, one file per write
// (temp file, fsync, rename, folder fsync); metadata lives in the shared
// SQLite database (tables prefixed "s3_") and is committed only once the
// content is durable, so a crash never leaves a half-written object
// visible. Files no row refers to (left by a crash between the rename and
// the commit, or between a delete's commit and the unlink) are removed
// when the service starts. Content is streamed in and out, never held in
// memory whole.
//
// Errors are S3's: <Error><Code>NoSuchBucket</Code><Message>The specified
// bucket does not exist</Message><BucketName>…</BucketName>… with the
// status S3 uses, from one table (errors.go). A request that fails changes
// nothing.
package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/store/sqlite"
)

// Config configures a Service. Zero values take the defaults in brackets.
type Config struct {
	// DB holds the metadata (tables s3_*). Required.
	DB *sqlite.DB
	// Dir holds object content (Dir/objects, Dir/tmp). Required.
	Dir string
	// Account owns every bucket; the canonical owner ID S3 shows is derived
	// from it. [111111111111]
	Account string
	// Region is the region of requests that do not say (unsigned requests
	// and the in-process API): CreateBucket without a location constraint
	// creates the bucket there when it is us-east-1. [us-east-1]
	Region string
	// Logger receives the service's logs. [discard]
	Logger *slog.Logger
	// Now is the clock. [time.Now]
	Now func() time.Time
	// PublicURL is the base URL clients use (e.g. http://localhost:8083);
	// its host name, unless an IP address, is a virtual-host base.
	PublicURL string
	// VirtualHostBases are the host names under which a leading label
	// names a bucket: a request to "<bucket>.<base>[:port]" is
	// virtual-hosted style (the longest matching base wins; a request to a
	// base itself, or to any other host, is path style). [s3.localhost,
	// localhost, and PublicURL's host]
	VirtualHostBases []string
	// MaxObjectSize is the largest object a single PUT or copy may create.
	// [5 GiB, as AWS]
	MaxObjectSize int64
	// NoSync skips fsync of object files and folders: for tests and
	// benchmarks only (metadata durability follows the database's
	// Synchronous option).
	NoSync bool
}

// maxObjectSize is S3's limit for a single PUT: 5 GiB.
const maxObjectSize = 5 << 30

func (c *Config) setDefaults() error {
	if c.DB == nil {
		return errors.New("s3 config: DB is required")
	}
	if c.Dir == "" {
		return errors.New("s3 config: Dir is required")
	}
	if c.Account == "" {
		c.Account = "111111111111"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxObjectSize <= 0 {
		c.MaxObjectSize = maxObjectSize
	}
	if c.VirtualHostBases == nil {
		c.VirtualHostBases = []string{"s3.localhost", "localhost"}
		if c.PublicURL != "" {
			u, err := url.Parse(c.PublicURL)
			if err != nil || u.Host == "" {
				return fmt.Errorf("s3 config: PublicURL %q is not an absolute URL", c.PublicURL)
			}
			if h := strings.ToLower(u.Hostname()); net.ParseIP(h) == nil {
				c.VirtualHostBases = append(c.VirtualHostBases, h)
			}
		}
	}
	return nil
}

// Service serves the S3 API. It is safe for concurrent use.
type Service struct {
	cfg   Config
	log   *slog.Logger
	comp  *sqlite.Component
	blobs *blobs
	bases []string // virtual-host bases, longest first
	owner string   // canonical user ID
}

// New opens the service on cfg's database and folder: migrates its
// tables, prepares the folder and removes content files no row refers to.
func New(cfg Config) (*Service, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	comp, err := cfg.DB.Component(ctx, "s3", migrations)
	if err != nil {
		return nil, fmt.Errorf("open s3: %w", err)
	}
	b, err := openBlobs(cfg.Dir, cfg.NoSync)
	if err != nil {
		return nil, fmt.Errorf("open s3: %w", err)
	}
	s := &Service{cfg: cfg, log: cfg.Logger, comp: comp, blobs: b, owner: canonicalID(cfg.Account)}
	for _, base := range cfg.VirtualHostBases {
		if base = strings.ToLower(strings.Trim(base, ".")); base != "" {
			s.bases = append(s.bases, base)
		}
	}
	sort.SliceStable(s.bases, func(i, j int) bool { return len(s.bases[i]) > len(s.bases[j]) })
	if err := s.sweep(ctx); err != nil {
		return nil, fmt.Errorf("open s3: %w", err)
	}
	return s, nil
}

// sweep removes content files no row refers to.
func (s *Service) sweep(ctx context.Context) error {
	keep, err := s.referencedBlobs(ctx)
	if err != nil {
		return err
	}
	n, err := s.blobs.sweep(func(id string) bool { _, ok := keep[id]; return ok })
	if err != nil {
		return fmt.Errorf("sweep object files: %w", err)
	}
	if n > 0 {
		s.log.Info("s3_swept_orphan_files", "files", n)
	}
	return nil
}

// Close releases the service; the service has no background work, so it
// only marks the end of its use. It is idempotent.
func (s *Service) Close() error { return nil }

func (s *Service) now() time.Time { return s.cfg.Now() }
