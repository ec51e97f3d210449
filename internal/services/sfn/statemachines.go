package sfn

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stepflow/stepflow/internal/asl/validate"
	"github.com/stepflow/stepflow/internal/store"
)

// State machine types.
const (
	typeStandard = "STANDARD"
	typeExpress  = "EXPRESS"
)

// Limits of the model.
const (
	maxDefinitionLen  = 1048576
	maxDescriptionLen = 256
	maxTags           = 50
)

type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func storeTags(tags []tag) ([]store.Tag, error) {
	if len(tags) > maxTags {
		return nil, apiError(CodeTooManyTags, "Too many tags: the maximum is 50 tags per resource")
	}
	out := make([]store.Tag, 0, len(tags))
	for i, t := range tags {
		if t.Key == "" {
			return nil, errTooShort("tags."+itoa(i+1)+".member.key", t.Key, 1)
		}
		if utf8.RuneCountInString(t.Key) > 128 {
			return nil, errTooLong("tags."+itoa(i+1)+".member.key", t.Key, 128, false)
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			return nil, errTooLong("tags."+itoa(i+1)+".member.value", t.Value, 256, false)
		}
		out = append(out, store.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}

// checkType validates a state machine type ("" is STANDARD).
func checkType(t string) (string, error) {
	switch t {
	case "":
		return typeStandard, nil
	case typeStandard, typeExpress:
		return t, nil
	}
	return "", errEnum("type", t, typeStandard, typeExpress)
}

// checkDefinition validates a definition as CreateStateMachine does.
func checkDefinition(def *string, typ string) error {
	if def == nil {
		return errNull("definition")
	}
	if utf8.RuneCountInString(*def) > maxDefinitionLen {
		return errTooLong("definition", *def, maxDefinitionLen, true)
	}
	if *def == "" {
		return errTooShort("definition", "", 1)
	}
	if diags := validate.Definition(*def, validate.Options{Type: typ}); validate.HasErrors(diags) {
		return apiError(CodeInvalidDefinition, validate.CreateMessage(diags))
	}
	return nil
}

// checkRoleArn validates an execution role ARN.
func checkRoleArn(role *string) error {
	if role == nil {
		return errNull("roleArn")
	}
	if len(*role) > 256 {
		return errTooLong("roleArn", *role, 256, false)
	}
	if !strings.HasPrefix(*role, "arn:") {
		return errInvalidArn("Invalid ARN prefix: " + *role)
	}
	return nil
}

func checkVersionDescription(desc *string, publish bool) error {
	if desc == nil {
		return nil
	}
	if utf8.RuneCountInString(*desc) > maxDescriptionLen {
		return errTooLong("versionDescription", *desc, maxDescriptionLen, true)
	}
	if !publish {
		return errValidation("Version description can only be set when publish is true")
	}
	return nil
}

// CreateStateMachine.

type createStateMachineInput struct {
	Name                    string      `json:"name"`
	Definition              *string     `json:"definition"`
	RoleArn                 *string     `json:"roleArn"`
	Type                    string      `json:"type"`
	LoggingConfiguration    *logging    `json:"loggingConfiguration"`
	Tags                    []tag       `json:"tags"`
	TracingConfiguration    *tracing    `json:"tracingConfiguration"`
	Publish                 bool        `json:"publish"`
	VersionDescription      *string     `json:"versionDescription"`
	EncryptionConfiguration *encryption `json:"encryptionConfiguration"`
}

type createStateMachineOutput struct {
	StateMachineArn        string `json:"stateMachineArn"`
	CreationDate           epoch  `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

func (s *Service) createStateMachine(ctx context.Context, body []byte) (any, error) {
	var in createStateMachineInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	typ, err := checkType(in.Type)
	if err != nil {
		return nil, err
	}
	if err := checkVersionDescription(in.VersionDescription, in.Publish); err != nil {
		return nil, err
	}
	if err := checkName("name", in.Name); err != nil {
		return nil, err
	}
	if err := checkRoleArn(in.RoleArn); err != nil {
		return nil, err
	}
	if err := checkDefinition(in.Definition, typ); err != nil {
		return nil, err
	}
	cfg, err := defaultConfig().apply(in.LoggingConfiguration, in.TracingConfiguration, in.EncryptionConfiguration)
	if err != nil {
		return nil, err
	}
	tags, err := storeTags(in.Tags)
	if err != nil {
		return nil, err
	}
	desc := ""
	if in.VersionDescription != nil {
		desc = *in.VersionDescription
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	sm := store.StateMachine{
		Arn: s.stateMachineARN(in.Name), Name: in.Name, Type: typ, Definition: *in.Definition,
		RoleArn: *in.RoleArn, Status: "ACTIVE", CreationDate: now, Configuration: cfg.text(),
	}
	err = s.st.CreateStateMachine(ctx, sm, tags)
	if errors.Is(err, store.ErrExists) {
		old, gerr := s.st.GetStateMachine(ctx, sm.Arn)
		if gerr != nil {
			return nil, gerr
		}
		if !sameMachine(old, sm) {
			return nil, apiError(CodeStateMachineAlreadyExists, "State Machine Already Exists: '"+sm.Arn+"'")
		}
		sm = old // an identical create is idempotent
	} else if err != nil {
		return nil, err
	}
	out := createStateMachineOutput{StateMachineArn: sm.Arn, CreationDate: epoch(sm.CreationDate)}
	if in.Publish {
		v, err := s.publishLocked(ctx, sm, desc)
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = v.Arn
	}
	return out, nil
}

// sameMachine reports whether a create request repeats an existing
// machine's configuration exactly.
func sameMachine(old, req store.StateMachine) bool {
	return old.Definition == req.Definition && old.RoleArn == req.RoleArn && old.Type == req.Type &&
		parseConfig(old.Configuration).text() == parseConfig(req.Configuration).text()
}

// DescribeStateMachine.

type describeStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	IncludedData    string `json:"includedData"`
}

type describeStateMachineOutput struct {
	StateMachineArn         string              `json:"stateMachineArn"`
	Name                    string              `json:"name"`
	Status                  string              `json:"status,omitempty"`
	Definition              string              `json:"definition"`
	RoleArn                 string              `json:"roleArn"`
	Type                    string              `json:"type"`
	CreationDate            epoch               `json:"creationDate"`
	LoggingConfiguration    *logging            `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *tracing            `json:"tracingConfiguration,omitempty"`
	Label                   string              `json:"label,omitempty"`
	RevisionID              string              `json:"revisionId,omitempty"`
	Description             string              `json:"description,omitempty"`
	EncryptionConfiguration *encryption         `json:"encryptionConfiguration,omitempty"`
	VariableReferences      map[string][]string `json:"variableReferences,omitempty"`
}

func checkIncludedData(v string) error {
	switch v {
	case "", "ALL_DATA", "METADATA_ONLY":
		return nil
	}
	return errEnum("includedData", v, "ALL_DATA", "METADATA_ONLY")
}

func (s *Service) describeStateMachine(ctx context.Context, body []byte) (any, error) {
	var in describeStateMachineInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkIncludedData(in.IncludedData); err != nil {
		return nil, err
	}
	ref, err := parseStateMachineARN(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if ref.alias != "" {
		return nil, errStateMachineDoesNotExist(ref.arn)
	}
	sm, err := s.stateMachine(ctx, ref)
	if err != nil {
		return nil, err
	}
	cfg := parseConfig(sm.Configuration)
	out := describeStateMachineOutput{
		StateMachineArn: sm.Arn, Name: sm.Name, Status: sm.Status, Definition: sm.Definition, RoleArn: sm.RoleArn,
		Type: sm.Type, CreationDate: epoch(sm.CreationDate), RevisionID: sm.RevisionID,
		LoggingConfiguration: cfg.Logging, TracingConfiguration: cfg.Tracing, EncryptionConfiguration: cfg.Encryption,
	}
	if ref.version > 0 {
		v, err := s.st.GetVersion(ctx, ref.arn)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errStateMachineDoesNotExist(ref.arn)
		}
		if err != nil {
			return nil, err
		}
		vcfg := parseConfig(v.Configuration)
		out.StateMachineArn, out.Definition, out.RoleArn = v.Arn, v.Definition, v.RoleArn
		out.CreationDate, out.RevisionID, out.Description = epoch(v.CreationDate), v.RevisionID, v.Description
		out.LoggingConfiguration, out.TracingConfiguration = vcfg.Logging, vcfg.Tracing
		out.EncryptionConfiguration = vcfg.Encryption
	}
	out.VariableReferences = variableReferences(out.Definition)
	return out, nil
}

// UpdateStateMachine.

type updateStateMachineInput struct {
	StateMachineArn         string      `json:"stateMachineArn"`
	Definition              *string     `json:"definition"`
	RoleArn                 *string     `json:"roleArn"`
	LoggingConfiguration    *logging    `json:"loggingConfiguration"`
	TracingConfiguration    *tracing    `json:"tracingConfiguration"`
	Publish                 bool        `json:"publish"`
	VersionDescription      *string     `json:"versionDescription"`
	EncryptionConfiguration *encryption `json:"encryptionConfiguration"`
}

type updateStateMachineOutput struct {
	UpdateDate             epoch  `json:"updateDate"`
	RevisionID             string `json:"revisionId,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

func (s *Service) updateStateMachine(ctx context.Context, body []byte) (any, error) {
	var in updateStateMachineInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ref, err := parseStateMachineARN(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.LoggingConfiguration == nil && in.TracingConfiguration == nil &&
		in.EncryptionConfiguration == nil {
		return nil, apiError(CodeMissingRequiredParameter,
			"Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	if err := checkVersionDescription(in.VersionDescription, in.Publish); err != nil {
		return nil, err
	}
	if in.RoleArn != nil {
		if err := checkRoleArn(in.RoleArn); err != nil {
			return nil, err
		}
	}
	if ref.qualified() {
		return nil, errStateMachineDoesNotExist(ref.arn)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	sm, err := s.stateMachine(ctx, ref)
	if err != nil {
		return nil, err
	}
	if in.Definition != nil {
		if err := checkDefinition(in.Definition, sm.Type); err != nil {
			return nil, err
		}
	}
	cfg, err := parseConfig(sm.Configuration).apply(in.LoggingConfiguration, in.TracingConfiguration, in.EncryptionConfiguration)
	if err != nil {
		return nil, err
	}
	next := sm
	if in.Definition != nil {
		next.Definition = *in.Definition
	}
	if in.RoleArn != nil {
		next.RoleArn = *in.RoleArn
	}
	next.Configuration = cfg.text()
	if !sameMachine(sm, next) {
		next.RevisionID = uuid.NewString()
		next.UpdateDate = s.now()
		if err := s.st.UpdateStateMachine(ctx, next); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, errStateMachineDoesNotExist(ref.arn)
			}
			return nil, err
		}
	}
	out := updateStateMachineOutput{UpdateDate: epoch(next.UpdateDate), RevisionID: next.RevisionID}
	if next.UpdateDate.IsZero() {
		out.UpdateDate = epoch(next.CreationDate)
	}
	if in.Publish {
		desc := ""
		if in.VersionDescription != nil {
			desc = *in.VersionDescription
		}
		v, err := s.publishLocked(ctx, next, desc)
		if err != nil {
			return nil, err
		}
		out.StateMachineVersionArn = v.Arn
	}
	return out, nil
}

// DeleteStateMachine.

type deleteStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}

func (s *Service) deleteStateMachine(ctx context.Context, body []byte) (any, error) {
	var in deleteStateMachineInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ref, err := parseStateMachineARN(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if ref.qualified() {
		return nil, errValidation("Qualified state machine ARNs are not supported by DeleteStateMachine: use DeleteStateMachineVersion or DeleteStateMachineAlias")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.st.DeleteStateMachine(ctx, ref.base); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	s.run.StateMachineDeleted(ref.base)
	return empty{}, nil
}

// ListStateMachines.

type listInput struct {
	MaxResults int64  `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

type stateMachineListItem struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    epoch  `json:"creationDate"`
}

type listStateMachinesOutput struct {
	StateMachines []stateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

const tokenStateMachines = "sm"

// page validates a list request's paging members and returns the store's
// limit and cursor.
func page(in listInput, kind string) (int, string, error) {
	limit, err := pageSize(in.MaxResults)
	if err != nil {
		return 0, "", err
	}
	if err := checkToken(in.NextToken, maxTokenLen); err != nil {
		return 0, "", err
	}
	after, err := decodeToken(kind, in.NextToken)
	return limit, after, err
}

// listError maps a list call's store error.
func listError(err error) error {
	if errors.Is(err, store.ErrInvalidCursor) {
		return errInvalidToken("Invalid token")
	}
	return err
}

func (s *Service) listStateMachines(ctx context.Context, body []byte) (any, error) {
	var in listInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, after, err := page(in, tokenStateMachines)
	if err != nil {
		return nil, err
	}
	sms, next, err := s.st.ListStateMachines(ctx, limit, after)
	if err != nil {
		return nil, listError(err)
	}
	out := listStateMachinesOutput{StateMachines: make([]stateMachineListItem, 0, len(sms)), NextToken: encodeToken(tokenStateMachines, next)}
	for _, sm := range sms {
		out.StateMachines = append(out.StateMachines, stateMachineListItem{
			StateMachineArn: sm.Arn, Name: sm.Name, Type: sm.Type, CreationDate: epoch(sm.CreationDate),
		})
	}
	return out, nil
}

// DescribeStateMachineForExecution.

type executionArnInput struct {
	ExecutionArn string `json:"executionArn"`
	IncludedData string `json:"includedData"`
}

// describedExecution decodes the request of DescribeExecution or
// DescribeStateMachineForExecution and loads the execution it names.
func (s *Service) describedExecution(ctx context.Context, body []byte) (executionArnInput, store.Execution, error) {
	var in executionArnInput
	if err := decode(body, &in); err != nil {
		return in, store.Execution{}, err
	}
	if err := checkIncludedData(in.IncludedData); err != nil {
		return in, store.Execution{}, err
	}
	ex, err := s.getExecution(ctx, in.ExecutionArn)
	return in, ex, err
}

type describeStateMachineForExecutionOutput struct {
	StateMachineArn         string              `json:"stateMachineArn"`
	Name                    string              `json:"name"`
	Definition              string              `json:"definition"`
	RoleArn                 string              `json:"roleArn"`
	UpdateDate              epoch               `json:"updateDate"`
	LoggingConfiguration    *logging            `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *tracing            `json:"tracingConfiguration,omitempty"`
	MapRunArn               string              `json:"mapRunArn,omitempty"`
	Label                   string              `json:"label,omitempty"`
	RevisionID              string              `json:"revisionId,omitempty"`
	EncryptionConfiguration *encryption         `json:"encryptionConfiguration,omitempty"`
	VariableReferences      map[string][]string `json:"variableReferences,omitempty"`
}

func (s *Service) describeStateMachineForExecution(ctx context.Context, body []byte) (any, error) {
	_, ex, err := s.describedExecution(ctx, body)
	if err != nil {
		return nil, err
	}
	out := describeStateMachineForExecutionOutput{
		StateMachineArn: ex.StateMachineArn, Name: lastPart(ex.StateMachineArn), Definition: ex.Definition,
		RoleArn: ex.RoleArn, UpdateDate: epoch(ex.StartDate), MapRunArn: ex.MapRunArn,
	}
	if ex.MapRunArn != "" {
		// A distributed Map's child runs the map run's ItemProcessor, under
		// the Map state's label.
		m, err := s.st.GetMapRun(ctx, ex.MapRunArn)
		if err != nil {
			return nil, err
		}
		ex.Definition, out.Definition = m.Definition, m.Definition
		out.Label = mapRunLabel(ex.MapRunArn)
	}
	cfg := defaultConfig()
	if ex.VersionArn != "" {
		if v, err := s.st.GetVersion(ctx, ex.VersionArn); err == nil {
			cfg = parseConfig(v.Configuration)
			out.RevisionID, out.UpdateDate = v.RevisionID, epoch(v.CreationDate)
		}
	} else if sm, err := s.st.GetStateMachine(ctx, ex.StateMachineArn); err == nil {
		cfg = parseConfig(sm.Configuration)
		if sm.Definition == ex.Definition {
			out.RevisionID = sm.RevisionID
			out.UpdateDate = epoch(sm.CreationDate)
			if !sm.UpdateDate.IsZero() {
				out.UpdateDate = epoch(sm.UpdateDate)
			}
		}
	}
	out.LoggingConfiguration, out.TracingConfiguration, out.EncryptionConfiguration = cfg.Logging, cfg.Tracing, cfg.Encryption
	out.VariableReferences = variableReferences(ex.Definition)
	return out, nil
}

// mapRunLabel returns the Map state's label in a map run ARN
// (arn:aws:states:region:account:mapRun:machine/label:id).
func mapRunLabel(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) != 8 {
		return ""
	}
	_, label, _ := strings.Cut(parts[6], "/")
	return label
}

// lastPart returns what follows the last ':' of an ARN.
func lastPart(arn string) string {
	return arn[strings.LastIndexByte(arn, ':')+1:]
}

// ValidateStateMachineDefinition.

type validateInput struct {
	Definition *string `json:"definition"`
	Type       string  `json:"type"`
	Severity   string  `json:"severity"`
	MaxResults int64   `json:"maxResults"`
}

type diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

type validateOutput struct {
	Result      string       `json:"result"`
	Diagnostics []diagnostic `json:"diagnostics"`
	Truncated   bool         `json:"truncated"`
}

func (s *Service) validateStateMachineDefinition(_ context.Context, body []byte) (any, error) {
	var in validateInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Definition == nil {
		return nil, errNull("definition")
	}
	if utf8.RuneCountInString(*in.Definition) > maxDefinitionLen {
		return nil, errTooLong("definition", *in.Definition, maxDefinitionLen, true)
	}
	typ, err := checkType(in.Type)
	if err != nil {
		return nil, err
	}
	switch in.Severity {
	case "", validate.SeverityError, validate.SeverityWarning:
	default:
		return nil, errEnum("severity", in.Severity, validate.SeverityError, validate.SeverityWarning)
	}
	limit := 100
	switch {
	case in.MaxResults < 0:
		return nil, errTooSmall("maxResults", in.MaxResults, 0)
	case in.MaxResults > 100:
		return nil, errTooLarge("maxResults", in.MaxResults, 100)
	case in.MaxResults > 0:
		limit = int(in.MaxResults)
	}
	diags := validate.Definition(*in.Definition, validate.Options{Type: typ, Severity: in.Severity})
	out := validateOutput{Result: "OK", Diagnostics: make([]diagnostic, 0, len(diags))}
	if validate.HasErrors(diags) {
		out.Result = "FAIL"
	}
	for i, d := range diags {
		if i == limit {
			out.Truncated = true
			break
		}
		out.Diagnostics = append(out.Diagnostics, diagnostic{Severity: d.Severity, Code: d.Code, Message: d.Message, Location: d.Location})
	}
	return out, nil
}

// Tags.

type tagResourceInput struct {
	ResourceArn string `json:"resourceArn"`
	Tags        []tag  `json:"tags"`
}

type untagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

type listTagsOutput struct {
	Tags []tag `json:"tags"`
}

// taggable checks a tagged resource's ARN: a state machine or an activity.
func taggable(raw string) error {
	a, err := parseARN(raw)
	if err != nil {
		return err
	}
	if a.kind != kindStateMachine && a.kind != kindActivity || len(a.res) != 1 {
		return errResourceNotFound(raw)
	}
	return nil
}

func (s *Service) tagResource(ctx context.Context, body []byte) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, errNull("tags")
	}
	tags, err := storeTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if err := taggable(in.ResourceArn); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.st.ListTags(ctx, in.ResourceArn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errResourceNotFound(in.ResourceArn)
	}
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for _, t := range old {
		keys[t.Key] = true
	}
	for _, t := range tags {
		keys[t.Key] = true
	}
	if len(keys) > maxTags {
		return nil, apiError(CodeTooManyTags, "Too many tags: the maximum is 50 tags per resource")
	}
	if err := s.st.TagResource(ctx, in.ResourceArn, tags); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errResourceNotFound(in.ResourceArn)
		}
		return nil, err
	}
	return empty{}, nil
}

func (s *Service) untagResource(ctx context.Context, body []byte) (any, error) {
	var in untagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, errNull("tagKeys")
	}
	if err := taggable(in.ResourceArn); err != nil {
		return nil, err
	}
	if err := s.st.UntagResource(ctx, in.ResourceArn, in.TagKeys); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errResourceNotFound(in.ResourceArn)
		}
		return nil, err
	}
	return empty{}, nil
}

type resourceArnInput struct {
	ResourceArn string `json:"resourceArn"`
}

func (s *Service) listTagsForResource(ctx context.Context, body []byte) (any, error) {
	var in resourceArnInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := taggable(in.ResourceArn); err != nil {
		return nil, err
	}
	tags, err := s.st.ListTags(ctx, in.ResourceArn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errResourceNotFound(in.ResourceArn)
	}
	if err != nil {
		return nil, err
	}
	out := listTagsOutput{Tags: make([]tag, 0, len(tags))}
	for _, t := range tags {
		out.Tags = append(out.Tags, tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
