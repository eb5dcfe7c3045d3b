// The one ECharts setup of every chart lakebook draws in a browser: the notebook's chart view
// (chartview.ts) and the share page (share.ts). It registers the chart kinds and components
// chartOption uses, and owns a box's ECharts instance: created once the box has a size (ECharts
// draws nothing in a box without one), redrawn when the box is resized, disposed on destroy.
// It imports no more than the share page needs: the share bundle is built from it.

import { BarChart, HeatmapChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { chartOption, type Option } from './chart';
import type { ChartSpec, PivotResult } from './types';

echarts.use([BarChart, LineChart, PieChart, ScatterChart, HeatmapChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, VisualMapComponent, CanvasRenderer]);

/** The chart element carries the option it draws, for tests and debugging. */
export type ChartElement = HTMLElement & { lakebookOption?: Option };

const loadingStyle = { text: 'Aggregating…', color: '#2f6fd6', textColor: '#6a737d', maskColor: 'rgba(255,255,255,0.6)' };

export class ChartCanvas {
  private chart: echarts.ECharts | null = null;
  private readonly observer: ResizeObserver | null = null;

  /** onResize runs when the box changes size; by default the chart is fitted to it. */
  constructor(
    readonly box: ChartElement,
    onResize?: () => void,
  ) {
    if (typeof ResizeObserver !== 'undefined') {
      this.observer = new ResizeObserver(onResize ?? (() => this.resize()));
      this.observer.observe(box);
    }
  }

  /** created reports whether the chart exists (the box had a size when it was asked for). */
  get created(): boolean {
    return this.chart !== null;
  }

  /** ready reports whether the chart exists, creating it when the box has a size. */
  ready(): boolean {
    if (!this.chart && this.box.clientWidth > 0) this.chart = echarts.init(this.box, undefined, { renderer: 'canvas' });
    return this.chart !== null;
  }

  /** draw shows spec's chart of pivot, replacing what was drawn, and returns chartOption's
   * note (what was sampled or cut). Without a size yet, it only keeps the option on the box:
   * the caller draws again on resize. */
  draw(spec: ChartSpec, pivot: PivotResult): string {
    const { option, note } = chartOption(spec, pivot);
    this.box.lakebookOption = option;
    this.box.dataset['type'] = spec.type;
    if (this.ready()) {
      this.chart?.hideLoading();
      this.chart?.setOption(option, { notMerge: true });
    }
    return note;
  }

  loading(): void {
    this.chart?.showLoading('default', loadingStyle);
  }

  clear(): void {
    this.chart?.hideLoading();
    this.chart?.clear();
  }

  resize(): void {
    this.chart?.resize();
  }

  destroy(): void {
    this.observer?.disconnect();
    this.chart?.dispose();
    this.chart = null;
  }
}
