package config

import "reflect"

// fieldOf returns an addressable reflect.Value for *p (used by custom
// decoders that fall back to the generic struct or slice decoding).
func fieldOf[S, T any](_ *S, p *T) reflect.Value {
	return reflect.ValueOf(p).Elem()
}

func reflectValue[T any](p *T) reflect.Value { return reflect.ValueOf(p).Elem() }
