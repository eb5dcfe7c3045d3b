// Revision history (local workspaces keep notebooks in git): a side panel to checkpoint the
// notebook with a message, list its revisions, see what changed, and restore one.

import { api, ApiError } from './api';
import { h } from './dom';
import { SidePanel } from './panel';
import { toast } from './toast';

export interface Revision {
  revision: string;
  message: string;
  time: string;
}

const base = (id: string) => `/api/notebooks/${encodeURIComponent(id)}`;

export const historyAPI = {
  checkpoint: (id: string, message: string) => api<Revision>('POST', `${base(id)}/checkpoints`, { message }),
  list: (id: string) => api<{ revisions: Revision[] }>('GET', `${base(id)}/revisions`),
  diff: (id: string, rev: string) => api<{ diff: string }>('GET', `${base(id)}/revisions/${encodeURIComponent(rev)}/diff`),
  restore: (id: string, rev: string) => api<unknown>('POST', `${base(id)}/revisions/${encodeURIComponent(rev)}/restore`),
};

/** diffLines classifies unified diff lines for display. */
export function diffLines(diff: string): { text: string; kind: 'add' | 'del' | 'hunk' | 'ctx' }[] {
  return diff
    .split('\n')
    .filter((l) => !l.startsWith('diff --git') && !l.startsWith('index ') && !l.startsWith('--- ') && !l.startsWith('+++ '))
    .map((text) => ({
      text,
      kind: text.startsWith('@@') ? 'hunk' : text.startsWith('+') ? 'add' : text.startsWith('-') ? 'del' : 'ctx',
    }));
}

/** HistoryPanel is the panel the header's History button opens. */
export class HistoryPanel extends SidePanel {
  private list: HTMLElement;
  private diffEl: HTMLElement;

  constructor(private id: string) {
    super();
    const message = h('input', { type: 'text', placeholder: 'What changed?', testid: 'checkpoint-message', maxlength: 500 });
    const save = h('button', { type: 'button', class: 'btn primary', testid: 'checkpoint' }, 'Checkpoint');
    const form = h('form', { class: 'checkpoint-form' }, message, save);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.checkpoint(message);
    });
    save.addEventListener('click', () => void this.checkpoint(message));
    this.list = h('ol', { class: 'revisions', testid: 'revisions' });
    this.diffEl = h('div', { class: 'diff', testid: 'diff' });
    const close = h('button', { type: 'button', class: 'btn icon', title: 'Close', 'aria-label': 'Close', onclick: () => this.hide() }, '✕');
    this.el = h('aside', { class: 'history-panel', testid: 'history-panel', hidden: true },
      h('div', { class: 'panel-head' }, h('h2', {}, 'History'), close), form, this.list, this.diffEl);
    document.body.appendChild(this.el);
  }

  private async checkpoint(input: HTMLInputElement): Promise<void> {
    const msg = input.value.trim() || 'Checkpoint';
    try {
      await historyAPI.checkpoint(this.id, msg);
      input.value = '';
      toast('Checkpoint saved', 'info');
      await this.refresh();
    } catch (err) {
      toast(`Checkpoint failed: ${message(err)}`);
    }
  }

  async refresh(): Promise<void> {
    try {
      const { revisions } = await historyAPI.list(this.id);
      this.list.replaceChildren(
        ...(revisions.length === 0
          ? [h('li', { class: 'empty' }, 'No checkpoints yet.')]
          : revisions.map((r) => this.item(r))),
      );
    } catch (err) {
      this.list.replaceChildren(h('li', { class: 'empty' }, `History is not available: ${message(err)}`));
    }
  }

  private item(r: Revision): HTMLElement {
    const when = new Date(r.time);
    return h('li', { class: 'revision', testid: 'revision', 'data-rev': r.revision },
      h('div', { class: 'rev-msg' }, r.message),
      h('div', { class: 'rev-meta' }, `${r.revision.slice(0, 8)} · ${isNaN(when.getTime()) ? r.time : when.toLocaleString()}`),
      h('div', { class: 'rev-actions' },
        h('button', { type: 'button', class: 'btn', testid: 'show-diff', onclick: () => void this.showDiff(r) }, 'Changes since'),
        h('button', { type: 'button', class: 'btn', testid: 'restore', onclick: () => void this.restore(r) }, 'Restore')));
  }

  private async showDiff(r: Revision): Promise<void> {
    try {
      const { diff } = await historyAPI.diff(this.id, r.revision);
      const lines = diffLines(diff);
      this.diffEl.replaceChildren(
        h('h3', {}, `Changes since “${r.message}”`),
        lines.length === 0 || diff.trim() === ''
          ? h('p', { class: 'empty' }, 'No changes.')
          : h('pre', {}, ...lines.map((l) => h('span', { class: `d-${l.kind}` }, l.text + '\n'))),
      );
    } catch (err) {
      toast(`Could not show the changes: ${message(err)}`);
    }
  }

  private async restore(r: Revision): Promise<void> {
    if (!confirm(`Restore the notebook as it was at “${r.message}”? Unsaved changes since then are replaced (the current version stays in the history only if you checkpoint it first).`)) return;
    try {
      await historyAPI.restore(this.id, r.revision);
      toast('Restored', 'info');
    } catch (err) {
      toast(`Restore failed: ${message(err)}`);
    }
  }
}

function message(err: unknown): string {
  return err instanceof ApiError ? err.message : String(err);
}
