package iam

import (
	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/awsproto/query"
)

// The awsQuery protocol lives in awsproto/query; these names keep the
// package's own code short.
var (
	formToJSON        = query.FormToJSON
	appendXMLResponse = query.AppendXMLResponse
	jsonToXML         = query.JSONToXML
)

func notImplemented(action string) *awsproto.Error { return query.NotImplemented(action) }
