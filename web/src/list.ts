// The notebook list page: the list is rendered by the server; this adds create, rename (in
// place: the name becomes an input, Enter saves, Escape cancels) and delete (after confirm()).

import { type ApiError, notebooksAPI, notebookPath } from './api';
import { h } from './dom';
import { toast } from './toast';

function message(err: unknown): string {
  const e = err as ApiError;
  return e && e.message ? (e.code ? `${e.message} (${e.code})` : e.message) : String(err);
}

export function initListPage(root: ParentNode = document): void {
  const form = root.querySelector<HTMLFormElement>('[data-testid="new-notebook-form"]');
  const input = root.querySelector<HTMLInputElement>('[data-testid="new-notebook-name"]');
  const button = root.querySelector<HTMLButtonElement>('[data-testid="new-notebook"]');
  const errEl = root.querySelector<HTMLElement>('[data-testid="list-error"]');
  const list = root.querySelector<HTMLElement>('[data-testid="notebook-list"]');
  const empty = root.querySelector<HTMLElement>('[data-testid="no-notebooks"]');

  const showError = (text: string) => {
    if (errEl) {
      errEl.textContent = text;
      errEl.hidden = !text;
    }
    if (text) toast(text);
  };

  // Import: a file picked with the button or dropped anywhere on the page.
  const importInput = root.querySelector<HTMLInputElement>('[data-testid="import-file"]');
  const importFile = async (file: File) => {
    showError('');
    try {
      const name = file.name.replace(/\.(ipynb|zpln|json|nb\.md|md)$/i, '');
      const res = await notebooksAPI.import(file, name);
      if (res.notes.length > 0) sessionStorage.setItem(`lakebook-import-notes:${res.id}`, JSON.stringify(res.notes));
      location.assign(notebookPath(res.id));
    } catch (err) {
      showError(`Could not import ${file.name}: ${message(err)}`);
    }
  };
  importInput?.addEventListener('change', () => {
    const f = importInput.files?.[0];
    if (f) void importFile(f);
    importInput.value = '';
  });
  document.addEventListener('dragover', (e) => {
    if (e.dataTransfer?.types.includes('Files')) {
      e.preventDefault();
      document.body.classList.add('dropping');
    }
  });
  document.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) document.body.classList.remove('dropping');
  });
  document.addEventListener('drop', (e) => {
    const f = e.dataTransfer?.files[0];
    document.body.classList.remove('dropping');
    if (!f) return;
    e.preventDefault();
    void importFile(f);
  });

  form?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = input?.value.trim() ?? '';
    if (!name) {
      showError('Give the notebook a name.');
      input?.focus();
      return;
    }
    if (button) button.disabled = true;
    showError('');
    try {
      const nb = await notebooksAPI.create(name);
      location.assign(notebookPath(nb.id));
    } catch (err) {
      showError(`Could not create the notebook: ${message(err)}`);
      if (button) button.disabled = false;
    }
  });

  list?.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    const btn = target.closest<HTMLButtonElement>('button[data-testid]');
    const item = target.closest<HTMLElement>('[data-testid="notebook-item"]');
    if (!btn || !item) return;
    const id = item.dataset['id'] ?? '';
    if (btn.dataset['testid'] === 'rename-notebook') startRename(item, id);
    else if (btn.dataset['testid'] === 'delete-notebook') void remove(item, id);
  });

  async function remove(item: HTMLElement, id: string): Promise<void> {
    const name = item.querySelector('.nb-name')?.textContent ?? id;
    if (!confirm(`Delete the notebook “${name}”? This cannot be undone.`)) return;
    try {
      await notebooksAPI.remove(id);
      item.remove();
      if (empty && list) empty.hidden = list.querySelector('[data-testid="notebook-item"]') !== null;
    } catch (err) {
      showError(`Could not delete “${name}”: ${message(err)}`);
    }
  }

  function startRename(item: HTMLElement, id: string): void {
    const link = item.querySelector<HTMLAnchorElement>('a.nb-name');
    if (!link || item.querySelector('input')) return;
    const old = item.dataset['name'] ?? link.textContent ?? '';
    const field = h('input', { type: 'text', class: 'rename-input', testid: 'rename-input', 'aria-label': 'New name', maxlength: 200 });
    field.value = old;
    link.hidden = true;
    link.after(field);
    field.focus();
    field.select();
    let done = false;
    const finish = async (commit: boolean) => {
      if (done) return;
      done = true;
      const name = field.value.trim();
      if (commit && name && name !== old) {
        try {
          const nb = await notebooksAPI.rename(id, name);
          const shown = nb?.name || name;
          link.textContent = shown;
          item.dataset['name'] = shown;
        } catch (err) {
          showError(`Could not rename “${old}”: ${message(err)}`);
        }
      }
      field.remove();
      link.hidden = false;
    };
    field.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        void finish(true);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        void finish(false);
      }
    });
    field.addEventListener('blur', () => void finish(true));
  }
}
