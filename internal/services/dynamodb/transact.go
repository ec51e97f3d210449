package dynamodb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
	"github.com/stepflow/stepflow/internal/services/dynamodb/expr"
)

// tokenTTL is how long a ClientRequestToken makes TransactWriteItems
// idempotent.
const tokenTTL = 10 * time.Minute

type transactWriteItem struct {
	ConditionCheck *deleteItemInput
	Put            *putItemInput
	Delete         *deleteItemInput
	Update         *updateItemInput
}

type transactWriteInput struct {
	TransactItems          []transactWriteItem
	ClientRequestToken     string
	ReturnConsumedCapacity string
}

func (s *Service) transactWriteItems(ctx context.Context, body []byte) (any, error) {
	var in transactWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.TransactItems) > 100 {
		return nil, errValidation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	// Expressions and keys first (a ValidationException for the whole
	// request), then the tables.
	ops := make([]*prepared, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		n := 0
		for _, set := range []bool{ti.ConditionCheck != nil, ti.Put != nil, ti.Delete != nil, ti.Update != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return nil, errValidation("TransactItems can only contain one of Check, Put, Update or Delete")
		}
		var p *prepared
		var err error
		switch {
		case ti.ConditionCheck != nil:
			if ti.ConditionCheck.ConditionExpression == nil {
				return nil, errValidation("1 validation error detected: Value null at 'transactItems." + itoa(i+1) +
					".member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")
			}
			p, err = s.prepareDelete(ti.ConditionCheck)
			if p != nil {
				p.kind = "ConditionCheck"
			}
		case ti.Put != nil:
			p, err = s.preparePut(ti.Put)
		case ti.Delete != nil:
			p, err = s.prepareDelete(ti.Delete)
		default:
			p, err = s.prepareUpdate(ti.Update)
		}
		if err != nil {
			return nil, err
		}
		ops[i] = p
	}
	seen := map[string]bool{}
	for _, p := range ops {
		id := itoa(int(p.t.meta.Num)) + "\x00" + string(p.k.pk) + "\x00" + string(p.k.sk)
		if seen[id] {
			return nil, errValidation("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
	}
	var hash string
	if in.ClientRequestToken != "" {
		hash = requestHash(body)
	}
	err := s.transact(ctx, ops, in.ClientRequestToken, hash)
	if err != nil {
		return nil, err
	}
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		units := map[*table]float64{}
		var order []*table
		for _, p := range ops {
			if _, ok := units[p.t]; !ok {
				order = append(order, p.t)
			}
			units[p.t] += 2 * writeUnits(p.new.Size(), p.old.Size())
		}
		caps := make([]*consumedCapacity, 0, len(order))
		for _, t := range order {
			caps = append(caps, capacity(in.ReturnConsumedCapacity, t, units[t]))
		}
		return struct{ ConsumedCapacity []*consumedCapacity }{caps}, nil
	}
	return empty{}, nil
}

// transact runs a transaction's operations in one SQLite transaction:
// each checks its condition on the item as it was and writes; any failure
// rolls everything back and cancels with every operation's reason.
func (s *Service) transact(ctx context.Context, ops []*prepared, token, hash string) error {
	s.schemaMu.RLock()
	defer s.schemaMu.RUnlock()
	for _, p := range ops {
		if err := s.refresh(p); err != nil {
			return err
		}
	}
	return s.writeTx(ctx, func(tx txn) error {
		if token != "" {
			ok, err := s.checkToken(tx, token, hash)
			if err != nil {
				return err
			}
			if ok {
				return nil // a replay: the first request's effects stand
			}
		}
		failed := false
		reasons := make([]CancellationReason, len(ops))
		for i, p := range ops {
			if p.t.deleted.Load() {
				return errNotFound()
			}
			reasons[i] = CancellationReason{Code: "None"}
			err := p.apply(tx)
			if err == nil {
				continue
			}
			failed = true
			var me *memberError
			var ae *awsproto.Error
			switch {
			case errors.As(err, &me) && me.err.Code == CodeConditionalCheckFailed,
				errors.As(err, &ae) && ae.Code == CodeConditionalCheckFailed:
				reasons[i] = CancellationReason{Code: "ConditionalCheckFailed", Message: msgConditionFailed}
				if p.returnOld && p.old != nil {
					reasons[i].Item = p.old
				}
			case errors.As(err, &ae) && ae.Code == CodeValidation:
				reasons[i] = CancellationReason{Code: "ValidationError", Message: ae.Message}
			default:
				return err
			}
		}
		if failed {
			return errTxCanceled(reasons)
		}
		if token != "" {
			return tx.exec(sqlPutToken, token, hash, s.cfg.Now().UnixNano())
		}
		return nil
	})
}

// requestHash identifies a request whatever the order of its object
// members (clients serialize maps in any order).
func requestHash(body []byte) string {
	var v any
	canonical := body
	if json.Unmarshal(body, &v) == nil {
		if b, err := json.Marshal(v); err == nil {
			canonical = b
		}
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// checkToken reports whether token was used, within tokenTTL, by the same
// request (hash); a different request is IdempotentParameterMismatch.
func (s *Service) checkToken(tx txn, token, hash string) (bool, error) {
	var old string
	var created int64
	err := tx.scanRow(sqlGetToken, []any{token}, &old, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if s.cfg.Now().Sub(time.Unix(0, created)) > tokenTTL {
		return false, nil
	}
	if old != hash {
		return false, awsproto.NewError(CodeIdempotentMismatch, "Idempotent parameters were changed for the specified ClientRequestToken")
	}
	return true, nil
}

func itoa(n int) string {
	return string(appendInt(nil, n))
}

func appendInt(b []byte, n int) []byte {
	if n == 0 {
		return append(b, '0')
	}
	var buf [20]byte
	i := len(buf)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return append(b, buf[i:]...)
}

type transactGetInput struct {
	TransactItems []struct {
		Get *struct {
			TableName string
			Key       attr.Item
			exprInput
			ProjectionExpression *string
		}
	}
	ReturnConsumedCapacity string
}

func (s *Service) transactGetItems(ctx context.Context, body []byte) (any, error) {
	var in transactGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.TransactItems) > 100 {
		return nil, errValidation("1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	type get struct {
		t    *table
		k    itemKey
		proj *expr.Projection
	}
	gets := make([]get, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		if ti.Get == nil {
			return nil, errValidation("1 validation error detected: Value null at 'transactItems." + itoa(i+1) +
				".member.get' failed to satisfy constraint: Member must not be null")
		}
		proj, err := projectionOf(&ti.Get.exprInput, ti.Get.ProjectionExpression, nil)
		if err != nil {
			return nil, err
		}
		gets[i].proj = proj
	}
	for i, ti := range in.TransactItems {
		t, err := s.getTable(ti.Get.TableName)
		if err != nil {
			return nil, err
		}
		k, err := t.keyOf(ti.Get.Key)
		if err != nil {
			return nil, err
		}
		gets[i].t, gets[i].k = t, k
	}
	rtx, err := s.comp.Read().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer rtx.Rollback()
	tx := txn{tx: rtx, comp: s.comp, read: true}
	out := []byte(`{"Responses":[`)
	for i, g := range gets {
		if i > 0 {
			out = append(out, ',')
		}
		item, err := readItemTx(tx, g.t, g.k)
		if err != nil {
			return nil, err
		}
		if item == nil {
			out = append(out, "{}"...)
			continue
		}
		if g.proj != nil {
			item = g.proj.Apply(item)
		}
		out = append(out, `{"Item":`...)
		out = attr.AppendItemJSON(out, item)
		out = append(out, '}')
	}
	return append(out, "]}"...), nil
}
