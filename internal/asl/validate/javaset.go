package validate

import "sort"

// javaSetOrder returns names in the order a java.util.HashSet<String> built
// by adding them one by one iterates them. AWS lists field names in that
// order in several messages ("These fields are required: [States, StartAt]",
// "There should only be one of the following fields: [SecondsPath, Seconds,
// TimestampPath, Timestamp]"), so reproducing it keeps the wording exact.
func javaSetOrder(names ...string) []string {
	capacity := 16
	for len(names)*4 > capacity*3 {
		capacity *= 2
	}
	out := append([]string(nil), names...)
	sort.SliceStable(out, func(i, j int) bool {
		return javaBucket(out[i], capacity) < javaBucket(out[j], capacity)
	})
	return out
}

// javaBucket is the bucket a java.util.HashMap of the given capacity puts s
// in: String.hashCode spread by (h ^ h>>>16).
func javaBucket(s string, capacity int) int {
	var h int32
	for _, u := range utf16Units(s) {
		h = 31*h + int32(u)
	}
	x := uint32(h)
	x ^= x >> 16
	return int(x & uint32(capacity-1))
}

// utf16Units returns s as Java chars.
func utf16Units(s string) []uint16 {
	units := make([]uint16, 0, len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			units = append(units, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		units = append(units, uint16(r))
	}
	return units
}

// fieldList renders names as AWS does: "[A, B]".
func fieldList(names []string) string {
	s := "["
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s + "]"
}
