// Search on the list page: what the server found for a query, shown as results with the
// matching part of each name and snippet marked. The pure parts (splitting text around the
// matches, debouncing) are tested in search.test.ts.

import { h } from './dom';
import { notebookPath } from './api';
import { plural } from './stats';

/** SearchMatch is one paragraph a search found (GET /api/notebooks?q=). */
export interface SearchMatch {
  paragraph: string;
  lang: string;
  title?: string;
  snippet: string;
}

/** SearchHit is one notebook a search found: by its name, its paragraphs, or both. */
export interface SearchHit {
  id: string;
  name: string;
  error?: string;
  nameMatch: boolean;
  matchCount: number;
  matches: SearchMatch[];
}

/** Piece is a run of text, marked when it matches the query. */
export interface Piece {
  text: string;
  mark: boolean;
}

/** pieces splits text around every case-insensitive occurrence of query. */
export function pieces(text: string, query: string): Piece[] {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return [{ text, mark: false }];
  const lower = text.toLocaleLowerCase();
  // Lower-casing can change lengths (İ); then marking by offsets would be wrong: mark nothing.
  if (lower.length !== text.length) return [{ text, mark: false }];
  const out: Piece[] = [];
  let at = 0;
  for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) {
    if (i > at) out.push({ text: text.slice(at, i), mark: false });
    out.push({ text: text.slice(i, i + q.length), mark: true });
    at = i + q.length;
  }
  if (at < text.length) out.push({ text: text.slice(at), mark: false });
  return out;
}

/** debounce calls fn once calls have stopped for ms milliseconds, with the last arguments. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, ms);
  };
}

function marked(text: string, query: string): Node[] {
  return pieces(text, query).map((p) => (p.mark ? h('mark', {}, p.text) : document.createTextNode(p.text)));
}

/** renderResults fills el with the hits of query, or says that nothing matched. */
export function renderResults(el: HTMLElement, hits: SearchHit[], query: string): void {
  el.replaceChildren();
  if (hits.length === 0) {
    el.append(h('p', { class: 'empty', testid: 'no-results' }, `No notebook name or paragraph holds “${query}”.`));
    return;
  }
  const list = h('ul', { class: 'nb-list search-list' });
  for (const hit of hits) {
    const name = hit.error
      ? h('span', { class: 'hit-name' }, ...marked(hit.name, query))
      : h('a', { class: 'hit-name', href: notebookPath(hit.id) }, ...marked(hit.name, query));
    const li = h('li', { class: 'search-hit', testid: 'search-hit', 'data-id': hit.id, 'data-name': hit.name }, name);
    for (const m of hit.matches) {
      const snippet = h('div', { class: 'hit-snippet', testid: 'search-snippet', 'data-paragraph': m.paragraph },
        h('span', { class: 'hit-lang' }, m.lang), ...marked(m.snippet, query));
      li.append(snippet);
    }
    if (hit.matchCount > hit.matches.length) {
      li.append(h('div', { class: 'hit-more' }, `and ${plural(hit.matchCount - hit.matches.length, 'more paragraph', 'more paragraphs')}`));
    }
    if (hit.error) li.append(h('div', { class: 'nb-error' }, hit.error));
    list.append(li);
  }
  el.append(h('p', { class: 'muted', testid: 'result-count' }, plural(hits.length, 'notebook')), list);
}
