// A task's CPU and memory over time, from the samples taken while the dashboard was open.
import type { TaskDetailResponse } from '../../src/api-types.js';
import { formatBytes } from '../format.js';
import { TimeChart } from './chart.js';

export function ResourceCharts(props: { readonly data: TaskDetailResponse }) {
  const points = props.data.usage;
  if (points.length < 2) {
    const latest = props.data.metrics[props.data.metrics.length - 1];
    return (
      <p class="muted">
        {props.data.task.status === 'running'
          ? 'Collecting samples…'
          : latest === undefined
            ? 'Nothing was measured.'
            : 'The chart covers what ran while the dashboard was open; the totals above are from the host.'}
      </p>
    );
  }
  const times = points.map((point) => point.at);
  return (
    <div class="charts">
      <div class="chart-title">CPU (of one core)</div>
      <TimeChart
        testId="cpu-chart"
        height={150}
        times={times}
        series={[{ label: 'CPU', colour: '#4f46e5', values: points.map((point) => point.cpuPercent), fill: true, format: percent }]}
      />
      <div class="chart-title">Memory</div>
      <TimeChart
        testId="memory-chart"
        height={150}
        times={times}
        series={[
          {
            label: 'Memory',
            colour: '#0891b2',
            values: points.map((point) => point.memoryBytes),
            fill: true,
            format: (value) => formatBytes(value),
          },
        ]}
      />
    </div>
  );
}

function percent(value: number): string {
  return value > 0 && value < 10 ? `${value.toFixed(1)}%` : `${Math.round(value)}%`;
}
