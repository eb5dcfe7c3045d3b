package notebooks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Form kinds.
const (
	FormText     = "text"
	FormSelect   = "select"
	FormCheckbox = "checkbox"
)

// Form is a dynamic form in a paragraph's text, in Zeppelin's syntax:
//
//	${name=default}                   a text box
//	${name=default,a|b|c}             a select
//	${checkbox:name=a|b,a|b|c}        checkboxes, with their default selection
//
// The page renders forms as inputs above the paragraph; their values are kept in the
// paragraph's settings and replace the forms when the paragraph runs.
type Form struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Default []string `json:"default"`
	Options []string `json:"options,omitempty"`
	// start and end locate the form's text, ${…} included.
	start, end int
}

// SettingForms is the paragraph setting holding form values: a JSON object of name → string
// (text, select) or name → array of strings (checkbox).
const SettingForms = "forms"

var formRE = regexp.MustCompile(`\$\{(checkbox:)?([A-Za-z_][A-Za-z0-9_]*)(?:=([^,}]*)(?:,([^}]*))?)?\}`)

// ParseForms finds the forms of a paragraph's text, in order; a name given twice is one form
// (the first one's default and options).
func ParseForms(text string) []Form {
	var out []Form
	for _, m := range formRE.FindAllStringSubmatchIndex(text, -1) {
		get := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return text[m[2*i]:m[2*i+1]]
		}
		f := Form{Name: get(2), Kind: FormText, start: m[0], end: m[1]}
		def, opts := get(3), get(4)
		switch {
		case get(1) != "":
			f.Kind = FormCheckbox
			f.Default = splitBar(def)
			f.Options = splitBar(opts)
		case m[8] >= 0:
			f.Kind = FormSelect
			f.Default = []string{def}
			f.Options = splitBar(opts)
		default:
			f.Default = []string{def}
		}
		out = append(out, f)
	}
	return out
}

// UniqueForms is ParseForms with each name once, for the page to render.
func UniqueForms(text string) []Form {
	var out []Form
	for _, f := range ParseForms(text) {
		if !slices.ContainsFunc(out, func(g Form) bool { return g.Name == f.Name }) {
			out = append(out, f)
		}
	}
	return out
}

func splitBar(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// FormValues reads the forms setting; a missing or unreadable setting is no values.
func FormValues(settings map[string]string) (map[string][]string, error) {
	raw := settings[SettingForms]
	if raw == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, Errorf(EInvalid, "settings.forms is not a JSON object: %v", err)
	}
	out := map[string][]string{}
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = []string{v}
		case []any:
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return nil, Errorf(EInvalid, "settings.forms.%s: want strings", k)
				}
				out[k] = append(out[k], s)
			}
		case nil:
		default:
			return nil, Errorf(EInvalid, "settings.forms.%s: want a string or a list of strings", k)
		}
	}
	return out, nil
}

// SubstituteSQL replaces the forms of a SQL paragraph with their values (or defaults) as SQL
// values, so nothing a user types can change the statement: outside quotes a value becomes a
// string literal with its single quotes doubled, checkboxes a list of them ('a', 'b'); inside
// a string literal ('${x}') or a quoted identifier the value's quotes (and, in E-strings,
// backslashes) are escaped. A select's value must be one of its options.
func SubstituteSQL(text string, values map[string][]string) (string, error) {
	forms := ParseForms(text)
	if len(forms) == 0 {
		return text, nil
	}
	ctx := quoteContexts(text)
	var b strings.Builder
	last := 0
	for _, f := range forms {
		vals, ok := values[f.Name]
		if !ok {
			vals = f.Default
		}
		if f.Kind == FormSelect && len(f.Options) > 0 && len(vals) > 0 && !slices.Contains(f.Options, vals[0]) {
			return "", Errorf(EInvalid, "form %s: %q is not one of its options", f.Name, vals[0])
		}
		if f.Kind != FormCheckbox && len(vals) > 1 {
			vals = vals[:1]
		}
		b.WriteString(text[last:f.start])
		switch q := ctx[f.start]; q {
		case '-':
			// Commented out: a value there can only do harm (a newline or */ would end the
			// comment), so the form stays as written.
			b.WriteString(text[f.start:f.end])
		case '$':
			// Inside $tag$…$tag$ nothing escapes; a value without $ cannot end the string.
			for _, v := range vals {
				if strings.Contains(v, "$") {
					return "", Errorf(EInvalid, "form %s: a value inside a $-quoted string cannot contain $", f.Name)
				}
			}
			b.WriteString(strings.Join(vals, ","))
		case '\'', 'E', '"':
			esc := string(rune(q))
			if q == 'E' {
				esc = "'"
			}
			joined := strings.Join(vals, ",")
			if q == 'E' {
				joined = strings.ReplaceAll(joined, `\`, `\\`)
			}
			b.WriteString(strings.ReplaceAll(joined, esc, esc+esc))
		default:
			if len(vals) == 0 {
				b.WriteString("NULL")
			}
			for i, v := range vals {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("'" + strings.ReplaceAll(v, "'", "''") + "'")
			}
		}
		last = f.end
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

// quoteContexts maps each byte offset of text to the quoting it is in: a single quote (a
// string), 'E' (an E-string, where backslashes escape), '"' (a quoted identifier), '$' (a
// dollar-quoted string), '-' (a line or block comment) or 0.
func quoteContexts(text string) []byte {
	ctx := make([]byte, len(text)+1)
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			j := strings.IndexByte(text[i:], '\n')
			if j < 0 {
				j = len(text) - i
			}
			fill(ctx, i, i+j, '-')
			i += j
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			// Block comments nest in DuckDB, as in PostgreSQL.
			j, depth := i+2, 1
			for j < len(text) && depth > 0 {
				switch {
				case strings.HasPrefix(text[j:], "/*"):
					depth, j = depth+1, j+2
				case strings.HasPrefix(text[j:], "*/"):
					depth, j = depth-1, j+2
				default:
					j++
				}
			}
			fill(ctx, i, j, '-')
			i = j
		case c == '$' && (i == 0 || !isWordByte(text[i-1])) && dollarTag.MatchString(text[i:]):
			tag := dollarTag.FindString(text[i:])
			j := strings.Index(text[i+len(tag):], tag)
			end := len(text)
			if j >= 0 {
				end = i + len(tag) + j
			}
			fill(ctx, i+len(tag), end, '$')
			i = min(end+len(tag), len(text))
		case c == '\'' || c == '"':
			kind := c
			backslash := false
			if c == '\'' && i > 0 && (text[i-1] == 'E' || text[i-1] == 'e') && (i == 1 || !isWordByte(text[i-2])) {
				kind, backslash = 'E', true
			}
			j := i + 1
			for j < len(text) {
				if backslash && text[j] == '\\' {
					j += 2
					continue
				}
				if text[j] == c {
					if j+1 < len(text) && text[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(text))
			fill(ctx, i+1, end-1, kind)
			i = end
		default:
			i++
		}
	}
	return ctx
}

// dollarTag is the opening of a dollar-quoted string: $$ or $tag$.
var dollarTag = regexp.MustCompile(`^\$([A-Za-z_][A-Za-z0-9_]*)?\$`)

func fill(b []byte, from, to int, v byte) {
	for k := from; k < to && k < len(b); k++ {
		b[k] = v
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// String is the form as written, for messages.
func (f Form) String() string { return fmt.Sprintf("${%s}", f.Name) }
