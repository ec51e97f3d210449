package schedexpr

import "time"

// Clock is the schedule clock of a service under --time-scale: Now, sped up
// by Scale from an anchor. Schedule time = SchedBase + (Now() − RealBase) ×
// Scale; with Scale 1 it is simply Now.
type Clock struct {
	Now                 func() time.Time
	Scale               float64
	RealBase, SchedBase time.Time
}

// Sched returns the schedule clock's time.
func (c *Clock) Sched() time.Time {
	r := c.Now()
	if c.Scale == 1 {
		return r
	}
	return c.SchedBase.Add(time.Duration(float64(r.Sub(c.RealBase)) * c.Scale))
}

// Real converts a schedule-clock duration into real time.
func (c *Clock) Real(d time.Duration) time.Duration {
	if c.Scale == 1 {
		return d
	}
	return time.Duration(float64(d) / c.Scale)
}
