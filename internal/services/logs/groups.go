package logs

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Log groups.

const maxTags = 50

// retentionDays are the values PutRetentionPolicy accepts.
var retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func (s *Service) createLogGroup(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName  string            `json:"logGroupName"`
		KmsKeyID      string            `json:"kmsKeyId"`
		Tags          map[string]string `json:"tags"`
		LogGroupClass string            `json:"logGroupClass"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.LogGroupClass == "" {
		in.LogGroupClass = "STANDARD"
	}
	if in.Tags == nil {
		in.Tags = map[string]string{}
	}
	tags, err := tagsJSON(in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now().UnixMilli()
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		return createGroup(ctx, tx, in.LogGroupName, now, in.KmsKeyID, in.LogGroupClass, tags)
	})
}

func createGroup(ctx context.Context, tx *sql.Tx, name string, nowMS int64, kms, class, tags string) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO logs_groups (name, created_ms, kms_key, class, tags) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, name, nowMS, kms, class, tags)
	if err != nil {
		return fmt.Errorf("create log group: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return newErr(CodeResourceAlreadyExists, "The specified log group already exists")
	}
	return nil
}

func tagsJSON(tags map[string]string) (string, error) {
	if len(tags) > maxTags {
		return "", newErr(CodeTooManyTags, fmt.Sprintf("A resource can have no more than %d tags.", maxTags))
	}
	b, err := jsonMarshal(tags)
	return string(b), err
}

func (s *Service) deleteLogGroup(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return nil, s.comp.Write(ctx, func(tx *sql.Tx) error {
		g, err := loadGroup(ctx, tx, in.LogGroupName)
		if err != nil {
			return err
		}
		// Delete the events first, without the per-row cascade.
		if _, err := tx.ExecContext(ctx, `DELETE FROM logs_events WHERE group_id = ?`, g.id); err != nil {
			return fmt.Errorf("delete log events: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM logs_groups WHERE id = ?`, g.id); err != nil {
			return fmt.Errorf("delete log group: %w", err)
		}
		return nil
	})
}

// groupOut is the LogGroup shape.
type groupOut struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	RetentionInDays   int    `json:"retentionInDays,omitempty"`
	MetricFilterCount int    `json:"metricFilterCount"`
	Arn               string `json:"arn"`
	StoredBytes       int64  `json:"storedBytes"`
	KmsKeyID          string `json:"kmsKeyId,omitempty"`
	LogGroupClass     string `json:"logGroupClass"`
	LogGroupArn       string `json:"logGroupArn"`
}

func (s *Service) describeLogGroups(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupNamePrefix  string `json:"logGroupNamePrefix"`
		LogGroupNamePattern string `json:"logGroupNamePattern"`
		NextToken           string `json:"nextToken"`
		Limit               int    `json:"limit"`
		LogGroupClass       string `json:"logGroupClass"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return nil, errInvalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
	}
	if in.Limit == 0 {
		in.Limit = 50
	}
	after := ""
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || len(raw) == 0 {
			return nil, errInvalid("The specified nextToken is invalid: pass the nextToken of the previous response unchanged.")
		}
		after = string(raw)
	}
	q := `SELECT ` + groupColumns + `, (SELECT coalesce(sum(stored_bytes), 0) FROM logs_streams WHERE group_id = logs_groups.id)
		FROM logs_groups WHERE name > ?`
	args := []any{after}
	if in.LogGroupNamePrefix != "" {
		q += ` AND substr(name, 1, ?) = ?`
		args = append(args, len(in.LogGroupNamePrefix), in.LogGroupNamePrefix)
	}
	if in.LogGroupClass != "" {
		q += ` AND class = ?`
		args = append(args, in.LogGroupClass)
	}
	q += ` ORDER BY name`
	rows, err := s.comp.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("describe log groups: %w", err)
	}
	defer rows.Close()
	pattern := strings.ToLower(in.LogGroupNamePattern)
	out := struct {
		LogGroups []groupOut `json:"logGroups"`
		NextToken string     `json:"nextToken,omitempty"`
	}{LogGroups: []groupOut{}}
	var last string
	for rows.Next() {
		var stored int64
		g := &group{}
		var tags string
		if err := rows.Scan(&g.id, &g.name, &g.createdMS, &g.retentionDays, &g.kmsKey, &g.class, &tags, &stored); err != nil {
			return nil, fmt.Errorf("describe log groups: %w", err)
		}
		// The pattern matches anywhere in the name, without regard to case.
		if pattern != "" && !strings.Contains(strings.ToLower(g.name), pattern) {
			continue
		}
		if len(out.LogGroups) == in.Limit {
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(last))
			break
		}
		arn := s.groupARN(g.name)
		out.LogGroups = append(out.LogGroups, groupOut{
			LogGroupName: g.name, CreationTime: g.createdMS, RetentionInDays: g.retentionDays,
			Arn: arn + ":*", StoredBytes: stored, KmsKeyID: g.kmsKey, LogGroupClass: g.class, LogGroupArn: arn,
		})
		last = g.name
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describe log groups: %w", err)
	}
	return out, nil
}

func (s *Service) putRetentionPolicy(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName    string `json:"logGroupName"`
		RetentionInDays int    `json:"retentionInDays"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if !slices.Contains(retentionDays, in.RetentionInDays) {
		vals := make([]string, len(retentionDays))
		for i, d := range retentionDays {
			vals[i] = strconv.Itoa(d)
		}
		return nil, errInvalid("1 validation error detected: Value '" + strconv.Itoa(in.RetentionInDays) +
			"' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [" + strings.Join(vals, ", ") + "]")
	}
	return nil, s.setRetention(ctx, in.LogGroupName, in.RetentionInDays)
}

func (s *Service) deleteRetentionPolicy(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return nil, s.setRetention(ctx, in.LogGroupName, 0)
}

func (s *Service) setRetention(ctx context.Context, name string, days int) error {
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE logs_groups SET retention_days = ? WHERE name = ?`, days, name)
		if err != nil {
			return fmt.Errorf("set retention: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errGroupNotFound()
		}
		return nil
	})
}

// Tags.

// updateTags loads a group, sets the tags of set, deletes the keys of
// remove and saves them.
func (s *Service) updateTags(ctx context.Context, name string, set map[string]string, remove []string) error {
	return s.comp.Write(ctx, func(tx *sql.Tx) error {
		g, err := loadGroup(ctx, tx, name)
		if err != nil {
			return err
		}
		maps.Copy(g.tags, set)
		for _, k := range remove {
			delete(g.tags, k)
		}
		if len(g.tags) > maxTags {
			return newErr(CodeTooManyTags, fmt.Sprintf("A resource can have no more than %d tags.", maxTags))
		}
		return saveTags(ctx, tx, g)
	})
}

func (s *Service) resourceGroup(arn string) (string, error) {
	name, ok := s.groupFromARN(arn)
	if !ok {
		return "", errGroupNotFound()
	}
	return name, nil
}

func (s *Service) tagResource(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceArn string            `json:"resourceArn"`
		Tags        map[string]string `json:"tags"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.resourceGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return nil, s.updateTags(ctx, name, in.Tags, nil)
}

func (s *Service) untagResource(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.resourceGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return nil, s.updateTags(ctx, name, nil, in.TagKeys)
}

type tagsOut struct {
	Tags map[string]string `json:"tags"`
}

func (s *Service) listTagsForResource(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.resourceGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	g, err := loadGroup(ctx, s.comp.Read(), name)
	if err != nil {
		return nil, err
	}
	return tagsOut{Tags: g.tags}, nil
}

func (s *Service) tagLogGroup(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName string            `json:"logGroupName"`
		Tags         map[string]string `json:"tags"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return nil, s.updateTags(ctx, in.LogGroupName, in.Tags, nil)
}

func (s *Service) untagLogGroup(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName string   `json:"logGroupName"`
		Tags         []string `json:"tags"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	return nil, s.updateTags(ctx, in.LogGroupName, nil, in.Tags)
}

func (s *Service) listTagsLogGroup(ctx context.Context, body []byte) (any, error) {
	var in struct {
		LogGroupName string `json:"logGroupName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	g, err := loadGroup(ctx, s.comp.Read(), in.LogGroupName)
	if err != nil {
		return nil, err
	}
	return tagsOut{Tags: g.tags}, nil
}
