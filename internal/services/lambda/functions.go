package lambda

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/stepflow/stepflow/internal/awsproto"
)

func newID() string { return uuid.NewString() }

// decode unmarshals a (validated) request body.
func decode(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return awsproto.Serialization("Unexpected value type for field '" + te.Field + "'")
		}
		return awsproto.Serialization("")
	}
	return nil
}

// Runtimes Lambda no longer accepts for new or updated functions.
var deprecatedRuntimes = map[string]bool{
	"nodejs": true, "nodejs4.3": true, "nodejs4.3-edge": true, "nodejs6.10": true, "nodejs8.10": true,
	"nodejs10.x": true, "nodejs12.x": true, "nodejs14.x": true, "nodejs16.x": true,
	"python2.7": true, "python3.6": true, "python3.7": true, "python3.8": true,
	"dotnetcore1.0": true, "dotnetcore2.0": true, "dotnetcore2.1": true, "dotnetcore3.1": true, "dotnet6": true,
	"ruby2.5": true, "ruby2.7": true, "go1.x": true, "java8": true,
}

// runnable reports whether Stepflow can run a runtime: the OS-only
// runtimes, whose bootstrap is the function's own executable.
func runnable(runtime string) bool {
	return runtime == "provided.al2023" || runtime == "provided.al2" || runtime == "provided"
}

// Environment keys Lambda sets itself and refuses in a function's
// configuration.
var reservedEnv = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_DEFAULT_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_NAME",
	"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION", "AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN", "LAMBDA_RUNTIME_DIR", "LAMBDA_TASK_ROOT",
}

func checkEnv(vars map[string]string) error {
	var used []string
	size := 0
	for k, v := range vars {
		if slices.Contains(reservedEnv, k) {
			used = append(used, k)
		}
		size += len(k) + len(v)
	}
	if len(used) > 0 {
		sort.Strings(used)
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(used, ", "))
	}
	if size > 4096 {
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s", mustJSON(vars))
	}
	return nil
}

func checkRuntime(runtime string) error {
	if deprecatedRuntimes[runtime] {
		return invalidParam("The runtime parameter of %s is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.", runtime)
	}
	return nil
}

func checkTimeout(t *int) error {
	if t != nil && *t > 900 {
		return awsproto.ValidationError(awsproto.Violation("timeout", strconv.Itoa(*t), "Member must have value less than or equal to 900"))
	}
	return nil
}

type codeIn struct {
	ZipFile         []byte
	S3Bucket        string
	S3Key           string
	S3ObjectVersion string
	ImageURI        string `json:"ImageUri"`
}

type vpcIn struct {
	SubnetIDs        []string `json:"SubnetIds"`
	SecurityGroupIDs []string `json:"SecurityGroupIds"`
	IPv6DualStack    *bool    `json:"Ipv6AllowedForDualStack"`
}

type configIn struct {
	Role              *string
	Handler           *string
	Description       *string
	Timeout           *int
	MemorySize        *int
	VpcConfig         *vpcIn
	Environment       *struct{ Variables map[string]string }
	Runtime           *string
	DeadLetterConfig  *struct{ TargetArn string }
	KMSKeyArn         *string
	TracingConfig     *struct{ Mode string }
	RevisionID        string `json:"RevisionId"`
	Layers            *[]string
	FileSystemConfigs *[]fileSystem
	EphemeralStorage  *struct{ Size int }
	SnapStart         *struct{ ApplyOn string }
	LoggingConfig     *loggingConfig
}

type createFunctionIn struct {
	configIn
	FunctionName  string
	Code          *codeIn
	Publish       bool
	PackageType   string
	Tags          map[string]string
	Architectures []string
}

// apply overlays the members a request sets on c and checks them.
func (in *configIn) apply(c *fnConfig) error {
	if in.Role != nil {
		c.Role = *in.Role
	}
	if in.Handler != nil {
		c.Handler = *in.Handler
	}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if err := checkTimeout(in.Timeout); err != nil {
		return err
	}
	if in.Timeout != nil {
		c.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		c.MemorySize = *in.MemorySize
	}
	if in.VpcConfig != nil {
		if len(in.VpcConfig.SubnetIDs) == 0 {
			c.Vpc = nil
		} else {
			c.Vpc = &vpcConfig{SubnetIDs: in.VpcConfig.SubnetIDs, SecurityGroupIDs: in.VpcConfig.SecurityGroupIDs}
			if c.Vpc.SecurityGroupIDs == nil {
				c.Vpc.SecurityGroupIDs = []string{}
			}
			if in.VpcConfig.IPv6DualStack != nil {
				c.Vpc.IPv6DualStack = *in.VpcConfig.IPv6DualStack
			}
		}
	}
	if in.Environment != nil {
		if err := checkEnv(in.Environment.Variables); err != nil {
			return err
		}
		c.Env = in.Environment.Variables
		c.HasEnv = len(c.Env) > 0
		if !c.HasEnv {
			c.Env = nil
		}
	}
	if in.Runtime != nil {
		if err := checkRuntime(*in.Runtime); err != nil {
			return err
		}
		c.Runtime = *in.Runtime
	}
	if in.DeadLetterConfig != nil {
		c.DeadLetter = in.DeadLetterConfig.TargetArn
	}
	if in.KMSKeyArn != nil {
		c.KMSKeyArn = *in.KMSKeyArn
	}
	if in.TracingConfig != nil && in.TracingConfig.Mode != "" {
		c.TracingMode = in.TracingConfig.Mode
	}
	if in.Layers != nil {
		c.Layers = *in.Layers
	}
	if in.FileSystemConfigs != nil {
		c.FileSystems = *in.FileSystemConfigs
	}
	if in.EphemeralStorage != nil {
		c.EphemeralSize = in.EphemeralStorage.Size
	}
	if in.SnapStart != nil {
		c.SnapStart = in.SnapStart.ApplyOn
	}
	if in.LoggingConfig != nil {
		l := *in.LoggingConfig
		if l.LogFormat == "" {
			l.LogFormat = c.Logging.LogFormat
		}
		if l.LogGroup == "" {
			l.LogGroup = "/aws/lambda/" + c.Name
		}
		if l.LogFormat == "JSON" {
			if l.ApplicationLogLevel == "" {
				l.ApplicationLogLevel = "INFO"
			}
			if l.SystemLogLevel == "" {
				l.SystemLogLevel = "INFO"
			}
		} else if l.ApplicationLogLevel != "" || l.SystemLogLevel != "" {
			return invalidParam("Log levels can only be set when the log format is JSON.")
		}
		c.Logging = l
	}
	return nil
}

func (s *Service) createFunction(ctx context.Context, body []byte) (any, error) {
	var in createFunctionIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ref, err := parseFunctionName(in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if ref.qualifier != "" || s.foreign(ref) {
		return nil, invalidParam("Function name %s must be a plain name or an unqualified ARN of this account and region.", in.FunctionName)
	}
	if in.PackageType == "Image" {
		return nil, invalidParam("Stepflow runs Zip packages only: package the function as a zip with an executable named bootstrap at its root and use the provided.al2023 runtime.")
	}
	if in.Code == nil || len(in.Code.ZipFile) == 0 {
		if in.Code != nil && (in.Code.S3Bucket != "" || in.Code.ImageURI != "") {
			return nil, invalidParam("Stepflow takes function code as Code.ZipFile only: send the zip's bytes instead of an S3 object or image.")
		}
		return nil, invalidParam("Please provide a source for function code.")
	}
	if in.Runtime == nil || *in.Runtime == "" || in.Handler == nil || *in.Handler == "" {
		return nil, invalidParam("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	now := s.cfg.Now()
	c := &fnConfig{
		Name:          ref.name,
		Version:       latest,
		Timeout:       3,
		MemorySize:    128,
		Architectures: []string{"x86_64"},
		PackageType:   "Zip",
		TracingMode:   "PassThrough",
		EphemeralSize: 512,
		Logging:       loggingConfig{LogFormat: "Text", LogGroup: "/aws/lambda/" + ref.name},
		LastModified:  now,
		RevisionID:    newID(),
	}
	if len(in.Architectures) > 0 {
		c.Architectures = in.Architectures
	}
	if err := in.configIn.apply(c); err != nil {
		return nil, err
	}
	info, err := s.code.put(in.Code.ZipFile)
	if err != nil {
		return nil, err
	}
	c.CodeSha256, c.CodeSize = info.sha256B64, info.size

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.fns[ref.name]; ok {
		return nil, conflict("Function already exist: %s", ref.name)
	}
	f := &function{latest: c, nextVersion: 1, aliases: map[string]*alias{}, policies: map[string]*policy{}}
	if len(in.Tags) > 0 {
		f.tags = in.Tags
	}
	out := c
	if in.Publish {
		out = publish(f)
	}
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		if err := putFunction(tx, ref.name, f); err != nil {
			return err
		}
		if in.Publish {
			return putVersion(tx, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.fns[ref.name] = f
	return s.configOut(out), nil
}

// publish appends a version with $LATEST's code and configuration.
func publish(f *function) *fnConfig {
	v := f.latest.clone()
	v.Version = strconv.Itoa(f.nextVersion)
	v.RevisionID = newID()
	f.nextVersion++
	f.versions = append(f.versions, v)
	return v
}

// lookupLocked finds the function a reference names and checks that its
// qualifier (if any) exists. s.mu must be held.
func (s *Service) lookupLocked(ref fnRef) (*function, error) {
	f := s.fns[ref.name]
	if f == nil || s.foreign(ref) {
		return nil, functionNotFound(s.refARN(ref))
	}
	switch q := ref.qualifier; {
	case q == "" || q == latest:
	case isNumber(q):
		if f.version(q) == nil {
			return nil, functionNotFound(s.refARN(ref))
		}
	default:
		if f.aliases[q] == nil {
			return nil, functionNotFound(s.refARN(ref))
		}
	}
	return f, nil
}

// functionLocked finds the function a request names for an operation on
// the whole function: a qualifier in the name is ignored, and the
// reference returned has none. s.mu must be held.
func (s *Service) functionLocked(name string) (fnRef, *function, error) {
	ref, err := parseFunctionName(name, "")
	if err != nil {
		return fnRef{}, nil, err
	}
	ref.qualifier = ""
	f, err := s.lookupLocked(ref)
	return ref, f, err
}

// qualifiedLocked finds the function a request names and checks that the
// qualifier it carries (in the name, or qualifier: the request's
// Qualifier member) exists. s.mu must be held.
func (s *Service) qualifiedLocked(name, qualifier string) (fnRef, *function, error) {
	ref, err := parseFunctionName(name, qualifier)
	if err != nil {
		return fnRef{}, nil, err
	}
	f, err := s.lookupLocked(ref)
	return ref, f, err
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// resolveLocked returns the configuration a reference runs: $LATEST, a
// version, or an alias's version (picked by its routing weights).
func (s *Service) resolveLocked(ref fnRef) (*function, *fnConfig, error) {
	f, err := s.lookupLocked(ref)
	if err != nil {
		return nil, nil, err
	}
	switch q := ref.qualifier; {
	case q == "" || q == latest:
		return f, f.latest, nil
	case isNumber(q):
		return f, f.version(q), nil
	default:
		a := f.aliases[q]
		v := a.FunctionVersion
		if len(a.Weights) > 0 {
			r := rand.Float64()
			for ver, w := range a.Weights {
				if r < w {
					v = ver
					break
				}
				r -= w
			}
		}
		if v == latest {
			return f, f.latest, nil
		}
		if c := f.version(v); c != nil {
			return f, c, nil
		}
		return nil, nil, functionNotFound(s.qualifiedARN(ref.name, v))
	}
}

// functionIn is the input of the operations on a function or one of its
// versions or aliases.
type functionIn struct {
	FunctionName string
	Qualifier    string
}

type codeLocation struct {
	RepositoryType string `json:"RepositoryType"`
	Location       string `json:"Location"`
}

type concurrencyOut struct {
	ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions,omitempty"`
}

func (s *Service) getFunction(_ context.Context, body []byte) (any, error) {
	var in functionIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ref, f, err := s.qualifiedLocked(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	c := s.configLocked(f, ref.qualifier)
	out := struct {
		Configuration configOut         `json:"Configuration"`
		Code          codeLocation      `json:"Code"`
		Tags          map[string]string `json:"Tags,omitempty"`
		Concurrency   *concurrencyOut   `json:"Concurrency,omitempty"`
	}{
		Configuration: s.configOut(c),
		Code:          codeLocation{RepositoryType: "S3", Location: s.codeURL(c)},
		Tags:          f.tags,
	}
	if f.reserved != nil {
		out.Concurrency = &concurrencyOut{ReservedConcurrentExecutions: f.reserved}
	}
	return out, nil
}

// configLocked returns the configuration a qualifier names (an alias
// names its primary version).
func (s *Service) configLocked(f *function, q string) *fnConfig {
	switch {
	case q == "" || q == latest:
		return f.latest
	case isNumber(q):
		return f.version(q)
	}
	if a := f.aliases[q]; a != nil && a.FunctionVersion != latest {
		if v := f.version(a.FunctionVersion); v != nil {
			return v
		}
	}
	return f.latest
}

// codeURL is where GetFunction says the package can be downloaded.
func (s *Service) codeURL(c *fnConfig) string {
	return strings.TrimSuffix(s.cfg.EndpointURL, "/") + codeDownloadPrefix + c.codeHex() + ".zip"
}

func (s *Service) getFunctionConfiguration(_ context.Context, body []byte) (any, error) {
	var in functionIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ref, f, err := s.qualifiedLocked(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	return s.configOut(s.configLocked(f, ref.qualifier)), nil
}

type updateCodeIn struct {
	codeIn
	FunctionName  string
	Publish       bool
	DryRun        bool
	RevisionID    string `json:"RevisionId"`
	Architectures []string
}

// updateLocked finds the function an update of $LATEST names and checks
// the RevisionId the update sends against $LATEST's. s.mu must be held.
func (s *Service) updateLocked(name, revisionID string) (fnRef, *function, error) {
	ref, f, err := s.functionLocked(name)
	if err != nil {
		return ref, nil, err
	}
	if err := checkRevision(revisionID, f.latest.RevisionID); err != nil {
		return ref, nil, err
	}
	return ref, f, nil
}

// checkRevision is the optimistic lock of an update: a RevisionId the
// request sends must be the current one.
func checkRevision(sent, current string) error {
	if sent != "" && sent != current {
		return awsproto.NewError(CodePreconditionFailed, "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	return nil
}

func (s *Service) updateFunctionCode(ctx context.Context, body []byte) (any, error) {
	var in updateCodeIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.ZipFile) == 0 {
		if in.S3Bucket != "" || in.ImageURI != "" {
			return nil, invalidParam("Stepflow takes function code as ZipFile only: send the zip's bytes instead of an S3 object or image.")
		}
		return nil, invalidParam("Please provide a source for function code.")
	}
	info, err := s.code.put(in.ZipFile)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, err := s.updateLocked(in.FunctionName, in.RevisionID)
	if err != nil {
		return nil, err
	}
	c := f.latest.clone()
	c.CodeSha256, c.CodeSize = info.sha256B64, info.size
	if len(in.Architectures) > 0 {
		c.Architectures = in.Architectures
	}
	if in.DryRun {
		return s.configOut(c), nil
	}
	return s.replaceLatest(ctx, ref.name, f, c, in.Publish)
}

// replaceLatest stores a new $LATEST (and publishes it when asked), then
// retires the processes of the old one.
func (s *Service) replaceLatest(ctx context.Context, name string, f *function, c *fnConfig, publishIt bool) (any, error) {
	c.LastModified = s.cfg.Now()
	c.RevisionID = newID()
	old := f.latest
	nf := *f
	nf.latest = c
	nf.versions = slices.Clone(f.versions)
	out := c
	if publishIt {
		out = publish(&nf)
	}
	err := s.comp.Write(ctx, func(tx *sql.Tx) error {
		if err := putFunction(tx, name, &nf); err != nil {
			return err
		}
		if publishIt {
			return putVersion(tx, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	*f = nf
	s.rt.retire(name, old.Version, old.RevisionID)
	s.gcCodeLocked()
	return s.configOut(out), nil
}

type updateConfigIn struct {
	configIn
	FunctionName string
}

func (s *Service) updateFunctionConfiguration(ctx context.Context, body []byte) (any, error) {
	var in updateConfigIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, err := s.updateLocked(in.FunctionName, in.RevisionID)
	if err != nil {
		return nil, err
	}
	c := f.latest.clone()
	if err := in.configIn.apply(c); err != nil {
		return nil, err
	}
	return s.replaceLatest(ctx, ref.name, f, c, false)
}

func (s *Service) deleteFunction(ctx context.Context, body []byte) (any, error) {
	var in functionIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, err := s.qualifiedLocked(in.FunctionName, in.Qualifier)
	if err != nil {
		return nil, err
	}
	switch q := ref.qualifier; {
	case q == latest:
		return nil, invalidParam("$LATEST version cannot be deleted without deleting the function.")
	case isNumber(q):
		var users []string
		for _, a := range f.aliases {
			if a.FunctionVersion == q || a.Weights[q] > 0 {
				users = append(users, a.Name)
			}
		}
		if len(users) > 0 {
			sort.Strings(users)
			return nil, conflict("Unable to delete version because the following aliases reference it: [%s]", strings.Join(users, ", "))
		}
		v := f.version(q)
		err := s.comp.Write(ctx, func(tx *sql.Tx) error {
			n, _ := strconv.Atoi(q)
			if _, err := tx.Exec(`DELETE FROM lambda_versions WHERE name = ? AND version = ?`, ref.name, n); err != nil {
				return err
			}
			return putPolicy(tx, ref.name, q, nil)
		})
		if err != nil {
			return nil, err
		}
		f.versions = slices.DeleteFunc(slices.Clone(f.versions), func(c *fnConfig) bool { return c == v })
		delete(f.policies, q)
		s.rt.retire(ref.name, q, "")
		s.gcCodeLocked()
		return nil, nil
	case q != "":
		return nil, invalidParam("Deletion of aliases is not supported with the DeleteFunction API: use DeleteAlias.")
	}
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return deleteFunctionRows(tx, ref.name) }); err != nil {
		return nil, err
	}
	delete(s.fns, ref.name)
	s.rt.retireFunction(ref.name)
	s.logs.forget(ref.name)
	s.gcCodeLocked()
	return nil, nil
}

// gcCodeLocked removes the packages no function, version or live process
// uses. s.mu must be held.
func (s *Service) gcCodeLocked() {
	used := map[string]bool{}
	for _, f := range s.fns {
		used[f.latest.codeHex()] = true
		for _, v := range f.versions {
			used[v.codeHex()] = true
		}
	}
	for _, h := range s.code.all() {
		if !used[h] && !s.rt.usesCode(h) {
			s.code.remove(h)
		}
	}
}

type listIn struct {
	FunctionName    string
	FunctionVersion string
	Marker          string
	MaxItems        int
	MasterRegion    string
}

// pager is the window of a listing request: the items from its Marker on,
// at most MaxItems.
type pager struct {
	start string // the key of the first item: the decoded Marker
	limit int
}

// newPager reads a listing request's Marker and MaxItems (def when 0).
func newPager(marker string, maxItems, def int) (pager, error) {
	p := pager{limit: maxItems}
	if p.limit <= 0 {
		p.limit = def
	}
	if marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil {
			return pager{}, invalidParam("Invalid Marker: %s", marker)
		}
		p.start = string(b)
	}
	return p, nil
}

// page returns the page of a listing whose items' keys ascend, each item
// rendered by out, and the Marker of the next page ("" after the last).
func page[T, U any](p pager, items []T, key func(T) string, out func(T) U) ([]U, string) {
	list := []U{}
	for _, it := range items {
		k := key(it)
		if k < p.start {
			continue
		}
		if len(list) == p.limit {
			return list, base64.RawURLEncoding.EncodeToString([]byte(k))
		}
		list = append(list, out(it))
	}
	return list, ""
}

func (s *Service) listFunctions(_ context.Context, body []byte) (any, error) {
	var in listIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.MasterRegion != "" {
		return nil, invalidParam("Stepflow has no Lambda@Edge replicas: omit MasterRegion.")
	}
	p, err := newPager(in.Marker, in.MaxItems, 50)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	type item struct {
		key string
		c   *fnConfig
	}
	var items []item
	for _, n := range s.sortedNames() {
		f := s.fns[n]
		items = append(items, item{n + "\x00", f.latest})
		if in.FunctionVersion == "ALL" {
			for _, v := range f.versions {
				items = append(items, item{n + "\x00" + leftPad(v.Version), v})
			}
		}
	}
	var out struct {
		Functions  []configOut `json:"Functions"`
		NextMarker string      `json:"NextMarker,omitempty"`
	}
	out.Functions, out.NextMarker = page(p, items, func(it item) string { return it.key },
		func(it item) configOut { return s.configOut(it.c) })
	return out, nil
}

func leftPad(v string) string { return strings.Repeat("0", max(0, 12-len(v))) + v }

func (s *Service) listVersionsByFunction(_ context.Context, body []byte) (any, error) {
	var in listIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	p, err := newPager(in.Marker, in.MaxItems, 50)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, f, err := s.functionLocked(in.FunctionName)
	if err != nil {
		return nil, err
	}
	all := append([]*fnConfig{f.latest}, f.versions...)
	key := func(c *fnConfig) string {
		if c.Version == latest {
			return "0"
		}
		return "1" + leftPad(c.Version)
	}
	var out struct {
		Versions   []configOut `json:"Versions"`
		NextMarker string      `json:"NextMarker,omitempty"`
	}
	out.Versions, out.NextMarker = page(p, all, key, s.configOut)
	return out, nil
}

type publishIn struct {
	FunctionName string
	CodeSha256   string
	Description  *string
	RevisionID   string `json:"RevisionId"`
}

func (s *Service) publishVersion(ctx context.Context, body []byte) (any, error) {
	var in publishIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, err := s.updateLocked(in.FunctionName, in.RevisionID)
	if err != nil {
		return nil, err
	}
	if in.CodeSha256 != "" && in.CodeSha256 != f.latest.CodeSha256 {
		return nil, invalidParam("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", in.CodeSha256, f.latest.CodeSha256)
	}
	if n := len(f.versions); n > 0 && f.latest.sameAsPublished(f.versions[n-1]) {
		return s.configOut(f.versions[n-1]), nil
	}
	nf := *f
	nf.versions = slices.Clone(f.versions)
	v := publish(&nf)
	if in.Description != nil {
		v.Description = *in.Description
	}
	err = s.comp.Write(ctx, func(tx *sql.Tx) error {
		if err := putFunction(tx, ref.name, &nf); err != nil {
			return err
		}
		return putVersion(tx, v)
	})
	if err != nil {
		return nil, err
	}
	*f = nf
	return s.configOut(v), nil
}

func (s *Service) getFunctionCodeSigningConfig(_ context.Context, body []byte) (any, error) {
	var in functionIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ref, _, err := s.functionLocked(in.FunctionName)
	if err != nil {
		return nil, err
	}
	return struct {
		CodeSigningConfigArn string `json:"CodeSigningConfigArn"`
		FunctionName         string `json:"FunctionName"`
	}{"", ref.name}, nil
}

type concurrencyIn struct {
	FunctionName                 string
	ReservedConcurrentExecutions *int
}

// minUnreserved is the part of the account's concurrency reservations may
// not take (AWS keeps 100 of 1,000).
func (s *Service) minUnreserved() int { return max(1, s.cfg.MaxConcurrency/10) }

func (s *Service) putFunctionConcurrency(ctx context.Context, body []byte) (any, error) {
	var in concurrencyIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ref, err := parseFunctionName(in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	if ref.qualifier != "" {
		return nil, invalidParam("This operation is not supported for a qualified function name: use the unqualified function name.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.lookupLocked(ref)
	if err != nil {
		return nil, err
	}
	n := *in.ReservedConcurrentExecutions
	others := 0
	for name, g := range s.fns {
		if name != ref.name && g.reserved != nil {
			others += *g.reserved
		}
	}
	if s.cfg.MaxConcurrency-others-n < s.minUnreserved() {
		return nil, invalidParam("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [%d].", s.minUnreserved())
	}
	nf := *f
	nf.reserved = &n
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return putFunction(tx, ref.name, &nf) }); err != nil {
		return nil, err
	}
	*f = nf
	s.lim.setReserved(ref.name, &n)
	return concurrencyOut{ReservedConcurrentExecutions: &n}, nil
}

func (s *Service) getFunctionConcurrency(_ context.Context, body []byte) (any, error) {
	var in concurrencyIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, f, err := s.functionLocked(in.FunctionName)
	if err != nil {
		return nil, err
	}
	return concurrencyOut{ReservedConcurrentExecutions: f.reserved}, nil
}

func (s *Service) deleteFunctionConcurrency(ctx context.Context, body []byte) (any, error) {
	var in concurrencyIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, f, err := s.functionLocked(in.FunctionName)
	if err != nil {
		return nil, err
	}
	nf := *f
	nf.reserved = nil
	if err := s.comp.Write(ctx, func(tx *sql.Tx) error { return putFunction(tx, ref.name, &nf) }); err != nil {
		return nil, err
	}
	*f = nf
	s.lim.setReserved(ref.name, nil)
	return nil, nil
}

func (s *Service) getAccountSettings(_ context.Context, _ []byte) (any, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	reserved, size := 0, int64(0)
	for _, f := range s.fns {
		if f.reserved != nil {
			reserved += *f.reserved
		}
		size += f.latest.CodeSize
		for _, v := range f.versions {
			size += v.CodeSize
		}
	}
	type limit struct {
		TotalCodeSize                  int64 `json:"TotalCodeSize"`
		CodeSizeUnzipped               int64 `json:"CodeSizeUnzipped"`
		CodeSizeZipped                 int64 `json:"CodeSizeZipped"`
		ConcurrentExecutions           int   `json:"ConcurrentExecutions"`
		UnreservedConcurrentExecutions int   `json:"UnreservedConcurrentExecutions"`
	}
	type usage struct {
		TotalCodeSize int64 `json:"TotalCodeSize"`
		FunctionCount int   `json:"FunctionCount"`
	}
	return struct {
		AccountLimit limit `json:"AccountLimit"`
		AccountUsage usage `json:"AccountUsage"`
	}{
		limit{80530636800, maxUnzippedBytes, maxZipBytes, s.cfg.MaxConcurrency, s.cfg.MaxConcurrency - reserved},
		usage{size, len(s.fns)},
	}, nil
}
