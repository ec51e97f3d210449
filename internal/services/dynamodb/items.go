package dynamodb

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strconv"

	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
	"github.com/stepflow/stepflow/internal/services/dynamodb/expr"
)

// Limits.
const (
	maxItemSize  = 400 * 1024
	maxHashSize  = 2048
	maxRangeSize = 1024
)

// checkKeyValue applies the rules on a key attribute's value: not empty,
// not too long.
func checkKeyValue(name string, v attr.Value, hash bool) error {
	if v.Str == "" && v.T != attr.N {
		kind := "string"
		if v.T == attr.B {
			kind = "binary"
		}
		return errValidation(msgInvalid + "The AttributeValue for a key attribute cannot contain an empty " + kind + " value. Key: " + name)
	}
	if v.T == attr.N {
		return nil
	}
	if hash && len(v.Str) > maxHashSize {
		return errValidation(msgInvalid + "Size of hashkey has exceeded the maximum size limit of2048 bytes")
	}
	if !hash && len(v.Str) > maxRangeSize {
		return errValidation(msgInvalid + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes")
	}
	return nil
}

// keyOf validates a Key member against the table's key schema and returns
// its storage key.
func (t *table) keyOf(key attr.Item) (itemKey, error) {
	n := 1
	if t.rangeName != "" {
		n = 2
	}
	if len(key) != n {
		return itemKey{}, errValidation(msgKeyMismatch)
	}
	hv, ok := key[t.hashName]
	if !ok || hv.T != t.hashType {
		return itemKey{}, errValidation(msgKeyMismatch)
	}
	if t.rangeName != "" {
		rv, ok := key[t.rangeName]
		if !ok || rv.T != t.rangeType {
			return itemKey{}, errValidation(msgKeyMismatch)
		}
	}
	if err := checkKeyValue(t.hashName, hv, true); err != nil {
		return itemKey{}, err
	}
	if t.rangeName != "" {
		if err := checkKeyValue(t.rangeName, key[t.rangeName], false); err != nil {
			return itemKey{}, err
		}
	}
	return t.storageKey(key), nil
}

// checkItem validates a whole item: its key attributes, the types of its
// secondary index key attributes and its size. tooLarge is the message for
// an oversized item.
func (t *table) checkItem(item attr.Item, tooLarge string) (itemKey, error) {
	for i, name := range [2]string{t.hashName, t.rangeName} {
		if name == "" {
			continue
		}
		want := t.hashType
		if i == 1 {
			want = t.rangeType
		}
		v, ok := item[name]
		if !ok {
			return itemKey{}, errValidation(msgInvalid + "Missing the key " + name + " in the item")
		}
		if v.T != want {
			return itemKey{}, errValidation(msgInvalid + "Type mismatch for key " + name + " expected: " + want.String() + " actual: " + v.T.String())
		}
		if err := checkKeyValue(name, v, i == 0); err != nil {
			return itemKey{}, err
		}
	}
	for _, ix := range t.indexes {
		for _, name := range [2]string{ix.hashName, ix.rangeName} {
			if name == "" {
				continue
			}
			v, ok := item[name]
			if !ok {
				continue
			}
			want := t.types[name]
			if v.T != want {
				return itemKey{}, errValidation(msgInvalid + "Type mismatch for Index Key " + name + " Expected: " + want.String() +
					" Actual: " + v.T.String() + " IndexName: " + ix.name)
			}
			if v.Str == "" && v.T != attr.N {
				return itemKey{}, errValidation("One or more parameter values are not valid. A value specified for a secondary index key is not supported. " +
					"The AttributeValue for a key attribute cannot contain an empty string value. IndexName: " + ix.name + ", IndexKey: " + name)
			}
		}
	}
	if item.Size() > maxItemSize {
		return itemKey{}, errValidation(tooLarge)
	}
	return t.storageKey(item), nil
}

// keyItem returns the key attributes of item.
func (t *table) keyItem(item attr.Item) attr.Item {
	k := attr.Item{t.hashName: item[t.hashName]}
	if t.rangeName != "" {
		k[t.rangeName] = item[t.rangeName]
	}
	return k
}

// expiry is the expires column of an item: its TTL attribute in epoch
// seconds when TTL is on and the attribute is a number, else NULL.
func (t *table) expiry(item attr.Item) any {
	if !t.meta.TTLEnabled {
		return nil
	}
	v, ok := item[t.meta.TTLAttribute]
	if !ok || v.T != attr.N {
		return nil
	}
	f, err := strconv.ParseFloat(v.Str, 64)
	if err != nil || f > math.MaxInt64/2 || f < math.MinInt64/2 {
		return nil
	}
	return int64(math.Floor(f))
}

// Storage primitives, inside a write transaction.

// readItemTx returns the stored item at k, or nil.
func readItemTx(tx txn, t *table, k itemKey) (attr.Item, error) {
	var blob []byte
	err := tx.scanRow(sqlGetItem, []any{t.meta.Num, k.h, k.pk, k.sk}, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return attr.DecodeItemBinary(blob)
}

// writeItemTx stores item at k, replacing old (nil when there was none),
// and maintains the secondary indexes.
func writeItemTx(tx txn, t *table, k itemKey, old, item attr.Item) error {
	size := int64(item.Size())
	blob := attr.AppendItemBinary(make([]byte, 0, size+32), item)
	if err := tx.exec(sqlPutItem, t.meta.Num, k.h, k.pk, k.sk, blob, size, t.expiry(item)); err != nil {
		return err
	}
	for _, ix := range t.indexes {
		var oe indexEntry
		had := false
		if old != nil {
			oe, had = ix.entry(old, k)
		}
		ne, has := ix.entry(item, k)
		if had && (!has || oe.h != ne.h || string(oe.ipk) != string(ne.ipk) || string(oe.isk) != string(ne.isk)) {
			if err := deleteIndexEntry(tx, t, ix, oe, k); err != nil {
				return err
			}
		}
		if has {
			if err := insertIndexEntry(tx, t, ix, ne, k, size); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteItemTx removes the item old stored at k, with its index entries.
func deleteItemTx(tx txn, t *table, k itemKey, old attr.Item) error {
	if err := tx.exec(sqlDeleteItem, t.meta.Num, k.h, k.pk, k.sk); err != nil {
		return err
	}
	for _, ix := range t.indexes {
		if e, ok := ix.entry(old, k); ok {
			if err := deleteIndexEntry(tx, t, ix, e, k); err != nil {
				return err
			}
		}
	}
	return nil
}

func insertIndexEntry(tx txn, t *table, ix *index, e indexEntry, k itemKey, size int64) error {
	return tx.exec(sqlPutEntry, t.meta.Num, ix.num, e.h, e.ipk, e.isk, k.h, k.pk, k.sk, size)
}

func deleteIndexEntry(tx txn, t *table, ix *index, e indexEntry, k itemKey) error {
	return tx.exec(sqlDeleteEntry, t.meta.Num, ix.num, e.h, e.ipk, e.isk, k.pk, k.sk)
}

// write runs fn in one write transaction on a table that must still exist
// when the transaction runs.
func (s *Service) write(ctx context.Context, t *table, fn func(tx txn) error) error {
	s.schemaMu.RLock()
	defer s.schemaMu.RUnlock()
	return s.writeTx(ctx, func(tx txn) error {
		if t.deleted.Load() {
			return errNotFound()
		}
		return fn(tx)
	})
}

// writeOps runs prepared writes in one transaction, all or nothing (after
// runs last, in the same transaction, when set). Each operation first
// takes its table's current definition, in case UpdateTable changed it
// since the request was validated.
func (s *Service) writeOps(ctx context.Context, ops []*prepared, after func(tx txn) error) error {
	s.schemaMu.RLock()
	defer s.schemaMu.RUnlock()
	for _, p := range ops {
		if err := s.refresh(p); err != nil {
			return err
		}
	}
	return s.writeTx(ctx, func(tx txn) error {
		for _, p := range ops {
			if p.t.deleted.Load() {
				return errNotFound()
			}
			if err := p.apply(tx); err != nil {
				return err
			}
		}
		if after != nil {
			return after(tx)
		}
		return nil
	})
}

// refresh points p at its table's current definition; the caller holds
// schemaMu.
func (s *Service) refresh(p *prepared) error {
	cur, ok := s.tables[p.t.meta.Name]
	if !ok || cur.meta.Num != p.t.meta.Num {
		return errNotFound()
	}
	if cur != p.t && p.kind == "Put" {
		if _, err := cur.checkItem(p.item, msgItemTooLarge); err != nil {
			return err
		}
	}
	p.t = cur
	return nil
}

// readItem reads the item at k outside any transaction.
func (s *Service) readItem(ctx context.Context, t *table, k itemKey) (attr.Item, error) {
	var blob []byte
	err := s.comp.QueryRow(ctx, sqlGetItem, t.meta.Num, k.h, k.pk, k.sk).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return attr.DecodeItemBinary(blob)
}

// Consumed capacity.

type consumedCapacity struct {
	TableName     string
	CapacityUnits float64
	Table         *struct{ CapacityUnits float64 } `json:",omitempty"`
}

// capacity is the ConsumedCapacity member for a request that asked for it.
func capacity(mode string, t *table, units float64) *consumedCapacity {
	switch mode {
	case "TOTAL":
		return &consumedCapacity{TableName: t.meta.Name, CapacityUnits: units}
	case "INDEXES":
		return &consumedCapacity{TableName: t.meta.Name, CapacityUnits: units, Table: &struct{ CapacityUnits float64 }{units}}
	}
	return nil
}

func writeUnits(sizes ...int) float64 {
	n := 0
	for _, s := range sizes {
		n = max(n, s)
	}
	return math.Max(1, math.Ceil(float64(n)/1024))
}

func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// appendItemMember appends `"name":{item}` to a JSON object under
// construction (with a leading comma when not first).
func appendItemMember(dst []byte, name string, item attr.Item) []byte {
	if len(dst) > 1 {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, `":`...)
	return attr.AppendItemJSON(dst, item)
}

// appendCapacity appends the ConsumedCapacity member, if any.
func appendCapacity(dst []byte, cc *consumedCapacity) []byte {
	if cc == nil {
		return dst
	}
	if len(dst) > 1 {
		dst = append(dst, ',')
	}
	dst = append(dst, `"ConsumedCapacity":{"CapacityUnits":`...)
	dst = strconv.AppendFloat(dst, cc.CapacityUnits, 'f', -1, 64)
	if cc.Table != nil {
		dst = append(dst, `,"Table":{"CapacityUnits":`...)
		dst = strconv.AppendFloat(dst, cc.Table.CapacityUnits, 'f', -1, 64)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"TableName":`...)
	dst = attr.AppendString(dst, cc.TableName)
	return append(dst, '}')
}

// PutItem.

type putItemInput struct {
	TableName string
	Item      attr.Item
	exprInput
	legacyParams
	ConditionExpression                 *string
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
	ReturnConsumedCapacity              string
}

// prepared is a validated single-item write, ready to run in a
// transaction (alone, or as part of TransactWriteItems).
type prepared struct {
	t         *table
	k         itemKey
	kind      string // "Put", "Update", "Delete", "ConditionCheck"
	item      attr.Item
	cond      *expr.Condition
	update    *expr.Update
	key       attr.Item
	returnOld bool // ReturnValuesOnConditionCheckFailure = ALL_OLD

	// results
	old, new attr.Item
}

// onlyCondition compiles the ConditionExpression of a PutItem or
// DeleteItem, their one expression, and checks that the expression
// attribute names and values all serve it.
func onlyCondition(in *exprInput, src *string) (*expr.Condition, error) {
	ex, err := newExprs(in)
	if err != nil {
		return nil, err
	}
	cond, err := ex.condition(src, "ConditionExpression")
	if err != nil {
		return nil, err
	}
	if err := ex.done(cond != nil, "ConditionExpression is null"); err != nil {
		return nil, err
	}
	return cond, nil
}

func (s *Service) preparePut(in *putItemInput) (*prepared, error) {
	if err := in.legacyParams.translate(legacyTarget{exprs: &in.exprInput, condition: &in.ConditionExpression}); err != nil {
		return nil, err
	}
	if in.Item == nil {
		return nil, errValidation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null")
	}
	cond, err := onlyCondition(&in.exprInput, in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	t, err := s.getTable(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.checkItem(in.Item, msgItemTooLarge)
	if err != nil {
		return nil, err
	}
	return &prepared{t: t, k: k, kind: "Put", item: in.Item, cond: cond, returnOld: in.ReturnValuesOnConditionCheckFailure == "ALL_OLD"}, nil
}

// apply runs a prepared write in tx. A failed condition returns
// errConditionFailed.
func (p *prepared) apply(tx txn) error {
	old, err := readItemTx(tx, p.t, p.k)
	if err != nil {
		return err
	}
	p.old = old
	if p.cond != nil && !p.cond.Eval(old) {
		return errConditionFailed(old, p.returnOld)
	}
	switch p.kind {
	case "Put":
		p.new = p.item
		return writeItemTx(tx, p.t, p.k, old, p.item)
	case "Delete":
		if old == nil {
			return nil
		}
		return deleteItemTx(tx, p.t, p.k, old)
	case "Update":
		base := old
		if base == nil {
			base = p.key
		}
		next := base
		if p.update != nil {
			next, err = p.update.Apply(base)
			if err != nil {
				return valueError(err)
			}
		}
		if _, err := p.t.checkItem(next, msgUpdateTooLarge); err != nil {
			return err
		}
		p.new = next
		return writeItemTx(tx, p.t, p.k, old, next)
	}
	return nil
}

func (s *Service) putItem(ctx context.Context, body []byte) (any, error) {
	var in putItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkReturnOld(in.ReturnValues); err != nil {
		return nil, err
	}
	p, err := s.preparePut(&in)
	if err != nil {
		return nil, err
	}
	return s.writeItem(ctx, p, in.ReturnValues, in.ReturnConsumedCapacity)
}

// checkReturnOld checks the ReturnValues of PutItem and DeleteItem.
func checkReturnOld(returnValues string) error {
	if returnValues != "" && returnValues != "NONE" && returnValues != "ALL_OLD" {
		return errValidation("ReturnValues can only be ALL_OLD or NONE")
	}
	return nil
}

// writeItem runs one prepared PutItem, UpdateItem or DeleteItem and
// renders its response: the Attributes returnValues asks for and the
// consumed capacity.
func (s *Service) writeItem(ctx context.Context, p *prepared, returnValues, returnCapacity string) ([]byte, error) {
	if err := s.writeOps(ctx, []*prepared{p}, nil); err != nil {
		return nil, err
	}
	out := []byte{'{'}
	if attrs := p.returned(returnValues); len(attrs) > 0 {
		out = appendItemMember(out, "Attributes", attrs)
	}
	out = appendCapacity(out, capacity(returnCapacity, p.t, writeUnits(p.new.Size(), p.old.Size())))
	return append(out, '}'), nil
}

// returned is the part of an applied write's item that ReturnValues asks
// for: all of it before (ALL_OLD) or after (ALL_NEW) the write, or the
// attributes an update expression names (UPDATED_OLD, UPDATED_NEW).
func (p *prepared) returned(returnValues string) attr.Item {
	switch returnValues {
	case "ALL_OLD":
		return p.old
	case "ALL_NEW":
		return p.new
	case "UPDATED_OLD", "UPDATED_NEW":
		src := p.new
		if returnValues == "UPDATED_OLD" {
			src = p.old
		}
		if src != nil && p.update != nil {
			return expr.NewProjectionOfPaths(p.update.Paths()).Apply(src)
		}
	}
	return nil
}

// GetItem.

type getItemInput struct {
	TableName string
	Key       attr.Item
	exprInput
	ProjectionExpression   *string
	AttributesToGet        []string
	ConsistentRead         bool
	ReturnConsumedCapacity string
}

func (s *Service) getItem(ctx context.Context, body []byte) (any, error) {
	var in getItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	proj, err := projectionOf(&in.exprInput, in.ProjectionExpression, in.AttributesToGet)
	if err != nil {
		return nil, err
	}
	t, err := s.getTable(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	item, err := s.readItem(ctx, t, k)
	if err != nil {
		return nil, err
	}
	out := []byte{'{'}
	if item != nil {
		if proj != nil {
			item = proj.Apply(item)
		}
		out = appendItemMember(out, "Item", item)
	}
	out = appendCapacity(out, capacity(in.ReturnConsumedCapacity, t, readUnits(item.Size(), in.ConsistentRead)))
	return append(out, '}'), nil
}

// projectionOf compiles a read's ProjectionExpression (or legacy
// AttributesToGet), checking its names.
func projectionOf(in *exprInput, src *string, attrs []string) (*expr.Projection, error) {
	if src != nil && attrs != nil {
		return nil, errValidation("Can not use both expression and non-expression parameters in the same request: " +
			"Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	if in.ExpressionAttributeValues != nil {
		return nil, errValidation("ExpressionAttributeValues can only be specified when using expressions: ProjectionExpression is null")
	}
	ex, err := newExprs(in)
	if err != nil {
		return nil, err
	}
	proj, err := ex.projection(src)
	if err != nil {
		return nil, err
	}
	if err := ex.done(proj != nil, ""); err != nil {
		return nil, err
	}
	if attrs != nil {
		seen := map[string]bool{}
		for _, a := range attrs {
			if seen[a] {
				return nil, errValidation(msgInvalid + "Duplicate value in attribute name: " + a)
			}
			seen[a] = true
		}
		proj = expr.NewProjection(attrs)
	}
	return proj, nil
}

// UpdateItem.

type updateItemInput struct {
	TableName string
	Key       attr.Item
	exprInput
	legacyParams
	UpdateExpression                    *string
	ConditionExpression                 *string
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
	ReturnConsumedCapacity              string
}

func (s *Service) prepareUpdate(in *updateItemInput) (*prepared, error) {
	if err := in.legacyParams.translate(legacyTarget{exprs: &in.exprInput, condition: &in.ConditionExpression, update: &in.UpdateExpression}); err != nil {
		return nil, err
	}
	ex, err := newExprs(&in.exprInput)
	if err != nil {
		return nil, err
	}
	upd, err := ex.update(in.UpdateExpression)
	if err != nil {
		return nil, err
	}
	cond, err := ex.condition(in.ConditionExpression, "ConditionExpression")
	if err != nil {
		return nil, err
	}
	if err := ex.done(upd != nil || cond != nil, "UpdateExpression and ConditionExpression are null"); err != nil {
		return nil, err
	}
	t, err := s.getTable(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	if upd != nil {
		for _, path := range upd.Paths() {
			if name := path.Attr(); name == t.hashName || name == t.rangeName {
				return nil, errValidation(msgInvalid + "Cannot update attribute " + name + ". This attribute is part of the key")
			}
		}
	}
	return &prepared{t: t, k: k, kind: "Update", key: in.Key, cond: cond, update: upd,
		returnOld: in.ReturnValuesOnConditionCheckFailure == "ALL_OLD"}, nil
}

func (s *Service) updateItem(ctx context.Context, body []byte) (any, error) {
	var in updateItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	p, err := s.prepareUpdate(&in)
	if err != nil {
		return nil, err
	}
	return s.writeItem(ctx, p, in.ReturnValues, in.ReturnConsumedCapacity)
}

// DeleteItem.

type deleteItemInput struct {
	TableName string
	Key       attr.Item
	exprInput
	legacyParams
	ConditionExpression                 *string
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
	ReturnConsumedCapacity              string
}

func (s *Service) prepareDelete(in *deleteItemInput) (*prepared, error) {
	if err := in.legacyParams.translate(legacyTarget{exprs: &in.exprInput, condition: &in.ConditionExpression}); err != nil {
		return nil, err
	}
	cond, err := onlyCondition(&in.exprInput, in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	t, err := s.getTable(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	return &prepared{t: t, k: k, kind: "Delete", key: in.Key, cond: cond, returnOld: in.ReturnValuesOnConditionCheckFailure == "ALL_OLD"}, nil
}

func (s *Service) deleteItem(ctx context.Context, body []byte) (any, error) {
	var in deleteItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkReturnOld(in.ReturnValues); err != nil {
		return nil, err
	}
	p, err := s.prepareDelete(&in)
	if err != nil {
		return nil, err
	}
	return s.writeItem(ctx, p, in.ReturnValues, in.ReturnConsumedCapacity)
}
