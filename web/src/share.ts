// The page of a share link (/s/TOKEN): draws the chart from the points the server embedded
// in the page. It is its own small bundle (share.js): a share page never loads the notebook app.

import { BarChart, HeatmapChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { chartOption, parseChart } from './chart';
import type { PivotResult } from './types';

echarts.use([BarChart, LineChart, PieChart, ScatterChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, VisualMapComponent, CanvasRenderer]);

function main(): void {
  const box = document.getElementById('share-chart');
  const data = document.getElementById('share-data');
  if (!box || !data) return;
  const note = document.querySelector<HTMLElement>('[data-testid="share-note"]');
  try {
    const { chart, pivot } = JSON.parse(data.textContent ?? '{}') as { chart: unknown; pivot: PivotResult };
    const spec = parseChart(JSON.stringify(chart));
    if (!spec) throw new Error('the link holds no chart settings');
    const pic = chartOption(spec, pivot);
    box.replaceChildren();
    const c = echarts.init(box, undefined, { renderer: 'canvas' });
    c.setOption(pic.option);
    box.dataset['state'] = 'drawn';
    if (note && pic.note) {
      note.textContent = pic.note;
      note.hidden = false;
    }
    new ResizeObserver(() => c.resize()).observe(box);
  } catch (err) {
    box.dataset['state'] = 'error';
    box.textContent = `The chart cannot be drawn: ${String(err)}`;
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
