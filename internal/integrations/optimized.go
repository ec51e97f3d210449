package integrations

import (
	"context"

	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/runner"
)

// sqsSendMessage runs arn:aws:states:::sqs:sendMessage (and its
// .waitForTaskToken form). A MessageBody that is not a string is sent as
// its JSON text, as Step Functions does.
func (in *Integrations) sqsSendMessage(ctx context.Context, t runner.Task) (jsonv.Value, error) {
	call := in.cfg.SDK["sqs"]
	if call == nil {
		return nil, failed("SQS is not available in this Stepflow")
	}
	p, _ := t.Parameters.(*jsonv.Object)
	if p == nil {
		p = jsonv.NewObject(0)
	}
	if body, ok := p.Get("MessageBody"); ok {
		if _, isString := body.(string); !isString {
			p = p.With("MessageBody", jsonv.Marshal(body))
		}
	}
	reqID := in.cfg.NewRequestID()
	out, err := call(ctx, "SendMessage", []byte(jsonv.Marshal(p)))
	if err != nil {
		return nil, v1Error("sqs", "SQS", "AmazonSQS", err, reqID)
	}
	if t.Token != "" {
		return nil, runner.ErrCallback
	}
	return in.v1Result(out, "text/xml", reqID)
}

// dynamoDB runs the optimized DynamoDB integrations: getItem, putItem,
// updateItem and deleteItem.
func (in *Integrations) dynamoDB(ctx context.Context, t runner.Task) (jsonv.Value, error) {
	call := in.cfg.SDK["dynamodb"]
	if call == nil {
		return nil, failed("DynamoDB is not available in this Stepflow")
	}
	r, _ := parseResource(t.Resource)
	params := t.Parameters
	if params == nil {
		params = jsonv.NewObject(0)
	}
	reqID := in.cfg.NewRequestID()
	out, err := call(ctx, upperFirst(r.action), []byte(jsonv.Marshal(params)))
	if err != nil {
		return nil, v1Error("dynamodb", "DynamoDB", "AmazonDynamoDBv2", err, reqID)
	}
	if t.Token != "" {
		return nil, runner.ErrCallback
	}
	return in.v1Result(out, "application/x-amz-json-1.0", reqID)
}

// v1Result is an optimized integration's result: the response members in
// alphabetical order with the SDK metadata.
func (in *Integrations) v1Result(out []byte, contentType, reqID string) (jsonv.Value, error) {
	v, err := jsonv.Parse(out)
	if err != nil {
		return nil, failed("The response is not JSON: " + err.Error())
	}
	o, _ := v.(*jsonv.Object)
	if o == nil {
		o = jsonv.NewObject(0)
	}
	return withSdkMetadata(o, contentType, len(out), reqID, in.cfg.Now()), nil
}
