package lambda

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"
)

// fnConfig is one version of a function ($LATEST or a published number).
// Values are immutable once stored in a function: changes build a copy.
// It is persisted as JSON.
type fnConfig struct {
	Name          string            `json:"name"`
	Version       string            `json:"version"`
	Runtime       string            `json:"runtime,omitempty"`
	Role          string            `json:"role"`
	Handler       string            `json:"handler,omitempty"`
	Description   string            `json:"description"`
	Timeout       int               `json:"timeout"`
	MemorySize    int               `json:"memorySize"`
	Env           map[string]string `json:"env,omitempty"`
	HasEnv        bool              `json:"hasEnv,omitempty"`
	Architectures []string          `json:"architectures"`
	PackageType   string            `json:"packageType"`
	CodeSha256    string            `json:"codeSha256"`
	CodeSize      int64             `json:"codeSize"`
	LastModified  time.Time         `json:"lastModified"`
	RevisionID    string            `json:"revisionId"`
	TracingMode   string            `json:"tracingMode"`
	EphemeralSize int               `json:"ephemeralSize"`
	Logging       loggingConfig     `json:"logging"`
	KMSKeyArn     string            `json:"kmsKeyArn,omitempty"`
	DeadLetter    string            `json:"deadLetter,omitempty"`
	Layers        []string          `json:"layers,omitempty"`
	Vpc           *vpcConfig        `json:"vpc,omitempty"`
	FileSystems   []fileSystem      `json:"fileSystems,omitempty"`
	SnapStart     string            `json:"snapStart,omitempty"`
}

// codeHex is the hex SHA-256 of the code, which names its files.
func (c *fnConfig) codeHex() string { return hexOfBase64(c.CodeSha256) }

// clone returns a deep copy.
func (c *fnConfig) clone() *fnConfig {
	n := *c
	n.Env = maps.Clone(c.Env)
	n.Architectures = slices.Clone(c.Architectures)
	n.Layers = slices.Clone(c.Layers)
	n.FileSystems = slices.Clone(c.FileSystems)
	if c.Vpc != nil {
		v := *c.Vpc
		v.SubnetIDs = slices.Clone(v.SubnetIDs)
		v.SecurityGroupIDs = slices.Clone(v.SecurityGroupIDs)
		n.Vpc = &v
	}
	return &n
}

// sameAsPublished reports whether a $LATEST config has the code and
// settings of a published version (PublishVersion then returns that
// version instead of a new one).
func (c *fnConfig) sameAsPublished(v *fnConfig) bool {
	a, b := c.clone(), v.clone()
	a.Version, b.Version = "", ""
	a.RevisionID, b.RevisionID = "", ""
	a.LastModified, b.LastModified = time.Time{}, time.Time{}
	a.Description, b.Description = "", ""
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

type loggingConfig struct {
	LogFormat           string `json:"LogFormat,omitempty"`
	ApplicationLogLevel string `json:"ApplicationLogLevel,omitempty"`
	SystemLogLevel      string `json:"SystemLogLevel,omitempty"`
	LogGroup            string `json:"LogGroup,omitempty"`
}

type vpcConfig struct {
	SubnetIDs        []string `json:"SubnetIds"`
	SecurityGroupIDs []string `json:"SecurityGroupIds"`
	IPv6DualStack    bool     `json:"Ipv6AllowedForDualStack"`
}

type fileSystem struct {
	Arn            string `json:"Arn"`
	LocalMountPath string `json:"LocalMountPath"`
}

// alias is a function alias.
type alias struct {
	Name            string             `json:"name"`
	FunctionVersion string             `json:"functionVersion"`
	Description     string             `json:"description"`
	Weights         map[string]float64 `json:"weights,omitempty"`
	RevisionID      string             `json:"revisionId"`
}

// function is a function with its versions, aliases, tags, reserved
// concurrency and resource policies. Guarded by Service.mu; its configs
// are immutable.
type function struct {
	latest      *fnConfig
	versions    []*fnConfig // published, by number
	nextVersion int
	aliases     map[string]*alias
	tags        map[string]string
	reserved    *int
	policies    map[string]*policy // by qualifier; "" is the unqualified function
}

// version returns the published version n.
func (f *function) version(n string) *fnConfig {
	for _, v := range f.versions {
		if v.Version == n {
			return v
		}
	}
	return nil
}

// Wire shapes. Member names are the model's.

type environmentOut struct {
	Variables map[string]string `json:"Variables"`
}

type tracingOut struct {
	Mode string `json:"Mode"`
}

type ephemeralOut struct {
	Size int `json:"Size"`
}

type snapStartOut struct {
	ApplyOn            string `json:"ApplyOn"`
	OptimizationStatus string `json:"OptimizationStatus"`
}

type layerOut struct {
	Arn      string `json:"Arn"`
	CodeSize int64  `json:"CodeSize"`
}

type vpcOut struct {
	SubnetIDs        []string `json:"SubnetIds"`
	SecurityGroupIDs []string `json:"SecurityGroupIds"`
	VpcID            string   `json:"VpcId"`
	IPv6DualStack    bool     `json:"Ipv6AllowedForDualStack"`
}

type deadLetterOut struct {
	TargetArn string `json:"TargetArn"`
}

type runtimeVersionOut struct {
	RuntimeVersionArn string `json:"RuntimeVersionArn"`
}

// configOut is FunctionConfiguration, in the member order AWS sends.
type configOut struct {
	FunctionName         string             `json:"FunctionName"`
	FunctionArn          string             `json:"FunctionArn"`
	Runtime              string             `json:"Runtime,omitempty"`
	Role                 string             `json:"Role"`
	Handler              string             `json:"Handler,omitempty"`
	CodeSize             int64              `json:"CodeSize"`
	Description          string             `json:"Description"`
	Timeout              int                `json:"Timeout"`
	MemorySize           int                `json:"MemorySize"`
	LastModified         string             `json:"LastModified"`
	CodeSha256           string             `json:"CodeSha256"`
	Version              string             `json:"Version"`
	VpcConfig            *vpcOut            `json:"VpcConfig,omitempty"`
	DeadLetterConfig     *deadLetterOut     `json:"DeadLetterConfig,omitempty"`
	Environment          *environmentOut    `json:"Environment,omitempty"`
	KMSKeyArn            string             `json:"KMSKeyArn,omitempty"`
	TracingConfig        tracingOut         `json:"TracingConfig"`
	RevisionID           string             `json:"RevisionId"`
	Layers               []layerOut         `json:"Layers,omitempty"`
	State                string             `json:"State"`
	StateReason          string             `json:"StateReason,omitempty"`
	StateReasonCode      string             `json:"StateReasonCode,omitempty"`
	LastUpdateStatus     string             `json:"LastUpdateStatus"`
	FileSystemConfigs    []fileSystem       `json:"FileSystemConfigs,omitempty"`
	PackageType          string             `json:"PackageType"`
	Architectures        []string           `json:"Architectures"`
	EphemeralStorage     ephemeralOut       `json:"EphemeralStorage"`
	SnapStart            snapStartOut       `json:"SnapStart"`
	RuntimeVersionConfig *runtimeVersionOut `json:"RuntimeVersionConfig,omitempty"`
	LoggingConfig        loggingConfig      `json:"LoggingConfig"`
}

// lastModified formats a time as Lambda does: 2024-01-02T15:04:05.000+0000.
func lastModified(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000-0700")
}

// out renders a config as FunctionConfiguration.
func (s *Service) configOut(c *fnConfig) configOut {
	arn := s.functionARN(c.Name)
	if c.Version != latest {
		arn += ":" + c.Version
	}
	o := configOut{
		FunctionName:      c.Name,
		FunctionArn:       arn,
		Runtime:           c.Runtime,
		Role:              c.Role,
		Handler:           c.Handler,
		CodeSize:          c.CodeSize,
		Description:       c.Description,
		Timeout:           c.Timeout,
		MemorySize:        c.MemorySize,
		LastModified:      lastModified(c.LastModified),
		CodeSha256:        c.CodeSha256,
		Version:           c.Version,
		KMSKeyArn:         c.KMSKeyArn,
		TracingConfig:     tracingOut{Mode: c.TracingMode},
		RevisionID:        c.RevisionID,
		State:             "Active",
		LastUpdateStatus:  "Successful",
		PackageType:       c.PackageType,
		Architectures:     c.Architectures,
		EphemeralStorage:  ephemeralOut{Size: c.EphemeralSize},
		SnapStart:         snapStartOut{ApplyOn: "None", OptimizationStatus: "Off"},
		LoggingConfig:     c.Logging,
		FileSystemConfigs: c.FileSystems,
	}
	if c.SnapStart != "" {
		o.SnapStart.ApplyOn = c.SnapStart
	}
	if c.HasEnv {
		vars := c.Env
		if vars == nil {
			vars = map[string]string{}
		}
		o.Environment = &environmentOut{Variables: vars}
	}
	if c.DeadLetter != "" {
		o.DeadLetterConfig = &deadLetterOut{TargetArn: c.DeadLetter}
	}
	for _, l := range c.Layers {
		o.Layers = append(o.Layers, layerOut{Arn: l})
	}
	if c.Vpc != nil && len(c.Vpc.SubnetIDs) > 0 {
		o.VpcConfig = &vpcOut{SubnetIDs: c.Vpc.SubnetIDs, SecurityGroupIDs: c.Vpc.SecurityGroupIDs, VpcID: "vpc-00000000000000000", IPv6DualStack: c.Vpc.IPv6DualStack}
	}
	if c.Runtime != "" {
		o.RuntimeVersionConfig = &runtimeVersionOut{RuntimeVersionArn: "arn:aws:lambda:" + s.cfg.Region + "::runtime:stepflow-" + c.Runtime}
	}
	return o
}

// aliasOut is AliasConfiguration.
type aliasOut struct {
	AliasArn        string      `json:"AliasArn"`
	Name            string      `json:"Name"`
	FunctionVersion string      `json:"FunctionVersion"`
	Description     string      `json:"Description"`
	RoutingConfig   *routingOut `json:"RoutingConfig,omitempty"`
	RevisionID      string      `json:"RevisionId"`
}

type routingOut struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
}

func (s *Service) aliasOut(fn string, a *alias) aliasOut {
	o := aliasOut{
		AliasArn:        s.qualifiedARN(fn, a.Name),
		Name:            a.Name,
		FunctionVersion: a.FunctionVersion,
		Description:     a.Description,
		RevisionID:      a.RevisionID,
	}
	if len(a.Weights) > 0 {
		o.RoutingConfig = &routingOut{AdditionalVersionWeights: a.Weights}
	}
	return o
}

// epochSeconds is a timestamp as restJson1 sends it by default: seconds
// since the epoch, with a fraction.
type epochSeconds time.Time

// MarshalJSON writes seconds with millisecond precision.
func (t epochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}
