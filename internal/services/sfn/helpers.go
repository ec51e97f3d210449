package sfn

import (
	"strconv"
	"time"
)

// now is the service clock at AWS's millisecond precision.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

func itoa(i int) string { return strconv.Itoa(i) }
