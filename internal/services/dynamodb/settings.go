package dynamodb

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/awsproto"
	"github.com/stepflow/stepflow/internal/services/dynamodb/attr"
)

// Table settings: time to live, continuous backups, tags, and read-only
// answers for the features Stepflow does not emulate.

// Time to live.

type ttlSpecification struct {
	Enabled       bool
	AttributeName string
}

type updateTTLInput struct {
	TableName               string
	TimeToLiveSpecification ttlSpecification
}

func (s *Service) updateTimeToLive(ctx context.Context, body []byte) (any, error) {
	var in updateTTLInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	spec := in.TimeToLiveSpecification
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	t, ok := s.lookup(in.TableName)
	if !ok {
		return nil, errTableNotFound(tableName(in.TableName))
	}
	m := cloneMeta(t.meta)
	switch {
	case spec.Enabled && m.TTLEnabled && m.TTLAttribute == spec.AttributeName:
		return nil, errValidation("TimeToLive is already enabled")
	case spec.Enabled && m.TTLEnabled:
		return nil, errValidation("TimeToLive is active on a different AttributeName: current AttributeName is " + m.TTLAttribute)
	case !spec.Enabled && !m.TTLEnabled:
		return nil, errValidation("TimeToLive is already disabled")
	case !spec.Enabled && m.TTLAttribute != spec.AttributeName:
		return nil, errValidation("TimeToLive is active on a different AttributeName: current AttributeName is " + m.TTLAttribute)
	}
	m.TTLEnabled = spec.Enabled
	if spec.Enabled {
		m.TTLAttribute = spec.AttributeName
	}
	nt := s.compile(m, t.deleted)
	err := s.writeTx(ctx, func(tx txn) error {
		if err := saveMeta(tx, &m); err != nil {
			return err
		}
		return recomputeExpiry(tx, nt)
	})
	if err != nil {
		return nil, err
	}
	s.tables[m.Name] = nt
	return struct{ TimeToLiveSpecification ttlSpecification }{spec}, nil
}

// recomputeExpiry sets the expires column of every item of t from its TTL
// attribute (NULL when TTL is off).
func recomputeExpiry(tx txn, t *table) error {
	if !t.meta.TTLEnabled {
		return tx.exec(sqlClearExpiry, t.meta.Num)
	}
	rows, err := tx.query(sqlTableItems, t.meta.Num)
	if err != nil {
		return err
	}
	type upd struct {
		k   itemKey
		exp any
	}
	var ups []upd
	for rows.Next() {
		var k itemKey
		var data []byte
		var size int64
		if err := rows.Scan(&k.h, &k.pk, &k.sk, &data, &size); err != nil {
			rows.Close()
			return err
		}
		k.pk, k.sk = nonNil(k.pk), nonNil(k.sk)
		item, err := attr.DecodeItemBinary(data)
		if err != nil {
			rows.Close()
			return err
		}
		ups = append(ups, upd{k, t.expiry(item)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, u := range ups {
		if err := tx.exec(sqlSetExpiry, u.exp, t.meta.Num, u.k.h, u.k.pk, u.k.sk); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) describeTimeToLive(_ context.Context, body []byte) (any, error) {
	t, err := s.existingTable(body)
	if err != nil {
		return nil, err
	}
	type ttlDescription struct {
		TimeToLiveStatus string
		AttributeName    string `json:",omitempty"`
	}
	d := ttlDescription{TimeToLiveStatus: "DISABLED"}
	if t.meta.TTLEnabled {
		d = ttlDescription{TimeToLiveStatus: "ENABLED", AttributeName: t.meta.TTLAttribute}
	}
	return struct{ TimeToLiveDescription ttlDescription }{d}, nil
}

// Backups.

type pitrDescription struct {
	PointInTimeRecoveryStatus  string
	RecoveryPeriodInDays       int64 `json:",omitempty"`
	EarliestRestorableDateTime epoch `json:",omitzero"`
	LatestRestorableDateTime   epoch `json:",omitzero"`
}

type continuousBackups struct {
	ContinuousBackupsStatus        string
	PointInTimeRecoveryDescription pitrDescription
}

func (s *Service) backupsDescription(t *table) continuousBackups {
	d := continuousBackups{ContinuousBackupsStatus: "ENABLED", PointInTimeRecoveryDescription: pitrDescription{PointInTimeRecoveryStatus: "DISABLED"}}
	if t.meta.PITR {
		now := s.cfg.Now().UTC()
		days := t.meta.PITRDays
		if days == 0 {
			days = 35
		}
		earliest := t.meta.Created
		if lim := now.Add(-time.Duration(days) * 24 * time.Hour); earliest.Before(lim) {
			earliest = lim
		}
		d.PointInTimeRecoveryDescription = pitrDescription{PointInTimeRecoveryStatus: "ENABLED", RecoveryPeriodInDays: days,
			EarliestRestorableDateTime: epoch(earliest), LatestRestorableDateTime: epoch(now.Add(-5 * time.Minute))}
	}
	return d
}

func (s *Service) describeContinuousBackups(_ context.Context, body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, ok := s.findTable(in.TableName)
	if !ok {
		return nil, errBackupsTableNotFound(tableName(in.TableName))
	}
	return struct{ ContinuousBackupsDescription continuousBackups }{s.backupsDescription(t)}, nil
}

type updateBackupsInput struct {
	TableName                        string
	PointInTimeRecoverySpecification struct {
		PointInTimeRecoveryEnabled bool
		RecoveryPeriodInDays       int64
	}
}

func (s *Service) updateContinuousBackups(ctx context.Context, body []byte) (any, error) {
	var in updateBackupsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	t, ok := s.lookup(in.TableName)
	if !ok {
		return nil, errBackupsTableNotFound(tableName(in.TableName))
	}
	m := cloneMeta(t.meta)
	m.PITR = in.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled
	m.PITRDays = in.PointInTimeRecoverySpecification.RecoveryPeriodInDays
	nt, err := s.replaceMeta(ctx, t, m)
	if err != nil {
		return nil, err
	}
	return struct{ ContinuousBackupsDescription continuousBackups }{s.backupsDescription(nt)}, nil
}

// replaceMeta stores a changed definition and swaps it in. The caller
// holds schemaMu for writing.
func (s *Service) replaceMeta(ctx context.Context, t *table, m tableMeta) (*table, error) {
	if err := s.writeTx(ctx, func(tx txn) error { return saveMeta(tx, &m) }); err != nil {
		return nil, err
	}
	nt := s.compile(m, t.deleted)
	s.tables[m.Name] = nt
	return nt, nil
}

// Tags.

// tableForARN finds the table a ResourceArn names; the caller holds
// schemaMu.
func (s *Service) tableForARN(arn string) (*table, error) {
	prefix := "arn:aws:dynamodb:" + s.cfg.Region + ":" + s.cfg.Account + ":table/"
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":table/") {
		return nil, errValidation("Invalid TableArn: Invalid ResourceArn provided as input " + arn)
	}
	name := strings.TrimPrefix(arn, prefix)
	if name == arn || strings.Contains(name, "/") {
		return nil, awsproto.NewError(CodeResourceNotFound, "Requested resource not found: ResourcArn: "+arn+" not found")
	}
	t, ok := s.tables[name]
	if !ok {
		return nil, awsproto.NewError(CodeResourceNotFound, "Requested resource not found: ResourcArn: "+arn+" not found")
	}
	return t, nil
}

type tagResourceInput struct {
	ResourceArn string
	Tags        []Tag
	TagKeys     []string
}

func (s *Service) tagResource(ctx context.Context, body []byte) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	err := s.changeTags(ctx, in.ResourceArn, func(tags []Tag) ([]Tag, error) {
		for _, tag := range in.Tags {
			replaced := false
			for i := range tags {
				if tags[i].Key == tag.Key {
					tags[i].Value, replaced = tag.Value, true
				}
			}
			if !replaced {
				tags = append(tags, tag)
			}
		}
		if len(tags) > 50 {
			return nil, errValidation("One or more parameter values were invalid: Too many tags attached to this resource; the limit is 50")
		}
		return tags, nil
	})
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}

func (s *Service) untagResource(ctx context.Context, body []byte) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	err := s.changeTags(ctx, in.ResourceArn, func(tags []Tag) ([]Tag, error) {
		return slices.DeleteFunc(tags, func(tag Tag) bool { return slices.Contains(in.TagKeys, tag.Key) }), nil
	})
	if err != nil {
		return nil, err
	}
	return empty{}, nil
}

// changeTags replaces the tags of the table arn names with those edit
// makes of a copy of them.
func (s *Service) changeTags(ctx context.Context, arn string, edit func(tags []Tag) ([]Tag, error)) error {
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	t, err := s.tableForARN(arn)
	if err != nil {
		return err
	}
	m := cloneMeta(t.meta)
	if m.Tags, err = edit(m.Tags); err != nil {
		return err
	}
	_, err = s.replaceMeta(ctx, t, m)
	return err
}

func (s *Service) listTagsOfResource(_ context.Context, body []byte) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.schemaMu.RLock()
	defer s.schemaMu.RUnlock()
	t, err := s.tableForARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := t.meta.Tags
	if tags == nil {
		tags = []Tag{}
	}
	return struct{ Tags []Tag }{tags}, nil
}

// Read-only answers for the settings Stepflow does not emulate, so that
// clients which read them (the Terraform provider) see them off.

// existingTable returns the table a request {"TableName"} names, or
// ResourceNotFoundException.
func (s *Service) existingTable(body []byte) (*table, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, ok := s.findTable(in.TableName)
	if !ok {
		return nil, errTableNotFound(tableName(in.TableName))
	}
	return t, nil
}

func (s *Service) describeKinesisStreamingDestination(_ context.Context, body []byte) (any, error) {
	t, err := s.existingTable(body)
	if err != nil {
		return nil, err
	}
	return struct {
		TableName                     string
		KinesisDataStreamDestinations []struct{}
	}{t.meta.Name, []struct{}{}}, nil
}

func (s *Service) describeContributorInsights(_ context.Context, body []byte) (any, error) {
	t, err := s.existingTable(body)
	if err != nil {
		return nil, err
	}
	return struct{ TableName, ContributorInsightsStatus string }{t.meta.Name, "DISABLED"}, nil
}

func (s *Service) describeTableReplicaAutoScaling(_ context.Context, body []byte) (any, error) {
	t, err := s.existingTable(body)
	if err != nil {
		return nil, err
	}
	type desc struct {
		TableName   string
		TableStatus string
		Replicas    []struct{}
	}
	return struct{ TableAutoScalingDescription desc }{desc{t.meta.Name, statusActive, []struct{}{}}}, nil
}

func (s *Service) getResourcePolicy(_ context.Context, body []byte) (any, error) {
	var in struct{ ResourceArn string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.schemaMu.RLock()
	_, err := s.tableForARN(in.ResourceArn)
	s.schemaMu.RUnlock()
	if err != nil {
		return nil, err
	}
	return nil, awsproto.NewError(CodePolicyNotFound, "Resource-based policy not found for the provided ResourceArn: "+in.ResourceArn)
}

func (s *Service) describeLimits(context.Context, []byte) (any, error) {
	return struct {
		AccountMaxReadCapacityUnits, AccountMaxWriteCapacityUnits int64
		TableMaxReadCapacityUnits, TableMaxWriteCapacityUnits     int64
	}{80000, 80000, 40000, 40000}, nil
}

func (s *Service) describeEndpoints(context.Context, []byte) (any, error) {
	type endpoint struct {
		Address              string
		CachePeriodInMinutes int64
	}
	return struct{ Endpoints []endpoint }{[]endpoint{{"dynamodb." + s.cfg.Region + ".amazonaws.com", 1440}}}, nil
}

func (s *Service) listBackups(context.Context, []byte) (any, error) {
	return struct{ BackupSummaries []struct{} }{[]struct{}{}}, nil
}

func (s *Service) listGlobalTables(context.Context, []byte) (any, error) {
	return struct{ GlobalTables []struct{} }{[]struct{}{}}, nil
}
