// The notebook list page. The server renders the tree of folders and notebooks and the trash;
// this adds create (in a folder too), rename and move (in place: the name becomes an input
// holding the whole folder/name, Enter saves, Escape cancels; or Move asks for a folder), clone,
// delete (to the trash), the trash's restore, delete forever and empty (after confirm()), and
// search as you type. After a change it re-renders the sections from the server's page, so the
// tree has one renderer. Collapsed folders are remembered in localStorage.

import { type ApiError, foldersAPI, notebooksAPI, notebookPath, trashAPI } from './api';
import { byTestId, h } from './dom';
import { debounce, renderResults } from './search';
import { plural } from './stats';
import { toast } from './toast';

function message(err: unknown): string {
  const e = err as ApiError;
  return e && e.message ? (e.code ? `${e.message} (${e.code})` : e.message) : String(err);
}

const collapsedKey = 'lakebook-collapsed-folders';

function loadCollapsed(): Set<string> {
  try {
    const v = JSON.parse(localStorage.getItem(collapsedKey) ?? '[]') as unknown;
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

/** folderOf and baseOf split a notebook name "team/sales/q3" into "team/sales" and "q3". */
export function folderOf(name: string): string {
  const i = name.lastIndexOf('/');
  return i < 0 ? '' : name.slice(0, i);
}

export function baseOf(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** trimFolder cleans a folder typed by a person: no surrounding spaces or slashes. */
export function trimFolder(folder: string): string {
  return folder.trim().replace(/^\/+|\/+$/g, '');
}

/** joinName puts a notebook's own name into a folder typed by a person. */
export function joinName(folder: string, base: string): string {
  const f = trimFolder(folder);
  return f ? `${f}/${base}` : base;
}

type View = 'notebooks' | 'trash';

export function initListPage(root: ParentNode = document): void {
  const main = byTestId(root, 'list-page') ?? (root as HTMLElement);
  const form = byTestId<HTMLFormElement>(root, 'new-notebook-form');
  const input = byTestId<HTMLInputElement>(root, 'new-notebook-name');
  const button = byTestId<HTMLButtonElement>(root, 'new-notebook');
  const errEl = byTestId(root, 'list-error');
  const search = byTestId<HTMLInputElement>(root, 'search');
  const results = byTestId(root, 'search-results');
  const collapsed = loadCollapsed();
  let view: View = 'notebooks';

  const showError = (text: string) => {
    if (errEl) {
      errEl.textContent = text;
      errEl.hidden = !text;
    }
    if (text) toast(text);
  };

  // Folders: open unless the person closed them; remember each toggle ('toggle' does not bubble).
  const applyCollapsed = () => {
    for (const f of root.querySelectorAll<HTMLElement>('[data-testid="folder"]')) {
      const d = f.querySelector('details');
      if (d) d.open = !collapsed.has(f.dataset['path'] ?? '');
    }
  };
  applyCollapsed();
  main.addEventListener(
    'toggle',
    (e) => {
      const d = e.target as HTMLDetailsElement;
      const path = d.closest<HTMLElement>('[data-testid="folder"]')?.dataset['path'];
      if (path === undefined) return;
      if (d.open) collapsed.delete(path);
      else collapsed.add(path);
      localStorage.setItem(collapsedKey, JSON.stringify([...collapsed]));
    },
    true,
  );

  /** show picks what the page shows: the tree, the search results (a query on the notebooks
   * tab), or the trash. */
  const show = () => {
    const q = search?.value.trim() ?? '';
    for (const s of root.querySelectorAll<HTMLElement>('section.view')) {
      const v = s.dataset['view'];
      s.hidden = view === 'trash' ? v !== 'trash' : v !== (q ? 'search' : 'notebooks');
    }
    for (const t of root.querySelectorAll<HTMLElement>('.tab')) {
      const on = t.dataset['view'] === view;
      t.classList.toggle('on', on);
      t.setAttribute('aria-selected', String(on));
    }
    if (search) search.disabled = view === 'trash';
  };

  // Re-render the tree and the trash from the server's page.
  let searchSeq = 0;
  const refresh = async () => {
    try {
      const res = await fetch(location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      for (const id of ['notebook-list', 'trash-list', 'trash-count']) {
        const fresh = byTestId(doc, id);
        const here = byTestId(root, id);
        if (fresh && here) here.replaceChildren(...Array.from(fresh.childNodes).map((n) => document.importNode(n, true)));
      }
      for (const id of ['no-notebooks', 'trash-empty']) {
        const fresh = byTestId(doc, id);
        const here = byTestId(root, id);
        if (fresh && here) here.hidden = fresh.hidden;
      }
      const emptyBtn = byTestId<HTMLButtonElement>(root, 'empty-trash');
      if (emptyBtn) emptyBtn.disabled = byTestId<HTMLButtonElement>(doc, 'empty-trash')?.disabled ?? true;
      applyCollapsed();
    } catch (err) {
      showError(`Could not reload the list: ${message(err)}`);
    }
    if (search?.value.trim()) await runSearch();
  };

  // Search as you type: one request once typing pauses; an answer to an older query is dropped.
  const runSearch = async () => {
    const q = search?.value.trim() ?? '';
    const seq = ++searchSeq;
    show();
    if (!q || !results) return;
    try {
      const res = await notebooksAPI.search(q);
      if (seq === searchSeq) renderResults(results, res.notebooks, q);
    } catch (err) {
      if (seq === searchSeq) showError(`Search failed: ${message(err)}`);
    }
  };
  const searchSoon = debounce(() => void runSearch(), 200);
  search?.addEventListener('input', () => {
    if (!search.value.trim()) void runSearch(); // back to the tree at once
    else searchSoon();
  });
  search?.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      search.value = '';
      void runSearch();
    }
  });

  // Import: a file picked with the button or dropped anywhere on the page.
  const importInput = byTestId<HTMLInputElement>(root, 'import-file');
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
    if (!name || name.endsWith('/')) {
      showError(name ? 'Give the notebook a name after the folder.' : 'Give the notebook a name.');
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

  main.addEventListener('click', (e) => {
    const target = e.target as HTMLElement;
    const btn = target.closest<HTMLButtonElement>('button[data-testid]');
    if (!btn) return;
    const action = btn.dataset['testid'] ?? '';
    if (action === 'tab-notebooks' || action === 'tab-trash') {
      view = action === 'tab-trash' ? 'trash' : 'notebooks';
      show();
      return;
    }
    if (action === 'empty-trash') {
      void emptyTrash();
      return;
    }
    if (action === 'new-in-folder') {
      e.preventDefault(); // a button in <summary> would also toggle the folder
      const path = btn.closest<HTMLElement>('[data-testid="folder"]')?.dataset['path'] ?? '';
      if (input) {
        input.value = path + '/';
        input.focus();
        input.setSelectionRange(input.value.length, input.value.length);
      }
      return;
    }
    if (action === 'rename-folder') {
      e.preventDefault();
      const path = btn.closest<HTMLElement>('[data-testid="folder"]')?.dataset['path'] ?? '';
      void renameFolder(path);
      return;
    }
    const item = btn.closest<HTMLElement>('[data-testid="notebook-item"], [data-testid="trash-item"]');
    if (!item) return;
    const id = item.dataset['id'] ?? '';
    const name = item.dataset['name'] || id;
    switch (action) {
      case 'rename-notebook':
        startRename(item, id);
        break;
      case 'move-notebook':
        void move(id, name);
        break;
      case 'clone-notebook':
        void clone(id, name);
        break;
      case 'delete-notebook':
        void trashNotebook(id, name);
        break;
      case 'restore-notebook':
        void restore(id, name);
        break;
      case 'delete-forever':
        void deleteForever(id, name);
        break;
    }
  });

  async function act(what: string, fn: () => Promise<void>): Promise<void> {
    showError('');
    try {
      await fn();
    } catch (err) {
      showError(`${what}: ${message(err)}`);
    }
    await refresh();
  }

  function move(id: string, name: string): Promise<void> {
    const folder = prompt(`Move “${baseOf(name)}” to which folder? (a/b for nested folders; empty for the top level)`, folderOf(name));
    if (folder === null) return Promise.resolve();
    const to = joinName(folder, baseOf(name));
    if (to === name) return Promise.resolve();
    return act(`Could not move “${name}”`, async () => {
      await notebooksAPI.rename(id, to);
      toast(`Moved to “${to}”`, 'info');
    });
  }

  function renameFolder(path: string): Promise<void> {
    const to = prompt(`Rename or move the folder “${path}” (a/b for nested folders):`, path);
    const dest = trimFolder(to ?? '');
    if (!dest || dest === path) return Promise.resolve();
    return act(`Could not rename the folder “${path}”`, async () => {
      const res = await foldersAPI.rename(path, dest);
      if (collapsed.delete(path)) {
        collapsed.add(dest); // closed before, closed after
        localStorage.setItem(collapsedKey, JSON.stringify([...collapsed]));
      }
      toast(`Moved ${plural(res.renamed.length, 'notebook')} to “${dest}”`, 'info');
    });
  }

  function clone(id: string, name: string): Promise<void> {
    return act(`Could not clone “${name}”`, async () => {
      const nb = await notebooksAPI.clone(id);
      toast(`Cloned as “${nb.name}”`, 'info');
    });
  }

  function trashNotebook(id: string, name: string): Promise<void> {
    return act(`Could not delete “${name}”`, async () => {
      await notebooksAPI.remove(id);
      toast(`Moved “${name}” to the trash`, 'info');
    });
  }

  function restore(entry: string, name: string): Promise<void> {
    return act(`Could not restore “${name}”`, async () => {
      const nb = await trashAPI.restore(entry);
      toast(nb.name === name ? `Restored “${name}”` : `Restored as “${nb.name}”: “${name}” is taken`, 'info');
    });
  }

  function deleteForever(entry: string, name: string): Promise<void> {
    if (!confirm(`Delete “${name}” forever? This cannot be undone.`)) return Promise.resolve();
    return act(`Could not delete “${name}”`, () => trashAPI.remove(entry).then(() => undefined));
  }

  function emptyTrash(): Promise<void> {
    const n = root.querySelectorAll('[data-testid="trash-item"]').length;
    if (!confirm(`Empty the trash? ${plural(n, 'notebook')} will be deleted forever. This cannot be undone.`)) {
      return Promise.resolve();
    }
    return act('Could not empty the trash', async () => {
      const res = await trashAPI.empty();
      toast(`Deleted ${plural(res.deleted, 'notebook')} forever`, 'info');
    });
  }

  function startRename(item: HTMLElement, id: string): void {
    const link = item.querySelector<HTMLAnchorElement>('a.nb-name');
    if (!link || item.querySelector('input')) return;
    const old = item.dataset['name'] ?? link.textContent ?? '';
    const field = h('input', { type: 'text', class: 'rename-input', testid: 'rename-input', 'aria-label': 'New name (folder/name moves it)', maxlength: 500 });
    field.value = old;
    link.hidden = true;
    link.after(field);
    field.focus();
    // Select the notebook's own name; its folders stay as they are unless edited.
    field.setSelectionRange(old.length - baseOf(old).length, old.length);
    let done = false;
    const finish = async (commit: boolean) => {
      if (done) return;
      done = true;
      const name = field.value.trim();
      if (commit && name && name !== old) {
        await act(`Could not rename “${old}”`, async () => {
          await notebooksAPI.rename(id, name);
        });
        return;
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

  show();
}
