import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';

/** One line (or bars) of a {@link TimeChart}. */
export interface ChartSeries {
  readonly label: string;
  readonly colour: string;
  readonly values: ReadonlyArray<number | null>;
  /** How to show a value on the axis and in the legend. */
  readonly format?: (value: number) => string;
  readonly fill?: boolean;
  readonly bars?: boolean;
  readonly dashed?: boolean;
  /** Which axis: 0 the left one (default), 1 a second one on the right. */
  readonly axis?: 0 | 1;
}

/** A time chart drawn by uPlot: `times` in milliseconds, one value per time per series. */
export function TimeChart(props: {
  readonly times: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly height?: number;
  readonly yMin?: number;
  readonly yMax?: number;
  readonly testId?: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  // The data as of now, for a chart created after uPlot has loaded.
  const latest = useRef(props);
  latest.current = props;
  const shape = props.series.map((series) => `${series.label}:${series.axis ?? 0}:${series.bars === true}`).join('|');

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    let created: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    let cancelled = false;
    // uPlot is loaded with the first chart: the tasks table, the first page most people see, does without it.
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled) return;
      const formats = [
        props.series.find((series) => (series.axis ?? 0) === 0)?.format,
        props.series.find((series) => series.axis === 1)?.format,
      ];
      const bars = UPlot.paths.bars?.({ size: [0.6, 48] });
      const options: uPlot.Options = {
        width: Math.max(200, element.clientWidth),
        height: props.height ?? 180,
        padding: [8, 8, 0, 0],
        cursor: { points: { size: 6 } },
        // One series is named by its card; several get a legend (values while the cursor is on the chart).
        legend: { show: props.series.length > 1, live: true },
        scales: {
          x: { time: true },
          y: { range: (_u, min, max) => [props.yMin ?? Math.min(0, min), props.yMax ?? (max > 0 ? max * 1.1 : 1)] },
          y2: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' } },
          {
            stroke: '#64748b',
            grid: { stroke: '#eef2f7' },
            ticks: { show: false },
            size: 64,
            values: (_u, values) => values.map((value) => (formats[0] === undefined ? String(value) : formats[0](value))),
          },
          ...(formats[1] === undefined
            ? []
            : [
                {
                  scale: 'y2',
                  side: 1,
                  stroke: '#64748b',
                  grid: { show: false },
                  ticks: { show: false },
                  size: 64,
                  values: (_u: uPlot, values: number[]) => values.map((value) => (formats[1] as (value: number) => string)(value)),
                },
              ]),
        ],
        series: [
          { value: (_u, value) => (value === null ? '–' : new Date(value * 1000).toLocaleString()) },
          ...props.series.map((series) => ({
            label: series.label,
            stroke: series.colour,
            width: series.bars === true ? 0 : 2,
            points: { show: false },
            scale: series.axis === 1 ? 'y2' : 'y',
            ...(series.fill === true || series.bars === true ? { fill: `${series.colour}${series.bars === true ? 'cc' : '22'}` } : {}),
            ...(series.bars === true && bars !== undefined ? { paths: bars } : {}),
            ...(series.dashed === true ? { dash: [6, 4] } : {}),
            value: (_u: uPlot, value: number | null) =>
              value === null ? '–' : series.format === undefined ? String(value) : series.format(value),
          })),
        ],
      };
      const made = new UPlot(options, data(latest.current), element);
      created = made;
      chart.current = made;
      observer = new ResizeObserver(() => made.setSize({ width: Math.max(200, element.clientWidth), height: props.height ?? 180 }));
      observer.observe(element);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      created?.destroy();
      chart.current = undefined;
    };
  }, [shape]);

  useEffect(() => {
    chart.current?.setData(data(props));
  }, [props.times, props.series]);

  return <div class="chart" ref={container} data-testid={props.testId} />;
}

function data(props: { readonly times: readonly number[]; readonly series: readonly ChartSeries[] }): uPlot.AlignedData {
  return [props.times.map((time) => time / 1000), ...props.series.map((series) => series.values as (number | null)[])];
}
