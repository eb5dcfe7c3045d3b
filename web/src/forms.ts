// Dynamic forms: the inputs above a SQL paragraph for its ${name=default}, ${name=default,a|b}
// and ${checkbox:name=a|b,a|b|c} forms (the server parses them from the text). Their values
// are kept in settings.forms, a JSON object of name → string or list of strings; changing one
// saves it and runs the paragraph, where the server puts the values in as SQL strings.

import { h } from './dom';
import type { FormDef } from './types';

export type FormValue = string | string[];
export type FormValues = Record<string, FormValue>;

/** formDefault is a form's default: a string, or a list for checkboxes. */
export function formDefault(f: FormDef): FormValue {
  const d = f.default;
  const list = Array.isArray(d) ? d.map(String) : d === undefined || d === null ? [] : [String(d)];
  return f.kind === 'checkbox' ? list : (list[0] ?? '');
}

/** parseFormValues reads settings.forms (unreadable is none). */
export function parseFormValues(raw: string | undefined): FormValues {
  if (!raw) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return {};
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: FormValues = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'string') out[k] = x;
    else if (Array.isArray(x)) out[k] = x.filter((e): e is string => typeof e === 'string');
  }
  return out;
}

/** formValue is the value a form shows: the saved one (fitted to the form's kind), else its
 * default. */
export function formValue(f: FormDef, values: FormValues): FormValue {
  const v = values[f.name];
  if (v === undefined) return formDefault(f);
  if (f.kind === 'checkbox') return Array.isArray(v) ? v : [v];
  return Array.isArray(v) ? (v[0] ?? '') : v;
}

/** withFormValue is settings with the form's value set in settings.forms. */
export function withFormValue(settings: Record<string, string>, name: string, value: FormValue): Record<string, string> {
  const values = parseFormValues(settings['forms']);
  values[name] = value;
  return { ...settings, forms: JSON.stringify(values) };
}

/** FormsView is the row of form inputs above a paragraph's editor. */
export class FormsView {
  readonly el = h('div', { class: 'para-forms', testid: 'forms', hidden: true });
  private shown = '';

  constructor(private onChange: (name: string, value: FormValue) => void) {}

  /** update shows forms with their values; inputs are rebuilt only when something changed, so
   * a value being typed is not lost. */
  update(forms: FormDef[], settings: Record<string, string>): void {
    const values = parseFormValues(settings['forms']);
    const key = JSON.stringify([forms, forms.map((f) => formValue(f, values))]);
    if (key === this.shown) return;
    this.shown = key;
    this.el.hidden = forms.length === 0;
    const focused = document.activeElement instanceof HTMLElement && this.el.contains(document.activeElement) ? document.activeElement.dataset['form'] : undefined;
    this.el.replaceChildren(...forms.map((f) => this.field(f, formValue(f, values))));
    if (focused) this.el.querySelector<HTMLElement>(`[data-form="${CSS.escape(focused)}"]`)?.focus();
  }

  private field(f: FormDef, value: FormValue): HTMLElement {
    const label = h('span', { class: 'form-label' }, f.name);
    if (f.kind === 'checkbox') {
      const chosen = new Set(Array.isArray(value) ? value : [value]);
      const boxes = (f.options ?? []).map((opt) => {
        const box = h('input', { type: 'checkbox', value: opt, 'data-form': f.name, testid: 'form-checkbox' });
        box.checked = chosen.has(opt);
        box.addEventListener('change', () => {
          const vals = [...this.el.querySelectorAll<HTMLInputElement>(`input[type=checkbox][data-form="${CSS.escape(f.name)}"]`)].filter((b) => b.checked).map((b) => b.value);
          this.onChange(f.name, vals);
        });
        return h('label', { class: 'form-check' }, box, opt);
      });
      return h('div', { class: 'form-field', testid: 'form', 'data-name': f.name, 'data-kind': f.kind }, label, ...boxes);
    }
    if (f.kind === 'select') {
      const opts = [...(f.options ?? [])];
      const cur = Array.isArray(value) ? (value[0] ?? '') : value;
      if (!opts.includes(cur)) opts.unshift(cur);
      const sel = h('select', { class: 'form-input', 'data-form': f.name, testid: 'form-input', 'aria-label': f.name }, ...opts.map((o) => h('option', { value: o }, o)));
      sel.value = cur;
      sel.addEventListener('change', () => this.onChange(f.name, sel.value));
      return h('label', { class: 'form-field', testid: 'form', 'data-name': f.name, 'data-kind': f.kind }, label, sel);
    }
    const input = h('input', { type: 'text', class: 'form-input', 'data-form': f.name, testid: 'form-input', 'aria-label': f.name, spellcheck: 'false' });
    input.value = Array.isArray(value) ? value.join(',') : value;
    input.title = 'Enter runs the paragraph with this value';
    const commit = () => {
      const cur = this.committed(f.name);
      if (input.value !== cur) this.onChange(f.name, input.value);
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        commit();
      } else if (e.key === 'Escape') {
        input.value = this.committed(f.name);
      }
    });
    input.addEventListener('change', commit);
    input.dataset['committed'] = input.value;
    return h('label', { class: 'form-field', testid: 'form', 'data-name': f.name, 'data-kind': f.kind }, label, input);
  }

  /** committed is the value a text form held when it was last built. */
  private committed(name: string): string {
    return this.el.querySelector<HTMLInputElement>(`input[type=text][data-form="${CSS.escape(name)}"]`)?.dataset['committed'] ?? '';
  }
}
