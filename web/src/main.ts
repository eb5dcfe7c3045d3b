// Entry point: picks the page by what the server rendered.

import { initListPage } from './list';
import { NotebookApp } from './notebook';
import { initSharesPage } from './sharedialog';

function main(): void {
  // The token of a `/?token=…` link has become the session cookie: keep it out of the address
  // bar and the history.
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  const app = document.querySelector<HTMLElement>('#app[data-notebook-id]');
  if (app) {
    new NotebookApp(app, app.dataset['notebookId'] ?? '').start();
    return;
  }
  if (document.querySelector('[data-testid="notebook-list"]')) initListPage();
  if (document.body.dataset['page'] === 'shares') initSharesPage();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
