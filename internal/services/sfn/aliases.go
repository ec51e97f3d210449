package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/store"
)

// route is one entry of an alias's routingConfiguration.
type route struct {
	StateMachineVersionArn string `json:"stateMachineVersionArn"`
	Weight                 int64  `json:"weight"`
}

// alias is a stored alias with its routing decoded.
type alias struct {
	store.Alias
	routes []route
}

func decodeAlias(a store.Alias) alias {
	var rs []route
	_ = json.Unmarshal([]byte(a.Routing), &rs) // written by this package
	return alias{Alias: a, routes: rs}
}

// routesTo reports whether the alias routes executions to version.
func (a alias) routesTo(version string) bool {
	for _, r := range a.routes {
		if r.StateMachineVersionArn == version {
			return true
		}
	}
	return false
}

func routingText(rs []route) string {
	b, _ := json.Marshal(rs) // plain structs: cannot fail
	return string(b)
}

// aliasNamePattern is the model's pattern for alias names: at least one
// character that is not a digit, so an alias never looks like a version.
const aliasNamePattern = `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`

var (
	aliasNameChars  = regexp.MustCompile(`^[a-zA-Z0-9_\-.]+$`)
	aliasNameLetter = regexp.MustCompile(`[a-zA-Z_\-.]`)
)

func checkAliasName(name string) error {
	switch {
	case name == "":
		return errTooShort("name", name, 1)
	case utf8.RuneCountInString(name) > maxNameLen:
		return errTooLong("name", name, maxNameLen, false)
	case !aliasNameChars.MatchString(name) || !aliasNameLetter.MatchString(name):
		return errPattern("name", name, aliasNamePattern)
	}
	return nil
}

// checkRouting validates a routing configuration and returns the state
// machine ARN its versions belong to.
func (s *Service) checkRouting(ctx context.Context, rs []route) (string, error) {
	if len(rs) == 0 {
		return "", errTooShort("routingConfiguration", "[]", 1)
	}
	if len(rs) > 2 {
		return "", errValidation("1 validation error detected: Value '" + routingValue(rs) +
			"' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2")
	}
	arns := make([]string, len(rs))
	weights := make([]string, len(rs))
	var sum int64
	for i, r := range rs {
		field := "routingConfiguration." + strconv.Itoa(i+1) + ".member.weight"
		if r.Weight < 0 {
			return "", errTooSmall(field, r.Weight, 0)
		}
		if r.Weight > 100 {
			return "", errTooLarge(field, r.Weight, 100)
		}
		arns[i], weights[i] = r.StateMachineVersionArn, strconv.FormatInt(r.Weight, 10)
		sum += r.Weight
	}
	machine := ""
	for _, a := range arns {
		ref, err := parseStateMachineARN(a)
		if err != nil || ref.version == 0 {
			return "", errValidation("Routing configuration must contain state machine version ARNs. Received: [" + strings.Join(arns, ", ") + "]")
		}
		if machine != "" && ref.base != machine {
			return "", errValidation("Routing configuration must contain state machine version ARNs of the same state machine. Received: [" +
				strings.Join(arns, ", ") + "]")
		}
		machine = ref.base
	}
	if len(arns) == 2 && arns[0] == arns[1] {
		return "", errValidation("Routing configuration must contain distinct state machine version ARNs. Received: [" + strings.Join(arns, ", ") + "]")
	}
	if sum != 100 {
		return "", errValidation("Sum of routing configuration weights must equal 100. Received: [" + strings.Join(weights, ", ") + "]")
	}
	for _, a := range arns {
		if _, err := s.st.GetVersion(ctx, a); errors.Is(err, store.ErrNotFound) {
			return "", errResourceNotFound(a)
		} else if err != nil {
			return "", err
		}
	}
	return machine, nil
}

// routingValue renders a routing configuration as AWS's validator echoes it.
func routingValue(rs []route) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = "RoutingConfigurationListItem(stateMachineVersionArn=" + r.StateMachineVersionArn + ", weight=" + strconv.FormatInt(r.Weight, 10) + ")"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func checkAliasDescription(d *string) error {
	if d != nil && utf8.RuneCountInString(*d) > maxDescriptionLen {
		return errTooLong("description", *d, maxDescriptionLen, true)
	}
	return nil
}

// aliasesOf returns every alias of a state machine.
func (s *Service) aliasesOf(ctx context.Context, machine string) ([]alias, error) {
	var out []alias
	after := ""
	for {
		as, next, err := s.st.ListAliases(ctx, machine, maxPageSize, after)
		if errors.Is(err, store.ErrNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			out = append(out, decodeAlias(a))
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// pickVersion chooses the version an execution started through an alias
// runs: by weight, deterministically from the execution name.
func pickVersion(rs []route, execName string) string {
	if len(rs) == 1 {
		return rs[0].StateMachineVersionArn
	}
	h := fnv.New32a()
	h.Write([]byte(execName))
	n := int64(h.Sum32() % 100)
	for _, r := range rs {
		if n < r.Weight {
			return r.StateMachineVersionArn
		}
		n -= r.Weight
	}
	return rs[len(rs)-1].StateMachineVersionArn
}

// CreateStateMachineAlias.

type createAliasInput struct {
	Description          *string `json:"description"`
	Name                 string  `json:"name"`
	RoutingConfiguration []route `json:"routingConfiguration"`
}

type createAliasOutput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         epoch  `json:"creationDate"`
}

func (s *Service) createStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	var in createAliasInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkAliasName(in.Name); err != nil {
		return nil, err
	}
	if err := checkAliasDescription(in.Description); err != nil {
		return nil, err
	}
	if in.RoutingConfiguration == nil {
		return nil, errNull("routingConfiguration")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	machine, err := s.checkRouting(ctx, in.RoutingConfiguration)
	if err != nil {
		return nil, err
	}
	desc := ""
	if in.Description != nil {
		desc = *in.Description
	}
	now := s.now()
	a := store.Alias{
		Arn: machine + ":" + in.Name, StateMachineArn: machine, Name: in.Name, Description: desc,
		Routing: routingText(in.RoutingConfiguration), CreationDate: now, UpdateDate: now,
	}
	err = s.st.CreateAlias(ctx, a)
	if errors.Is(err, store.ErrExists) {
		old, gerr := s.st.GetAlias(ctx, a.Arn)
		if gerr != nil {
			return nil, gerr
		}
		if old.Description != a.Description || old.Routing != a.Routing {
			return nil, apiError(CodeConflict, "Failed to create alias because an alias with the same name and a different routing configuration already exists.")
		}
		a = old
	} else if errors.Is(err, store.ErrNotFound) {
		return nil, errStateMachineDoesNotExist(machine)
	} else if err != nil {
		return nil, err
	}
	return createAliasOutput{StateMachineAliasArn: a.Arn, CreationDate: epoch(a.CreationDate)}, nil
}

// getAlias resolves an alias ARN.
func (s *Service) getAlias(ctx context.Context, raw string) (alias, error) {
	ref, err := parseStateMachineARN(raw)
	if err != nil {
		return alias{}, err
	}
	if ref.alias == "" {
		return alias{}, errAliasNotFound()
	}
	a, err := s.st.GetAlias(ctx, raw)
	if errors.Is(err, store.ErrNotFound) {
		return alias{}, errAliasNotFound()
	}
	if err != nil {
		return alias{}, err
	}
	return decodeAlias(a), nil
}

// DescribeStateMachineAlias.

type aliasArnInput struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
}

type describeAliasOutput struct {
	StateMachineAliasArn string  `json:"stateMachineAliasArn"`
	Name                 string  `json:"name"`
	Description          string  `json:"description,omitempty"`
	RoutingConfiguration []route `json:"routingConfiguration"`
	CreationDate         epoch   `json:"creationDate"`
	UpdateDate           epoch   `json:"updateDate"`
}

func (s *Service) describeStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	var in aliasArnInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	a, err := s.getAlias(ctx, in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	return describeAliasOutput{
		StateMachineAliasArn: a.Arn, Name: a.Name, Description: a.Description, RoutingConfiguration: a.routes,
		CreationDate: epoch(a.CreationDate), UpdateDate: epoch(a.UpdateDate),
	}, nil
}

// UpdateStateMachineAlias.

type updateAliasInput struct {
	StateMachineAliasArn string  `json:"stateMachineAliasArn"`
	Description          *string `json:"description"`
	RoutingConfiguration []route `json:"routingConfiguration"`
}

type updateAliasOutput struct {
	UpdateDate epoch `json:"updateDate"`
}

func (s *Service) updateStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	var in updateAliasInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkAliasDescription(in.Description); err != nil {
		return nil, err
	}
	if in.Description == nil && in.RoutingConfiguration == nil {
		return nil, errValidation("Either the description or the RoutingConfiguration must be specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.getAlias(ctx, in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	next := a.Alias
	if in.Description != nil {
		next.Description = *in.Description
	}
	if in.RoutingConfiguration != nil {
		machine, err := s.checkRouting(ctx, in.RoutingConfiguration)
		if err != nil {
			return nil, err
		}
		if machine != a.StateMachineArn {
			return nil, errValidation("Routing configuration must contain state machine version ARNs of the same state machine. Received: [" +
				machine + "]")
		}
		next.Routing = routingText(in.RoutingConfiguration)
	}
	next.UpdateDate = s.now()
	if err := s.st.UpdateAlias(ctx, next); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errAliasNotFound()
		}
		return nil, err
	}
	return updateAliasOutput{UpdateDate: epoch(next.UpdateDate)}, nil
}

// DeleteStateMachineAlias.

func (s *Service) deleteStateMachineAlias(ctx context.Context, body []byte) (any, error) {
	var in aliasArnInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ref, err := parseStateMachineARN(in.StateMachineAliasArn)
	if err != nil {
		return nil, err
	}
	if ref.alias == "" {
		return nil, errValidation("Invalid state machine alias ARN: '" + ref.arn + "'")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.st.DeleteAlias(ctx, ref.arn); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return empty{}, nil
}

// ListStateMachineAliases.

type aliasListItem struct {
	StateMachineAliasArn string `json:"stateMachineAliasArn"`
	CreationDate         epoch  `json:"creationDate"`
}

type listAliasesOutput struct {
	StateMachineAliases []aliasListItem `json:"stateMachineAliases"`
	NextToken           string          `json:"nextToken,omitempty"`
}

const tokenAliases = "alias"

func (s *Service) listStateMachineAliases(ctx context.Context, body []byte) (any, error) {
	var in listVersionsInput // the same members: stateMachineArn, nextToken, maxResults
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	ref, err := parseStateMachineARN(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	limit, after, err := page(listInput{MaxResults: in.MaxResults, NextToken: in.NextToken}, tokenAliases)
	if err != nil {
		return nil, err
	}
	if ref.alias != "" {
		return nil, errResourceNotFound(ref.arn)
	}
	if _, err := s.stateMachine(ctx, ref); err != nil {
		return nil, err
	}
	as, next, err := s.st.ListAliases(ctx, ref.base, limit, after)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, listError(err)
	}
	out := listAliasesOutput{StateMachineAliases: make([]aliasListItem, 0, len(as)), NextToken: encodeToken(tokenAliases, next)}
	for _, a := range as {
		if ref.version > 0 && !decodeAlias(a).routesTo(ref.arn) {
			continue // listing a version's aliases: only those that route to it
		}
		out.StateMachineAliases = append(out.StateMachineAliases, aliasListItem{StateMachineAliasArn: a.Arn, CreationDate: epoch(a.CreationDate)})
	}
	return out, nil
}
