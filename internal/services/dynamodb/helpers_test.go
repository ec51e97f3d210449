package dynamodb_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/stepflow/stepflow/internal/awsproto"
)

// Attribute value constructors for readable test tables.
type av = types.AttributeValue

func s(v string) av      { return &types.AttributeValueMemberS{Value: v} }
func n(v string) av      { return &types.AttributeValueMemberN{Value: v} }
func b(v string) av      { return &types.AttributeValueMemberB{Value: []byte(v)} }
func bl(v bool) av       { return &types.AttributeValueMemberBOOL{Value: v} }
func null() av           { return &types.AttributeValueMemberNULL{Value: true} }
func l(vs ...av) av      { return &types.AttributeValueMemberL{Value: vs} }
func ss(vs ...string) av { return &types.AttributeValueMemberSS{Value: vs} }
func ns(vs ...string) av { return &types.AttributeValueMemberNS{Value: vs} }
func m(kv ...any) av     { return &types.AttributeValueMemberM{Value: item(kv...)} }

// item builds an item from alternating names and values.
func item(kv ...any) map[string]av {
	out := map[string]av{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1].(av)
	}
	return out
}

// render writes a value canonically (maps and sets sorted) for
// comparisons.
func render(v av) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case *types.AttributeValueMemberS:
		return "S:" + v.Value
	case *types.AttributeValueMemberN:
		return "N:" + v.Value
	case *types.AttributeValueMemberB:
		return "B:" + string(v.Value)
	case *types.AttributeValueMemberBOOL:
		if v.Value {
			return "BOOL:true"
		}
		return "BOOL:false"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberL:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			parts[i] = render(e)
		}
		return "L[" + strings.Join(parts, ",") + "]"
	case *types.AttributeValueMemberM:
		return "M" + renderItem(v.Value)
	case *types.AttributeValueMemberSS:
		return "SS" + sortedList(v.Value)
	case *types.AttributeValueMemberNS:
		return "NS" + sortedList(v.Value)
	case *types.AttributeValueMemberBS:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			parts[i] = string(e)
		}
		return "BS" + sortedList(parts)
	}
	return "?"
}

func sortedList(vs []string) string {
	c := append([]string(nil), vs...)
	sort.Strings(c)
	return "[" + strings.Join(c, ",") + "]"
}

func renderItem(it map[string]av) string {
	if it == nil {
		return "<none>"
	}
	keys := make([]string, 0, len(it))
	for k := range it {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + render(it[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// apiError returns the code and message of an SDK error.
func apiError(err error) (string, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	if err != nil {
		return "?", err.Error()
	}
	return "", ""
}

// wantAPIError fails unless err is the AWS error code with message msg.
func wantAPIError(t testing.TB, err error, code, msg string) {
	t.Helper()
	gotCode, gotMsg := apiError(err)
	if gotCode != code || gotMsg != msg {
		t.Errorf("error = %s: %s\nwant    %s: %s", gotCode, gotMsg, code, msg)
	}
}

func (tb *testBundle) put(t testing.TB, table string, it map[string]av) {
	t.Helper()
	if _, err := tb.client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
		t.Fatal(err)
	}
}

func (tb *testBundle) get(t testing.TB, table string, key map[string]av) map[string]av {
	t.Helper()
	out, err := tb.client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// errCode is the code of an *awsproto.Error.
func errCode(err error) string {
	var ae *awsproto.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}
