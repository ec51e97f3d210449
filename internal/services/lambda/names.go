package lambda

import (
	"strings"
)

// Qualifier of a function's unpublished version.
const latest = "$LATEST"

// fnRef is a function named in a request: its name and the qualifier (a
// version, "$LATEST" or an alias) it carries, if any; account and region
// are those of an ARN or partial ARN ("" when absent).
type fnRef struct {
	name, qualifier string
	account, region string
}

// parseFunctionName splits a FunctionName as Lambda accepts it: "name",
// "name:qualifier", "123456789012:function:name[:qualifier]",
// "function:name" and full ARNs "arn:aws:lambda:us-east-1:123456789012:
// function:name[:qualifier]". qualifier is the separate Qualifier member;
// when both are given they must agree. The model's pattern has already
// checked the shape.
func parseFunctionName(raw, qualifier string) (fnRef, error) {
	var ref fnRef
	rest := raw
	if strings.HasPrefix(rest, "arn:") {
		// arn:<partition>:lambda:
		parts := strings.SplitN(rest, ":", 4)
		if len(parts) == 4 {
			rest = parts[3]
		}
	}
	parts := strings.Split(rest, ":")
	if len(parts) > 0 && isRegion(parts[0]) && len(parts) > 1 {
		ref.region, parts = parts[0], parts[1:]
	}
	if len(parts) > 0 && isAccount(parts[0]) && len(parts) > 1 {
		ref.account, parts = parts[0], parts[1:]
	}
	if len(parts) > 1 && parts[0] == "function" {
		parts = parts[1:]
	}
	switch len(parts) {
	case 1:
		ref.name = parts[0]
	case 2:
		ref.name, ref.qualifier = parts[0], parts[1]
	default:
		return ref, invalidParam("The function name %s is not valid: use a name, a partial ARN or an ARN.", raw)
	}
	if qualifier != "" {
		if ref.qualifier != "" && ref.qualifier != qualifier {
			return ref, invalidParam("The derived qualifier from the function name does not match the specified qualifier.")
		}
		ref.qualifier = qualifier
	}
	return ref, nil
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isRegion matches [a-z]{2}(-gov)?-[a-z]+-\d.
func isRegion(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts[0]) != 2 {
		return false
	}
	last := parts[len(parts)-1]
	return len(last) == 1 && last[0] >= '0' && last[0] <= '9'
}

// functionARN is the unqualified ARN of a function.
func (s *Service) functionARN(name string) string {
	return "arn:aws:lambda:" + s.cfg.Region + ":" + s.cfg.Account + ":function:" + name
}

// qualifiedARN is a function's ARN with ":qualifier" when one is given.
func (s *Service) qualifiedARN(name, qualifier string) string {
	if qualifier == "" {
		return s.functionARN(name)
	}
	return s.functionARN(name) + ":" + qualifier
}

// refARN is the ARN a request named, for error messages.
func (s *Service) refARN(ref fnRef) string {
	account, region := s.cfg.Account, s.cfg.Region
	if ref.account != "" {
		account = ref.account
	}
	if ref.region != "" {
		region = ref.region
	}
	arn := "arn:aws:lambda:" + region + ":" + account + ":function:" + ref.name
	if ref.qualifier != "" {
		arn += ":" + ref.qualifier
	}
	return arn
}

// foreign reports whether ref names another account or region.
func (s *Service) foreign(ref fnRef) bool {
	return ref.account != "" && ref.account != s.cfg.Account || ref.region != "" && ref.region != s.cfg.Region
}
