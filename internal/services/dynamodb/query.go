package dynamodb

import (
	"context"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
	"github.com/stepflow/stepflow/internal/services/dynamodb/expr"
)

// maxPageBytes is how much data one Query or Scan page reads (1 MB).
const maxPageBytes = 1 << 20

type readInput struct {
	TableName string
	IndexName string
	exprInput
	legacyParams
	FilterExpression       *string
	ProjectionExpression   *string
	AttributesToGet        []string
	Select                 string
	Limit                  *int64
	ExclusiveStartKey      attr.Item
	ConsistentRead         bool
	ReturnConsumedCapacity string
}

type queryInput struct {
	readInput
	KeyConditionExpression *string
	ScanIndexForward       *bool
}

type scanInput struct {
	readInput
	Segment       *int64
	TotalSegments *int64
}

// reader is a validated Query or Scan.
type reader struct {
	t       *table
	ix      *index
	filter  *expr.Condition
	proj    *expr.Projection
	count   bool
	limit   int
	forward bool
	// attrs is the projection an index read returns when the request names
	// none (nil: every attribute).
	attrs *expr.Projection
}

// prepareRead validates what Query and Scan share. keyCond is the Query's
// key condition source (nil for Scan).
func (s *Service) prepareRead(in *readInput, op string, keyCond *string) (*reader, []expr.KeyCond, error) {
	if in.ProjectionExpression != nil && in.AttributesToGet != nil {
		return nil, nil, errValidation("Can not use both expression and non-expression parameters in the same request: " +
			"Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	hasProj := in.ProjectionExpression != nil || in.AttributesToGet != nil
	switch in.Select {
	case "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES":
		if hasProj {
			return nil, nil, errValidation(msgInvalid + "Cannot specify the AttributesToGet when choosing to get " + selectWords(in.Select))
		}
	case "SPECIFIC_ATTRIBUTES":
		if !hasProj {
			return nil, nil, errValidation(msgInvalid + "Select type SPECIFIC_ATTRIBUTES requires AttributesToGet or ProjectionExpression")
		}
	}
	if in.Select == "ALL_PROJECTED_ATTRIBUTES" && in.IndexName == "" {
		return nil, nil, errValidation(msgInvalid + "ALL_PROJECTED_ATTRIBUTES can be used only when " + op + " using an IndexName")
	}
	ex, err := newExprs(&in.exprInput)
	if err != nil {
		return nil, nil, err
	}
	var kc *expr.Condition
	var kcs []expr.KeyCond
	if keyCond != nil {
		if kc, err = ex.condition(keyCond, "KeyConditionExpression"); err != nil {
			return nil, nil, err
		}
		if kcs, err = kc.KeyConditions(); err != nil {
			return nil, nil, valueError(err)
		}
	}
	r := &reader{forward: true, count: in.Select == "COUNT"}
	if r.filter, err = ex.condition(in.FilterExpression, "FilterExpression"); err != nil {
		return nil, nil, err
	}
	if r.proj, err = ex.projection(in.ProjectionExpression); err != nil {
		return nil, nil, err
	}
	none := "FilterExpression is null"
	if keyCond != nil {
		none = "KeyConditionExpression is null"
	}
	if err := ex.done(kc != nil || r.filter != nil || r.proj != nil, none); err != nil {
		return nil, nil, err
	}
	if in.AttributesToGet != nil {
		r.proj = expr.NewProjection(in.AttributesToGet)
	}
	if in.Limit != nil {
		if *in.Limit < 1 {
			return nil, nil, errValidation("1 validation error detected: Value '" + strconv.FormatInt(*in.Limit, 10) +
				"' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
		}
		r.limit = int(min(*in.Limit, 1<<30))
	}
	t, err := s.getTable(in.TableName)
	if err != nil {
		return nil, nil, err
	}
	r.t = t
	if in.IndexName != "" {
		r.ix = t.index(in.IndexName)
		if r.ix == nil {
			return nil, nil, errValidation("The table does not have the specified index: " + in.IndexName)
		}
		if r.ix.global && in.ConsistentRead {
			return nil, nil, errValidation("Consistent reads are not supported on global secondary indexes")
		}
		if r.ix.global && r.ix.projType != "ALL" && in.Select == "ALL_ATTRIBUTES" {
			return nil, nil, errValidation(msgInvalid + "Select type ALL_ATTRIBUTES is not supported for global secondary index " +
				r.ix.name + " because its projection type is not ALL")
		}
		if r.proj == nil && r.ix.projType != "ALL" && in.Select != "ALL_ATTRIBUTES" {
			names := []string{t.hashName}
			for _, n := range []string{t.rangeName, r.ix.hashName, r.ix.rangeName} {
				if n != "" && !contains(names, n) {
					names = append(names, n)
				}
			}
			if r.ix.projType == "INCLUDE" {
				for _, n := range r.ix.nonKey {
					if !contains(names, n) {
						names = append(names, n)
					}
				}
			}
			r.attrs = expr.NewProjection(names)
		}
	}
	if r.filter != nil {
		keys := []string{t.hashName, t.rangeName}
		if r.ix != nil {
			keys = []string{r.ix.hashName, r.ix.rangeName}
		}
		if keyCond != nil {
			for _, a := range r.filter.Attrs() {
				if a != "" && (a == keys[0] || a == keys[1]) {
					return nil, nil, errValidation("Filter Expression can only contain non-primary key attributes: Primary key attribute: " + a)
				}
			}
		}
	}
	return r, kcs, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func selectWords(sel string) string {
	switch sel {
	case "COUNT":
		return "only the Count"
	case "ALL_PROJECTED_ATTRIBUTES":
		return "ALL_PROJECTED_ATTRIBUTES"
	}
	return "ALL_ATTRIBUTES"
}

// keyRange is a byte range of sort keys: lo/hi nil for unbounded.
type keyRange struct {
	lo, hi       []byte
	loInc, hiInc bool
}

// queryRange turns a Query's key conditions into the partition key and the
// sort key range, for the table or index hash/range names and types.
func queryRange(kcs []expr.KeyCond, hashName, rangeName string, hashType, rangeType attr.Type) ([]byte, keyRange, error) {
	var pk []byte
	var rg keyRange
	for _, kc := range kcs {
		for _, v := range kc.Values {
			want := hashType
			if kc.Attr == rangeName {
				want = rangeType
			}
			if (kc.Attr == hashName || kc.Attr == rangeName) && v.T != want {
				return nil, rg, errValidation(msgInvalid + "Condition parameter type does not match schema type")
			}
		}
		switch kc.Attr {
		case hashName:
			if kc.Op != "=" {
				return nil, rg, errValidation("Query key condition not supported")
			}
			pk = attr.AppendKey(nil, kc.Values[0])
		case rangeName:
			switch kc.Op {
			case "=":
				b := attr.AppendKey(nil, kc.Values[0])
				rg = keyRange{lo: b, hi: b, loInc: true, hiInc: true}
			case "<":
				rg.hi = attr.AppendKey(nil, kc.Values[0])
			case "<=":
				rg.hi, rg.hiInc = attr.AppendKey(nil, kc.Values[0]), true
			case ">":
				rg.lo = attr.AppendKey(nil, kc.Values[0])
			case ">=":
				rg.lo, rg.loInc = attr.AppendKey(nil, kc.Values[0]), true
			case "BETWEEN":
				lo, hi := attr.AppendKey(nil, kc.Values[0]), attr.AppendKey(nil, kc.Values[1])
				rg = keyRange{lo: lo, hi: hi, loInc: true, hiInc: true}
			case "begins_with":
				if rangeType == attr.N {
					return nil, rg, errValidation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
				}
				p := attr.AppendKey(nil, kc.Values[0])
				rg = keyRange{lo: p, loInc: true, hi: prefixEnd(p)}
			}
		default:
			missing := hashName
			if pk != nil || kc.Attr != "" {
				if rangeName != "" {
					missing = rangeName
				}
			}
			return nil, rg, errValidation("Query condition missed key schema element: " + missing)
		}
	}
	if pk == nil {
		return nil, rg, errValidation("Query condition missed key schema element: " + hashName)
	}
	return pk, rg, nil
}

// prefixEnd is the least byte string greater than every string with
// prefix p, or nil when there is none.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (s *Service) query(ctx context.Context, body []byte) (any, error) {
	var in queryInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := in.legacyParams.translate(legacyTarget{exprs: &in.exprInput, keyCond: &in.KeyConditionExpression, filter: &in.FilterExpression,
		projection: in.ProjectionExpression}); err != nil {
		return nil, err
	}
	if in.KeyConditionExpression == nil {
		return nil, errValidation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	r, kcs, err := s.prepareRead(&in.readInput, "Querying", in.KeyConditionExpression)
	if err != nil {
		return nil, err
	}
	if in.ScanIndexForward != nil {
		r.forward = *in.ScanIndexForward
	}
	t := r.t
	hashName, rangeName, hashType, rangeType := t.hashName, t.rangeName, t.hashType, t.rangeType
	if r.ix != nil {
		hashName, rangeName, hashType, rangeType = r.ix.hashName, r.ix.rangeName, r.ix.hashType, r.ix.rangeType
	}
	pk, rg, err := queryRange(kcs, hashName, rangeName, hashType, rangeType)
	if err != nil {
		return nil, err
	}
	start, err := r.startKey(in.ExclusiveStartKey)
	if err != nil {
		return nil, err
	}
	q := sqlQuery{tid: t.meta.Num, ix: r.ix, forward: r.forward}
	q.where(pk, rg, start)
	return s.run(ctx, r, q, in.ConsistentRead, in.ReturnConsumedCapacity)
}

func (s *Service) scan(ctx context.Context, body []byte) (any, error) {
	var in scanInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.TotalSegments != nil && (*in.TotalSegments < 1 || *in.TotalSegments > 1000000):
		return nil, awsproto.ValidationError(awsproto.Violation("totalSegments", strconv.FormatInt(*in.TotalSegments, 10),
			"Member must have value between 1 and 1000000"))
	case in.Segment != nil && (*in.Segment < 0 || *in.Segment > 999999):
		return nil, awsproto.ValidationError(awsproto.Violation("segment", strconv.FormatInt(*in.Segment, 10),
			"Member must have value between 0 and 999999"))
	case in.Segment != nil && in.TotalSegments == nil:
		return nil, errValidation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case in.Segment == nil && in.TotalSegments != nil:
		return nil, errValidation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	case in.Segment != nil && *in.Segment >= *in.TotalSegments:
		return nil, errValidation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
			strconv.FormatInt(*in.Segment, 10) + " is not less than TotalSegments: " + strconv.FormatInt(*in.TotalSegments, 10))
	}
	if err := in.legacyParams.translate(legacyTarget{exprs: &in.exprInput, filter: &in.FilterExpression, projection: in.ProjectionExpression}); err != nil {
		return nil, err
	}
	r, _, err := s.prepareRead(&in.readInput, "Scanning", nil)
	if err != nil {
		return nil, err
	}
	start, err := r.startKey(in.ExclusiveStartKey)
	if err != nil {
		return nil, err
	}
	q := sqlQuery{tid: r.t.meta.Num, ix: r.ix, forward: true, scan: true, hlo: 0, hhi: 1 << 32}
	if in.Segment != nil {
		n := *in.TotalSegments
		q.hlo = (*in.Segment << 32) / n
		q.hhi = ((*in.Segment + 1) << 32) / n
	}
	q.where(nil, keyRange{}, start)
	return s.run(ctx, r, q, in.ConsistentRead, in.ReturnConsumedCapacity)
}

// position is where a page starts after: a base item's key, and for index
// reads its index key.
type position struct {
	base itemKey
	e    indexEntry
}

// startKey validates an ExclusiveStartKey: the table's key attributes, and
// for an index read the index's too. A nil key is no position.
func (r *reader) startKey(esk attr.Item) (*position, error) {
	if esk == nil {
		return nil, nil
	}
	t := r.t
	need := map[string]attr.Type{t.hashName: t.hashType}
	if t.rangeName != "" {
		need[t.rangeName] = t.rangeType
	}
	if r.ix != nil {
		need[r.ix.hashName] = r.ix.hashType
		if r.ix.rangeName != "" {
			need[r.ix.rangeName] = r.ix.rangeType
		}
	}
	if len(esk) != len(need) {
		return nil, errValidation(msgStartKeyInvalid)
	}
	for name, typ := range need {
		v, ok := esk[name]
		if !ok {
			return nil, errValidation(msgStartKeyInvalid)
		}
		if v.T != typ {
			return nil, errValidation(msgKeyMismatch)
		}
	}
	p := &position{base: t.storageKey(esk)}
	if r.ix != nil {
		e, _ := r.ix.entry(esk, p.base)
		p.e = e
	}
	return p, nil
}

// sqlQuery builds the SELECT of a Query or Scan page.
type sqlQuery struct {
	tid      int64
	ix       *index
	forward  bool
	scan     bool
	hlo, hhi int64
	conds    []string
	args     []any
}

func (q *sqlQuery) add(cond string, args ...any) {
	q.conds = append(q.conds, cond)
	q.args = append(q.args, args...)
}

// where adds the partition, sort key range and start position conditions.
func (q *sqlQuery) where(pk []byte, rg keyRange, start *position) {
	x := ""
	if q.ix != nil {
		x = "x."
		q.add("x.tid = ? AND x.idx = ?", q.tid, q.ix.num)
	} else {
		q.add("tid = ?", q.tid)
	}
	sk := x + "sk"
	if q.ix != nil {
		sk = "x.isk"
	}
	if q.scan {
		lo := q.hlo
		if start != nil {
			// start the index range at the start key's hash bucket
			lo = max(lo, start.base.h)
			if q.ix != nil {
				lo = max(q.hlo, start.e.h)
			}
		}
		q.add(x+"h >= ? AND "+x+"h < ?", lo, q.hhi)
		if start != nil {
			if q.ix != nil {
				q.add("(x.h, x.ipk, x.isk, x.pk, x.sk) > (?, ?, ?, ?, ?)", start.e.h, start.e.ipk, start.e.isk, start.base.pk, start.base.sk)
			} else {
				q.add("(h, pk, sk) > (?, ?, ?)", start.base.h, start.base.pk, start.base.sk)
			}
		}
		return
	}
	pkCol := "pk"
	if q.ix != nil {
		pkCol = "x.ipk"
	}
	q.add(x+"h = ? AND "+pkCol+" = ?", hashKey(pk), pk)
	if rg.lo != nil {
		op := " > ?"
		if rg.loInc {
			op = " >= ?"
		}
		q.add(sk+op, rg.lo)
	}
	if rg.hi != nil {
		op := " < ?"
		if rg.hiInc {
			op = " <= ?"
		}
		q.add(sk+op, rg.hi)
	}
	if start != nil {
		cmp := " > "
		if !q.forward {
			cmp = " < "
		}
		if q.ix != nil {
			q.add("(x.isk, x.pk, x.sk)"+cmp+"(?, ?, ?)", start.e.isk, start.base.pk, start.base.sk)
		} else {
			q.add("sk"+cmp+"?", start.base.sk)
		}
	}
}

func (q *sqlQuery) sql() string {
	var b strings.Builder
	dir := ""
	if !q.forward {
		dir = " DESC"
	}
	if q.ix != nil {
		b.WriteString("SELECT x.bh, x.pk, x.sk, x.h, x.ipk, x.isk, i.item FROM dynamodb_index_items x JOIN dynamodb_items i " +
			"ON i.tid = x.tid AND i.h = x.bh AND i.pk = x.pk AND i.sk = x.sk WHERE ")
	} else {
		b.WriteString("SELECT h, pk, sk, 0, NULL, NULL, item FROM dynamodb_items WHERE ")
	}
	b.WriteString(strings.Join(q.conds, " AND "))
	switch {
	case q.ix != nil && q.scan:
		b.WriteString(" ORDER BY x.h, x.ipk, x.isk, x.pk, x.sk")
	case q.ix != nil:
		b.WriteString(" ORDER BY x.isk" + dir + ", x.pk" + dir + ", x.sk" + dir)
	case q.scan:
		b.WriteString(" ORDER BY h, pk, sk")
	default:
		b.WriteString(" ORDER BY sk" + dir)
	}
	// "+?", not "?": SQLite plans a LIMIT of a bare parameter for its
	// bound value and prepares the statement again whenever the value
	// changes; the plan is the same (an index range), so keep one.
	b.WriteString(" LIMIT +?")
	return b.String()
}

// run reads one page and renders the response.
func (s *Service) run(ctx context.Context, r *reader, q sqlQuery, consistent bool, capMode string) (any, error) {
	limit := r.limit
	if limit == 0 {
		limit = 1 << 30
	}
	rows, err := s.comp.Query(ctx, q.sql(), append(q.args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]byte, 0, 4096)
	out = append(out, `{"Items":[`...)
	count, scanned, bytes := 0, 0, 0
	var last attr.Item
	more := false
	for rows.Next() {
		var k itemKey
		var e indexEntry
		var blob []byte
		if err := rows.Scan(&k.h, &k.pk, &k.sk, &e.h, &e.ipk, &e.isk, &blob); err != nil {
			return nil, err
		}
		item, err := attr.DecodeItemBinary(blob)
		if err != nil {
			return nil, err
		}
		scanned++
		bytes += len(blob)
		view := item
		if r.attrs != nil {
			view = r.attrs.Apply(item)
		}
		last = item
		if r.filter == nil || r.filter.Eval(view) {
			count++
			if !r.count {
				if r.proj != nil {
					view = r.proj.Apply(view)
				}
				if count > 1 {
					out = append(out, ',')
				}
				out = attr.AppendItemJSON(out, view)
			}
		}
		if scanned == limit || bytes >= maxPageBytes {
			more = true
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if r.count {
		out = out[:1]
	} else {
		out = append(out, "],"...)
	}
	out = append(out, `"Count":`...)
	out = strconv.AppendInt(out, int64(count), 10)
	out = append(out, `,"ScannedCount":`...)
	out = strconv.AppendInt(out, int64(scanned), 10)
	if more && last != nil {
		lek := r.t.keyItem(last)
		if r.ix != nil {
			lek[r.ix.hashName] = last[r.ix.hashName]
			if r.ix.rangeName != "" {
				lek[r.ix.rangeName] = last[r.ix.rangeName]
			}
		}
		out = appendItemMember(out, "LastEvaluatedKey", lek)
	}
	out = appendCapacity(out, capacity(capMode, r.t, readUnits(bytes, consistent)))
	return append(out, '}'), nil
}
