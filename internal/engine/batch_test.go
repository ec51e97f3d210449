package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/asl"
	"github.com/stepflow/stepflow/internal/engine"
	"github.com/stepflow/stepflow/internal/jsonv"
	"github.com/stepflow/stepflow/internal/local"
)

func TestDistributedMapItemBatcher(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, batcher, want string
	}{
		{"by count", `{"MaxItemsPerBatch":2,"BatchInput":{"tag.$":"$.tag"}}`,
			`[{"BatchInput":{"tag":"t"},"Items":[{"v":10,"i":0},{"v":20,"i":1}]},{"BatchInput":{"tag":"t"},"Items":[{"v":30,"i":2},{"v":40,"i":3}]},{"BatchInput":{"tag":"t"},"Items":[{"v":50,"i":4}]}]`},
		{"by bytes", `{"MaxInputBytesPerBatch":30}`,
			`[{"Items":[{"v":10,"i":0},{"v":20,"i":1}]},{"Items":[{"v":30,"i":2},{"v":40,"i":3}]},{"Items":[{"v":50,"i":4}]}]`},
		{"count from a path", `{"MaxItemsPerBatchPath":"$.n"}`,
			`[{"Items":[{"v":10,"i":0},{"v":20,"i":1},{"v":30,"i":2}]},{"Items":[{"v":40,"i":3},{"v":50,"i":4}]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},"ItemBatcher":` + tt.batcher + `,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
			sm, err := asl.Parse(def, asl.Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := &local.Runner{}
			ex, err := r.Run(context.Background(), sm, engine.Info{Region: "us-east-1", Account: "111111111111"}, jsonv.MustParse(`{"xs":[10,20,30,40,50],"tag":"t","n":3}`), time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonv.Marshal(ex.Output()); ex.Status() != engine.Succeeded || got != tt.want {
				name, cause := ex.Error()
				t.Errorf("status %s %s %s\n got %s\nwant %s", ex.Status(), name, cause, got, tt.want)
			}
		})
	}
}
