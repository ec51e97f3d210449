package attr

import (
	"encoding/binary"
	"errors"
)

// The storage form: a compact binary encoding of items, faster to read
// back than JSON. A value is its type byte followed by
//
//	S, N, B:     uvarint length, bytes
//	BOOL:        one byte, 0 or 1
//	NULL:        nothing
//	L:           uvarint count, values
//	M:           uvarint count, (uvarint name length, name, value)...
//	SS, NS, BS:  uvarint count, (uvarint length, bytes)...
//
// and an item is a uvarint count followed by (name, value) pairs.

var errCorrupt = errors.New("corrupt stored item")

// AppendBinary appends the storage form of v.
func AppendBinary(dst []byte, v Value) []byte {
	dst = append(dst, byte(v.T))
	switch v.T {
	case S, N, B:
		dst = appendBytes(dst, v.Str)
	case BOOL:
		if v.Bool {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
	case L:
		dst = binary.AppendUvarint(dst, uint64(len(v.List)))
		for _, e := range v.List {
			dst = AppendBinary(dst, e)
		}
	case M:
		dst = binary.AppendUvarint(dst, uint64(len(v.Map)))
		for k, e := range v.Map {
			dst = appendBytes(dst, k)
			dst = AppendBinary(dst, e)
		}
	case SS, NS, BS:
		dst = binary.AppendUvarint(dst, uint64(len(v.Set)))
		for _, e := range v.Set {
			dst = appendBytes(dst, e)
		}
	}
	return dst
}

// AppendItemBinary appends the storage form of an item.
func AppendItemBinary(dst []byte, it Item) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(it)))
	for k, v := range it {
		dst = appendBytes(dst, k)
		dst = AppendBinary(dst, v)
	}
	return dst
}

func appendBytes(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// DecodeItemBinary decodes AppendItemBinary's output.
func DecodeItemBinary(b []byte) (Item, error) {
	d := binDecoder{b: b}
	n := d.count()
	it := make(Item, n+2)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.bytes()
		it[k] = d.value(0)
	}
	if d.err != nil || d.pos != len(d.b) {
		return nil, errCorrupt
	}
	return it, nil
}

type binDecoder struct {
	b   []byte
	pos int
	err error
}

func (d *binDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b[d.pos:])
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.pos += n
	return x
}

// count reads an element count, bounded by the bytes left (every element
// takes at least one byte).
func (d *binDecoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)-d.pos) {
		d.err = errCorrupt
		return 0
	}
	return int(n)
}

func (d *binDecoder) bytes() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)-d.pos) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[d.pos : d.pos+int(n)])
	d.pos += int(n)
	return s
}

func (d *binDecoder) value(depth int) Value {
	if d.err != nil {
		return Value{}
	}
	if d.pos >= len(d.b) || depth > MaxDepth+1 {
		d.err = errCorrupt
		return Value{}
	}
	v := Value{T: Type(d.b[d.pos])}
	d.pos++
	switch v.T {
	case S, N, B:
		v.Str = d.bytes()
	case BOOL:
		if d.pos >= len(d.b) {
			d.err = errCorrupt
			return Value{}
		}
		v.Bool = d.b[d.pos] == 1
		d.pos++
	case NULL:
	case L:
		n := d.count()
		v.List = make([]Value, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			v.List = append(v.List, d.value(depth+1))
		}
	case M:
		n := d.count()
		v.Map = make(map[string]Value, n)
		for i := 0; i < n && d.err == nil; i++ {
			k := d.bytes()
			v.Map[k] = d.value(depth + 1)
		}
	case SS, NS, BS:
		n := d.count()
		v.Set = make([]string, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			v.Set = append(v.Set, d.bytes())
		}
	default:
		d.err = errCorrupt
	}
	return v
}

// AppendKey appends the order-preserving encoding of a key value (S, N or
// B): bytewise order of encodings is DynamoDB's order of values. Strings
// and binaries are their bytes; numbers use AppendNumberKey.
func AppendKey(dst []byte, v Value) []byte {
	if v.T == N {
		return AppendNumberKey(dst, v.Str)
	}
	return append(dst, v.Str...)
}

// DecodeKey is the inverse of AppendKey for a value of type t.
func DecodeKey(t Type, b []byte) (Value, bool) {
	switch t {
	case S, B:
		return Value{T: t, Str: string(b)}, true
	case N:
		n, ok := DecodeNumberKey(b)
		return Value{T: N, Str: n}, ok
	}
	return Value{}, false
}
