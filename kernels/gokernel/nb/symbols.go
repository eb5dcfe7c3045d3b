package nb

import "reflect"

// Symbols is the package as the interpreter exports it (yaegi's Exports format: the key is the
// import path and the package name). Only what paragraphs may call is in it: SetHost and Host
// are the kernel's.
var Symbols = map[string]map[string]reflect.Value{
	Path + "/nb": {
		"Query":     reflect.ValueOf(Query),
		"Register":  reflect.ValueOf(Register),
		"Show":      reflect.ValueOf(Show),
		"IsTabular": reflect.ValueOf(IsTabular),
		"Put":       reflect.ValueOf(Put),
		"Get":       reflect.ValueOf(Get),
		"Lookup":    reflect.ValueOf(Lookup),
		"Text":      reflect.ValueOf(Text),
		"Select":    reflect.ValueOf(Select),

		"Table":    reflect.ValueOf((*Table)(nil)),
		"Column":   reflect.ValueOf((*Column)(nil)),
		"HTML":     reflect.ValueOf((*HTML)(nil)),
		"Markdown": reflect.ValueOf((*Markdown)(nil)),
		"Chart":    reflect.ValueOf((*Chart)(nil)),
	},
}
