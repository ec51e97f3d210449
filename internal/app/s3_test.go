package app_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stepflow/stepflow/internal/app"
)

// TestS3FromStateMachine writes, lists and reads objects from Task states
// (AWS SDK integrations), and a missing key fails the Task as AWS names it.
func TestS3FromStateMachine(t *testing.T) {
	t.Parallel()
	srv := startServer(t, app.Config{NoSync: true})
	c := &http.Client{}
	base := srv.URL()
	sm := createSM(t, c, base, "objects", `{"StartAt":"Bucket","States":{
		"Bucket":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:createBucket","Parameters":{"Bucket":"data"},"ResultPath":null,"Next":"Put"},
		"Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject","Parameters":{"Bucket":"data","Key":"in/a.json","Body.$":"$.doc"},"ResultPath":null,"Next":"List"},
		"List":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listObjectsV2","Parameters":{"Bucket":"data","Prefix":"in/"},"ResultSelector":{"keys.$":"$.Contents[*].Key"},"ResultPath":"$.list","Next":"Get"},
		"Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"data","Key":"in/a.json"},"ResultSelector":{"body.$":"States.StringToJson($.Body)"},"ResultPath":"$.got","Next":"Missing"},
		"Missing":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"data","Key":"nope"},
			"Catch":[{"ErrorEquals":["S3.NoSuchKeyException"],"ResultPath":"$.missing","Next":"Done"}],"End":true},
		"Done":{"Type":"Pass","End":true}}}`)
	d := runToEnd(t, c, base, sm, `{"doc":{"n":1}}`)
	if d["status"] != "SUCCEEDED" {
		t.Fatalf("execution = %v", d)
	}
	var out struct {
		List    struct{ Keys []string }
		Got     struct{ Body map[string]any }
		Missing struct{ Error string }
	}
	json.Unmarshal([]byte(d["output"].(string)), &out)
	if len(out.List.Keys) != 1 || out.List.Keys[0] != "in/a.json" || out.Got.Body["n"] != 1.0 || out.Missing.Error != "S3.NoSuchKeyException" {
		t.Errorf("output = %s", d["output"])
	}
}
