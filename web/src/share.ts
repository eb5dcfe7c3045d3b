// The page of a share link (/s/TOKEN): draws the chart from the points the server embedded
// in the page. It is its own small bundle (share.js): a share page never loads the notebook app.

import { parseChart } from './chart';
import { ChartCanvas } from './echart';
import type { PivotResult } from './types';

function main(): void {
  const box = document.getElementById('share-chart');
  const data = document.getElementById('share-data');
  if (!box || !data) return;
  const note = document.querySelector<HTMLElement>('[data-testid="share-note"]');
  try {
    const { chart, pivot } = JSON.parse(data.textContent ?? '{}') as { chart: unknown; pivot: PivotResult };
    const spec = parseChart(JSON.stringify(chart));
    if (!spec) throw new Error('the link holds no chart settings');
    box.replaceChildren();
    // A box without a size yet (a hidden iframe) is drawn when it gets one.
    const draw = (): string => {
      const text = canvas.draw(spec, pivot);
      if (canvas.created) box.dataset['state'] = 'drawn';
      return text;
    };
    const canvas = new ChartCanvas(box, () => (canvas.created ? canvas.resize() : draw()));
    const text = draw();
    if (note && text) {
      note.textContent = text;
      note.hidden = false;
    }
  } catch (err) {
    box.dataset['state'] = 'error';
    box.textContent = `The chart cannot be drawn: ${String(err)}`;
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
