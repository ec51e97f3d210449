package dynamodb

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

// Table statuses and billing modes.
const (
	statusActive    = "ACTIVE"
	statusCreating  = "CREATING"
	statusUpdating  = "UPDATING"
	statusDeleting  = "DELETING"
	billProvisioned = "PROVISIONED"
	billOnDemand    = "PAY_PER_REQUEST"
)

// tableName returns the table name of a TableName member, which may also
// be a table ARN.
func tableName(s string) string {
	if strings.HasPrefix(s, "arn:") {
		if i := strings.Index(s, ":table/"); i >= 0 {
			rest := s[i+len(":table/"):]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				rest = rest[:j]
			}
			return rest
		}
	}
	return s
}

// lookup returns the named table (name or ARN). The caller holds
// schemaMu.
func (s *Service) lookup(name string) (*table, bool) {
	t, ok := s.tables[tableName(name)]
	return t, ok
}

// findTable is lookup for callers that do not hold schemaMu.
func (s *Service) findTable(name string) (*table, bool) {
	s.schemaMu.RLock()
	defer s.schemaMu.RUnlock()
	return s.lookup(name)
}

// getTable returns the named table for an item operation, or
// ResourceNotFoundException.
func (s *Service) getTable(name string) (*table, error) {
	t, ok := s.findTable(name)
	if !ok {
		return nil, errNotFound()
	}
	return t, nil
}

type createTableInput struct {
	TableName                 string
	AttributeDefinitions      []AttributeDefinition
	KeySchema                 []KeySchemaElement
	BillingMode               string
	ProvisionedThroughput     *ProvisionedThroughput
	GlobalSecondaryIndexes    []indexInput
	LocalSecondaryIndexes     []indexInput
	StreamSpecification       *StreamSpecification
	SSESpecification          *SSESpecification
	Tags                      []Tag
	TableClass                string
	DeletionProtectionEnabled bool
	OnDemandThroughput        *OnDemandThroughput
	WarmThroughput            *WarmThroughput
}

type tableOutput struct {
	TableDescription tableDescription
}

func (s *Service) createTable(ctx context.Context, body []byte) (any, error) {
	var in createTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkCreateTable(&in); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	m := tableMeta{
		Name:                 in.TableName,
		ID:                   uuid.NewString(),
		Created:              now,
		AttributeDefinitions: in.AttributeDefinitions,
		KeySchema:            in.KeySchema,
		BillingMode:          in.BillingMode,
		OnDemand:             in.OnDemandThroughput,
		Warm:                 in.WarmThroughput,
		SSE:                  in.SSESpecification,
		TableClass:           in.TableClass,
		DeletionProtection:   in.DeletionProtectionEnabled,
		Tags:                 in.Tags,
	}
	if m.BillingMode == "" {
		m.BillingMode = billProvisioned
	}
	if m.BillingMode == billOnDemand {
		m.BillingUpdated = now
	}
	if in.ProvisionedThroughput != nil {
		m.Throughput = *in.ProvisionedThroughput
	}
	if in.StreamSpecification != nil && in.StreamSpecification.StreamEnabled {
		m.Stream = in.StreamSpecification
		m.StreamLabel = now.Format("2006-01-02T15:04:05.000")
	}
	for _, g := range in.GlobalSecondaryIndexes {
		m.GSIs = append(m.GSIs, newIndexMeta(g, &m))
	}
	for _, l := range in.LocalSecondaryIndexes {
		m.LSIs = append(m.LSIs, newIndexMeta(l, &m))
	}

	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	if _, ok := s.tables[m.Name]; ok {
		return nil, errInUse("Table already exists: " + m.Name)
	}
	s.nextNum++
	m.Num = s.nextNum
	if err := s.writeTx(ctx, func(tx txn) error { return saveMeta(tx, &m) }); err != nil {
		s.nextNum--
		return nil, err
	}
	t := s.compile(m, nil)
	s.tables[m.Name] = t
	d := s.description(t, statusCreating, tableStats{})
	return tableOutput{TableDescription: d}, nil
}

func newIndexMeta(in indexInput, m *tableMeta) indexMeta {
	im := indexMeta{Name: in.IndexName, Num: m.NextIndexNum + 1, KeySchema: in.KeySchema, OnDemand: in.OnDemandThroughput, Warm: in.WarmThroughput}
	m.NextIndexNum++
	if in.Projection != nil {
		im.Projection = *in.Projection
	}
	if in.ProvisionedThroughput != nil {
		pt := *in.ProvisionedThroughput
		im.Throughput = &pt
	}
	return im
}

// checkCreateTable applies CreateTable's rules beyond the model's, with
// AWS's messages.
func checkCreateTable(in *createTableInput) error {
	invalid := func(msg string) error { return errValidation(msgInvalid + msg) }
	if in.TableName == "" {
		return awsproto.ValidationError(awsproto.NullViolation("tableName"))
	}
	if err := checkName("tableName", "TableName", in.TableName); err != nil {
		return err
	}
	if len(in.KeySchema) == 0 || len(in.KeySchema) > 2 {
		return awsproto.ValidationError(awsproto.Violation("keySchema", "", "Member must have length less than or equal to 2"))
	}
	if in.BillingMode == billOnDemand {
		if in.ProvisionedThroughput != nil {
			return invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	} else {
		pt := in.ProvisionedThroughput
		if pt == nil || pt.ReadCapacityUnits == nil || pt.WriteCapacityUnits == nil {
			if pt == nil {
				return errValidation("No provisioned throughput specified for the table")
			}
			return invalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		if err := checkThroughput(pt); err != nil {
			return err
		}
	}
	defs := make([]string, len(in.AttributeDefinitions))
	seen := map[string]bool{}
	for i, d := range in.AttributeDefinitions {
		defs[i] = d.AttributeName
		if seen[d.AttributeName] {
			return invalid("Duplicate AttributeName in AttributeDefinitions: " + d.AttributeName)
		}
		seen[d.AttributeName] = true
	}
	if err := checkKeySchema(in.KeySchema, defs, seen); err != nil {
		return err
	}
	used := map[string]bool{}
	for _, k := range in.KeySchema {
		used[k.AttributeName] = true
	}
	names := map[string]bool{}
	// addIndex records an index's name, refusing a duplicate, and the
	// attributes of its key.
	addIndex := func(name string, ks []KeySchemaElement) error {
		if names[name] {
			return invalid("Duplicate index name: " + name)
		}
		names[name] = true
		for _, k := range ks {
			used[k.AttributeName] = true
		}
		return nil
	}
	if in.LocalSecondaryIndexes != nil {
		if len(in.LocalSecondaryIndexes) == 0 {
			return invalid("List of LocalSecondaryIndexes is empty")
		}
		if len(in.KeySchema) != 2 {
			return invalid("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		}
		tableHash, _ := keyNames(in.KeySchema)
		for _, l := range in.LocalSecondaryIndexes {
			if err := checkKeySchema(l.KeySchema, defs, seen); err != nil {
				return err
			}
			if len(l.KeySchema) != 2 {
				return invalid("Index KeySchema does not have a range key for index: " + l.IndexName)
			}
			if h, _ := keyNames(l.KeySchema); h != tableHash {
				return invalid("Index KeySchema does not have the same leading hash key as table KeySchema for index: " +
					l.IndexName + ". index hash key: " + h + ", table hash key: " + tableHash)
			}
			if err := checkProjection(l.Projection); err != nil {
				return err
			}
			if l.ProvisionedThroughput != nil {
				return invalid("ProvisionedThroughput should not be specified for a LocalSecondaryIndex: " + l.IndexName)
			}
			if err := addIndex(l.IndexName, l.KeySchema); err != nil {
				return err
			}
		}
		if len(in.LocalSecondaryIndexes) > 5 {
			return invalid("Number of LocalSecondaryIndexes exceeds per-table limit of 5")
		}
	}
	if in.GlobalSecondaryIndexes != nil {
		if len(in.GlobalSecondaryIndexes) == 0 {
			return invalid("List of GlobalSecondaryIndexes is empty")
		}
		for _, g := range in.GlobalSecondaryIndexes {
			if err := checkGSI(g, in.BillingMode, defs, seen); err != nil {
				return err
			}
			if err := addIndex(g.IndexName, g.KeySchema); err != nil {
				return err
			}
		}
		if len(in.GlobalSecondaryIndexes) > 20 {
			return invalid("GlobalSecondaryIndex count exceeds the per-table limit of 20")
		}
	}
	if len(used) != len(in.AttributeDefinitions) {
		return invalid("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	if s := in.StreamSpecification; s != nil && s.StreamEnabled && s.StreamViewType == "" {
		return errValidation("One or more parameter values were invalid: StreamViewType must be specified when StreamEnabled is true")
	}
	return nil
}

// checkName applies the rules on table and index names: 3 to 255
// characters of a-z, A-Z, 0-9, '_', '-' and '.'.
func checkName(member, label, name string) error {
	if len(name) < 3 || len(name) > 255 {
		return errValidation(label + " must be at least 3 characters long and at most 255 characters long")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return awsproto.ValidationError(awsproto.Violation(member, name, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"))
		}
	}
	return nil
}

func checkThroughput(pt *ProvisionedThroughput) error {
	const maxUnits = 1_000_000_000_000
	if pt.ReadCapacityUnits != nil && *pt.ReadCapacityUnits > maxUnits {
		return errValidation("Given value " + strconv.FormatInt(*pt.ReadCapacityUnits, 10) + " for ReadCapacityUnits is out of bounds")
	}
	if pt.WriteCapacityUnits != nil && *pt.WriteCapacityUnits > maxUnits {
		return errValidation("Given value " + strconv.FormatInt(*pt.WriteCapacityUnits, 10) + " for WriteCapacityUnits is out of bounds")
	}
	return nil
}

func checkKeySchema(ks []KeySchemaElement, defs []string, defined map[string]bool) error {
	keys := make([]string, len(ks))
	for i, k := range ks {
		keys[i] = k.AttributeName
	}
	for _, k := range keys {
		if !defined[k] {
			return errValidation(msgInvalid + "Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
				strings.Join(keys, ", ") + "], AttributeDefinitions: [" + strings.Join(defs, ", ") + "]")
		}
	}
	if len(keys) == 2 && keys[0] == keys[1] {
		return errValidation(msgInvalid + "Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	if len(ks) == 0 || ks[0].KeyType != "HASH" {
		return errValidation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(ks) == 2 && ks[1].KeyType != "RANGE" {
		return errValidation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
	}
	return nil
}

func checkProjection(p *Projection) error {
	if p == nil || p.ProjectionType == "" {
		return errValidation(msgInvalid + "Unknown ProjectionType: null")
	}
	if p.NonKeyAttributes != nil && p.ProjectionType != "INCLUDE" {
		return errValidation(msgInvalid + "ProjectionType is " + p.ProjectionType + ", but NonKeyAttributes is specified")
	}
	return nil
}

func checkGSI(g indexInput, billing string, defs []string, defined map[string]bool) error {
	if err := checkKeySchema(g.KeySchema, defs, defined); err != nil {
		return err
	}
	if err := checkProjection(g.Projection); err != nil {
		return err
	}
	if billing == billOnDemand && g.ProvisionedThroughput != nil {
		return errValidation(msgInvalid + "ProvisionedThroughput should not be specified for index: " + g.IndexName + " when BillingMode is PAY_PER_REQUEST")
	}
	if billing != billOnDemand {
		pt := g.ProvisionedThroughput
		if pt == nil || pt.ReadCapacityUnits == nil || pt.WriteCapacityUnits == nil {
			return errValidation(msgInvalid + "ProvisionedThroughput must be specified for index: " + g.IndexName)
		}
		if err := checkThroughput(pt); err != nil {
			return err
		}
	}
	return nil
}

// tableStats are the counts DescribeTable reports.
type tableStats struct {
	items, bytes int64
	index        map[int][2]int64
}

func (s *Service) stats(ctx context.Context, t *table) (tableStats, error) {
	st := tableStats{index: map[int][2]int64{}}
	if err := s.comp.QueryRow(ctx, sqlCountItems, t.meta.Num).Scan(&st.items, &st.bytes); err != nil {
		return st, err
	}
	if len(t.indexes) == 0 {
		return st, nil
	}
	rows, err := s.comp.Query(ctx, sqlCountIndexEntries, t.meta.Num)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var idx int
		var n, b int64
		if err := rows.Scan(&idx, &n, &b); err != nil {
			return st, err
		}
		st.index[idx] = [2]int64{n, b}
	}
	return st, rows.Err()
}

// Description shapes.

type tableDescription struct {
	AttributeDefinitions      []AttributeDefinition
	TableName                 string
	KeySchema                 []KeySchemaElement
	TableStatus               string
	CreationDateTime          epoch
	ProvisionedThroughput     provisionedDescription
	TableSizeBytes            int64
	ItemCount                 int64
	TableArn                  string
	TableId                   string
	BillingModeSummary        *billingModeSummary  `json:",omitempty"`
	LocalSecondaryIndexes     []lsiDescription     `json:",omitempty"`
	GlobalSecondaryIndexes    []gsiDescription     `json:",omitempty"`
	StreamSpecification       *StreamSpecification `json:",omitempty"`
	LatestStreamLabel         string               `json:",omitempty"`
	LatestStreamArn           string               `json:",omitempty"`
	SSEDescription            *sseDescription      `json:",omitempty"`
	TableClassSummary         *tableClassSummary   `json:",omitempty"`
	DeletionProtectionEnabled bool
	OnDemandThroughput        *OnDemandThroughput        `json:",omitempty"`
	WarmThroughput            *warmThroughputDescription `json:",omitempty"`
}

type provisionedDescription struct {
	NumberOfDecreasesToday int64
	ReadCapacityUnits      int64
	WriteCapacityUnits     int64
}

type billingModeSummary struct {
	BillingMode                       string
	LastUpdateToPayPerRequestDateTime epoch `json:",omitzero"`
}

type lsiDescription struct {
	IndexName      string
	KeySchema      []KeySchemaElement
	Projection     Projection
	IndexSizeBytes int64
	ItemCount      int64
	IndexArn       string
}

type gsiDescription struct {
	IndexName             string
	KeySchema             []KeySchemaElement
	Projection            Projection
	IndexStatus           string
	ProvisionedThroughput provisionedDescription
	IndexSizeBytes        int64
	ItemCount             int64
	IndexArn              string
	OnDemandThroughput    *OnDemandThroughput        `json:",omitempty"`
	WarmThroughput        *warmThroughputDescription `json:",omitempty"`
}

type sseDescription struct {
	Status          string
	SSEType         string
	KMSMasterKeyArn string `json:",omitempty"`
}

type tableClassSummary struct {
	TableClass string
}

type warmThroughputDescription struct {
	ReadUnitsPerSecond  int64 `json:",omitempty"`
	WriteUnitsPerSecond int64 `json:",omitempty"`
	Status              string
}

func provisioned(pt *ProvisionedThroughput) provisionedDescription {
	var d provisionedDescription
	if pt != nil {
		if pt.ReadCapacityUnits != nil {
			d.ReadCapacityUnits = *pt.ReadCapacityUnits
		}
		if pt.WriteCapacityUnits != nil {
			d.WriteCapacityUnits = *pt.WriteCapacityUnits
		}
	}
	return d
}

func warmDescription(w *WarmThroughput) *warmThroughputDescription {
	if w == nil {
		return nil
	}
	d := &warmThroughputDescription{Status: statusActive}
	if w.ReadUnitsPerSecond != nil {
		d.ReadUnitsPerSecond = *w.ReadUnitsPerSecond
	}
	if w.WriteUnitsPerSecond != nil {
		d.WriteUnitsPerSecond = *w.WriteUnitsPerSecond
	}
	return d
}

// description is a table's TableDescription.
func (s *Service) description(t *table, status string, st tableStats) tableDescription {
	m := &t.meta
	d := tableDescription{
		AttributeDefinitions:      m.AttributeDefinitions,
		TableName:                 m.Name,
		KeySchema:                 m.KeySchema,
		TableStatus:               status,
		CreationDateTime:          epoch(m.Created),
		TableSizeBytes:            st.bytes,
		ItemCount:                 st.items,
		TableArn:                  t.arn,
		TableId:                   m.ID,
		BillingModeSummary:        &billingModeSummary{BillingMode: m.BillingMode},
		DeletionProtectionEnabled: m.DeletionProtection,
		OnDemandThroughput:        m.OnDemand,
		WarmThroughput:            warmDescription(m.Warm),
	}
	if m.BillingMode == billOnDemand {
		d.BillingModeSummary.LastUpdateToPayPerRequestDateTime = epoch(m.BillingUpdated)
	} else {
		d.ProvisionedThroughput = provisioned(&m.Throughput)
	}
	for _, g := range m.GSIs {
		c := st.index[g.Num]
		gd := gsiDescription{IndexName: g.Name, KeySchema: g.KeySchema, Projection: g.Projection, IndexStatus: statusActive,
			IndexSizeBytes: c[1], ItemCount: c[0], IndexArn: t.arn + "/index/" + g.Name,
			OnDemandThroughput: g.OnDemand, WarmThroughput: warmDescription(g.Warm)}
		if m.BillingMode != billOnDemand {
			gd.ProvisionedThroughput = provisioned(g.Throughput)
		}
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, gd)
	}
	for _, l := range m.LSIs {
		c := st.index[l.Num]
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, lsiDescription{IndexName: l.Name, KeySchema: l.KeySchema,
			Projection: l.Projection, IndexSizeBytes: c[1], ItemCount: c[0], IndexArn: t.arn + "/index/" + l.Name})
	}
	if m.Stream != nil {
		d.StreamSpecification = m.Stream
		d.LatestStreamLabel = m.StreamLabel
		d.LatestStreamArn = t.arn + "/stream/" + m.StreamLabel
	}
	if m.SSE != nil && m.SSE.Enabled != nil && *m.SSE.Enabled {
		sd := &sseDescription{Status: "ENABLED", SSEType: "KMS"}
		key := m.SSE.KMSMasterKeyID
		if key == "" {
			key = "arn:aws:kms:" + s.cfg.Region + ":" + s.cfg.Account + ":key/aws/dynamodb"
		} else if !strings.HasPrefix(key, "arn:") {
			key = "arn:aws:kms:" + s.cfg.Region + ":" + s.cfg.Account + ":key/" + key
		}
		sd.KMSMasterKeyArn = key
		d.SSEDescription = sd
	}
	if m.TableClass != "" {
		d.TableClassSummary = &tableClassSummary{TableClass: m.TableClass}
	}
	return d
}

type tableNameInput struct {
	TableName string
}

func (s *Service) describeTable(ctx context.Context, body []byte) (any, error) {
	t, err := s.existingTable(body)
	if err != nil {
		return nil, err
	}
	st, err := s.stats(ctx, t)
	if err != nil {
		return nil, err
	}
	return struct{ Table tableDescription }{s.description(t, statusActive, st)}, nil
}

func (s *Service) deleteTable(ctx context.Context, body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	t, ok := s.lookup(in.TableName)
	if !ok {
		return nil, errTableNotFound(tableName(in.TableName))
	}
	if t.meta.DeletionProtection {
		return nil, errValidation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	st, err := s.stats(ctx, t)
	if err != nil {
		return nil, err
	}
	err = s.writeTx(ctx, func(tx txn) error {
		for _, q := range []string{sqlDeleteTableItems, sqlDeleteTableIndex, sqlDeleteTableMeta} {
			if err := tx.exec(q, t.meta.Num); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.deleted.Store(true)
	delete(s.tables, t.meta.Name)
	return tableOutput{TableDescription: s.description(t, statusDeleting, st)}, nil
}

type listTablesInput struct {
	ExclusiveStartTableName string
	Limit                   *int64
}

type listTablesOutput struct {
	TableNames             []string
	LastEvaluatedTableName string `json:",omitempty"`
}

func (s *Service) listTables(_ context.Context, body []byte) (any, error) {
	var in listTablesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, awsproto.ValidationError(awsproto.Violation("limit", strconv.FormatInt(*in.Limit, 10),
				"Member must have value less than or equal to 100"))
		}
		limit = int(*in.Limit)
	}
	s.schemaMu.RLock()
	names := make([]string, 0, len(s.tables))
	for n := range s.tables {
		if n > in.ExclusiveStartTableName {
			names = append(names, n)
		}
	}
	s.schemaMu.RUnlock()
	sort.Strings(names)
	out := listTablesOutput{TableNames: names}
	if len(names) > limit {
		out.TableNames = names[:limit]
		out.LastEvaluatedTableName = names[limit-1]
	}
	return out, nil
}

type gsiUpdate struct {
	Create *indexInput
	Update *struct {
		IndexName             string
		ProvisionedThroughput *ProvisionedThroughput
		OnDemandThroughput    *OnDemandThroughput
		WarmThroughput        *WarmThroughput
	}
	Delete *struct{ IndexName string }
}

type updateTableInput struct {
	TableName                   string
	AttributeDefinitions        []AttributeDefinition
	BillingMode                 string
	ProvisionedThroughput       *ProvisionedThroughput
	GlobalSecondaryIndexUpdates []gsiUpdate
	StreamSpecification         *StreamSpecification
	SSESpecification            *SSESpecification
	TableClass                  string
	DeletionProtectionEnabled   *bool
	OnDemandThroughput          *OnDemandThroughput
	WarmThroughput              *WarmThroughput
}

func (s *Service) updateTable(ctx context.Context, body []byte) (any, error) {
	var in updateTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	t, ok := s.lookup(in.TableName)
	if !ok {
		return nil, errTableNotFound(tableName(in.TableName))
	}
	if in.BillingMode == "" && in.ProvisionedThroughput == nil && len(in.GlobalSecondaryIndexUpdates) == 0 &&
		in.StreamSpecification == nil && in.SSESpecification == nil && in.TableClass == "" &&
		in.DeletionProtectionEnabled == nil && in.OnDemandThroughput == nil && in.WarmThroughput == nil {
		return nil, errValidation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	m := cloneMeta(t.meta)
	now := s.cfg.Now().UTC()
	if in.BillingMode != "" && in.BillingMode != m.BillingMode {
		m.BillingMode = in.BillingMode
		if m.BillingMode == billOnDemand {
			m.BillingUpdated = now
			m.Throughput = ProvisionedThroughput{}
			for i := range m.GSIs {
				m.GSIs[i].Throughput = nil
			}
		}
	}
	if in.ProvisionedThroughput != nil {
		if m.BillingMode == billOnDemand {
			return nil, errValidation(msgInvalid + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		if err := checkThroughput(in.ProvisionedThroughput); err != nil {
			return nil, err
		}
		m.Throughput = *in.ProvisionedThroughput
	} else if m.BillingMode == billProvisioned && (m.Throughput.ReadCapacityUnits == nil || m.Throughput.WriteCapacityUnits == nil) {
		return nil, errValidation(msgInvalid + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
	}
	if in.OnDemandThroughput != nil {
		m.OnDemand = in.OnDemandThroughput
	}
	if in.WarmThroughput != nil {
		m.Warm = in.WarmThroughput
	}
	if in.TableClass != "" {
		m.TableClass = in.TableClass
	}
	if in.DeletionProtectionEnabled != nil {
		m.DeletionProtection = *in.DeletionProtectionEnabled
	}
	if in.SSESpecification != nil {
		m.SSE = in.SSESpecification
	}
	if ss := in.StreamSpecification; ss != nil {
		switch {
		case ss.StreamEnabled && m.Stream != nil:
			return nil, errValidation("Table already has an enabled stream: " + t.arn + "/stream/" + m.StreamLabel)
		case ss.StreamEnabled:
			if ss.StreamViewType == "" {
				return nil, errValidation(msgInvalid + "StreamViewType must be specified when StreamEnabled is true")
			}
			m.Stream = ss
			m.StreamLabel = now.Format("2006-01-02T15:04:05.000")
		case m.Stream == nil:
			return nil, errValidation("Table already has no stream")
		default:
			m.Stream, m.StreamLabel = nil, ""
		}
	}
	// Attribute definitions: the table's, plus those new indexes bring.
	defined := map[string]string{}
	for _, d := range m.AttributeDefinitions {
		defined[d.AttributeName] = d.AttributeType
	}
	for _, d := range in.AttributeDefinitions {
		if old, ok := defined[d.AttributeName]; ok && old != d.AttributeType {
			return nil, errValidation(msgInvalid + "Cannot change the type of key attribute: " + d.AttributeName)
		}
		if _, ok := defined[d.AttributeName]; !ok {
			defined[d.AttributeName] = d.AttributeType
			m.AttributeDefinitions = append(m.AttributeDefinitions, d)
		}
	}
	var created, dropped []int
	for _, u := range in.GlobalSecondaryIndexUpdates {
		switch {
		case u.Create != nil:
			g := *u.Create
			if indexPos(m.GSIs, g.IndexName) >= 0 || indexPos(m.LSIs, g.IndexName) >= 0 {
				return nil, errValidation(msgInvalid + "Index already exists: " + g.IndexName)
			}
			defs := make([]string, 0, len(m.AttributeDefinitions))
			seen := map[string]bool{}
			for _, d := range m.AttributeDefinitions {
				defs = append(defs, d.AttributeName)
				seen[d.AttributeName] = true
			}
			if err := checkGSI(g, m.BillingMode, defs, seen); err != nil {
				return nil, err
			}
			im := newIndexMeta(g, &m)
			m.GSIs = append(m.GSIs, im)
			created = append(created, im.Num)
		case u.Delete != nil:
			i := indexPos(m.GSIs, u.Delete.IndexName)
			if i < 0 {
				return nil, awsproto.NewError(CodeResourceNotFound, "Requested resource not found: Index: "+u.Delete.IndexName+" not found")
			}
			dropped = append(dropped, m.GSIs[i].Num)
			m.GSIs = append(m.GSIs[:i], m.GSIs[i+1:]...)
		case u.Update != nil:
			i := indexPos(m.GSIs, u.Update.IndexName)
			if i < 0 {
				return nil, awsproto.NewError(CodeResourceNotFound, "Requested resource not found: Index: "+u.Update.IndexName+" not found")
			}
			if u.Update.ProvisionedThroughput != nil {
				pt := *u.Update.ProvisionedThroughput
				m.GSIs[i].Throughput = &pt
			}
			if u.Update.OnDemandThroughput != nil {
				m.GSIs[i].OnDemand = u.Update.OnDemandThroughput
			}
			if u.Update.WarmThroughput != nil {
				m.GSIs[i].Warm = u.Update.WarmThroughput
			}
		}
	}
	nt := s.compile(m, t.deleted)
	err := s.writeTx(ctx, func(tx txn) error {
		if err := saveMeta(tx, &m); err != nil {
			return err
		}
		for _, num := range dropped {
			if err := tx.exec(sqlDropIndex, m.Num, num); err != nil {
				return err
			}
		}
		if len(created) > 0 {
			return backfill(tx, nt, created)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.tables[m.Name] = nt
	st, err := s.stats(ctx, nt)
	if err != nil {
		return nil, err
	}
	return tableOutput{TableDescription: s.description(nt, statusUpdating, st)}, nil
}

func indexPos(list []indexMeta, name string) int {
	for i := range list {
		if list[i].Name == name {
			return i
		}
	}
	return -1
}

// cloneMeta copies a definition deeply enough to change it.
func cloneMeta(m tableMeta) tableMeta {
	m.AttributeDefinitions = append([]AttributeDefinition(nil), m.AttributeDefinitions...)
	m.GSIs = append([]indexMeta(nil), m.GSIs...)
	m.LSIs = append([]indexMeta(nil), m.LSIs...)
	m.Tags = append([]Tag(nil), m.Tags...)
	return m
}

// backfill writes the entries of new indexes for every existing item.
func backfill(tx txn, t *table, nums []int) error {
	rows, err := tx.query(sqlTableItems, t.meta.Num)
	if err != nil {
		return err
	}
	type row struct {
		k    itemKey
		item attr.Item
		size int64
	}
	var all []row
	for rows.Next() {
		var r row
		var data []byte
		if err := rows.Scan(&r.k.h, &r.k.pk, &r.k.sk, &data, &r.size); err != nil {
			rows.Close()
			return err
		}
		r.k.pk, r.k.sk = nonNil(r.k.pk), nonNil(r.k.sk)
		if r.item, err = attr.DecodeItemBinary(data); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, num := range nums {
		var ix *index
		for _, x := range t.indexes {
			if x.num == num {
				ix = x
			}
		}
		for _, r := range all {
			if e, ok := ix.entry(r.item, r.k); ok {
				if err := insertIndexEntry(tx, t, ix, e, r.k, r.size); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
