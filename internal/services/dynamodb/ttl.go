package dynamodb

import (
	"context"
	"time"
)

// ttlHorizon: AWS ignores TTL values more than five years in the past.
const ttlHorizon = 5 * 365 * 24 * time.Hour

// sweepLoop deletes expired items every TTLInterval until Close.
func (s *Service) sweepLoop() {
	defer close(s.done)
	tick := time.NewTicker(s.cfg.TTLInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			if _, err := s.Sweep(context.Background()); err != nil {
				s.log.Warn("dynamodb_ttl_sweep_failed", "error", err)
			}
		}
	}
}

// Sweep deletes the items whose TTL attribute (epoch seconds) is at or
// before the clock's now, in every table with TTL enabled, with their
// secondary index entries, and returns how many it deleted. It also forgets
// TransactWriteItems client request tokens older than ten minutes. The background
// sweeper calls it every TTLInterval; tests call it directly.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	s.schemaMu.RLock()
	var tables []*table
	for _, t := range s.tables {
		if t.meta.TTLEnabled {
			tables = append(tables, t)
		}
	}
	s.schemaMu.RUnlock()
	now := s.cfg.Now()
	if err := s.writeTx(ctx, func(tx txn) error {
		return tx.exec(sqlExpireTokens, now.Add(-tokenTTL).UnixNano())
	}); err != nil {
		return 0, err
	}
	hi, lo := now.Unix(), now.Add(-ttlHorizon).Unix()
	total := 0
	for _, t := range tables {
		for {
			n, err := s.sweepBatch(ctx, t, lo, hi)
			total += n
			if err != nil {
				return total, err
			}
			if n < 100 {
				break
			}
		}
	}
	return total, nil
}

// sweepBatch deletes up to 100 expired items of t in one transaction.
func (s *Service) sweepBatch(ctx context.Context, t *table, lo, hi int64) (int, error) {
	n := 0
	err := s.write(ctx, t, func(tx txn) error {
		n = 0
		rows, err := tx.query(sqlExpiredItems, t.meta.Num, hi, lo)
		if err != nil {
			return err
		}
		var keys []itemKey
		for rows.Next() {
			var k itemKey
			if err := rows.Scan(&k.h, &k.pk, &k.sk); err != nil {
				rows.Close()
				return err
			}
			k.pk, k.sk = nonNil(k.pk), nonNil(k.sk)
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, k := range keys {
			old, err := readItemTx(tx, t, k)
			if err != nil {
				return err
			}
			if old == nil {
				continue
			}
			if err := deleteItemTx(tx, t, k, old); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil && t.deleted.Load() {
		return 0, nil
	}
	return n, err
}
