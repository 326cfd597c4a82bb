// Benefits charts: realisation over time (dashboard) and a KPI's trajectory with its measurements.
// Data arrives through json_script elements; no inline scripts (CSP).
(function () {
  "use strict";
  const DAY = 86400000;
  const toDay = (iso) => Math.round(Date.parse(iso + "T00:00:00Z") / DAY);
  const fromDay = (n) => new Date(n * DAY).toISOString().slice(0, 10);
  const read = (id) => {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  // A vertical line at a given x value (go-live, today), drawn after the datasets.
  const markerPlugin = {
    id: "accordMarkers",
    afterDatasetsDraw(chart, _args, options) {
      const { ctx, chartArea, scales } = chart;
      (options.lines || []).forEach((line) => {
        const x = scales.x.getPixelForValue(line.value);
        if (x < chartArea.left || x > chartArea.right) return;
        ctx.save();
        ctx.strokeStyle = line.color;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(x, chartArea.top);
        ctx.lineTo(x, chartArea.bottom);
        ctx.stroke();
        ctx.fillStyle = line.color;
        ctx.fillText(line.label, x + 4, chartArea.top + 12);
        ctx.restore();
      });
    },
  };

  function realisationChart() {
    const data = read("realisation-data");
    const canvas = document.getElementById("realisation-chart");
    if (!data || !canvas || !window.Chart) return;
    const lines = [];
    if (data.goLive) {
      const index = data.labels.findIndex((m) => m >= data.goLive);
      if (index >= 0) lines.push({ value: index, label: "Go-live", color: "#555" });
    }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels.map((m) => m.slice(0, 7)),
        datasets: [
          { label: "Actual (mean realisation %)", data: data.actual, borderColor: "#1f6feb", tension: 0.2 },
          { label: "Planned (mean %)", data: data.planned, borderColor: "#999", borderDash: [4, 4], tension: 0.2 },
        ],
      },
      options: { scales: { y: { title: { display: true, text: "%" } } }, plugins: { accordMarkers: { lines } } },
      plugins: [markerPlugin],
    });
  }

  // One chart per canvas: the KPI page's own, and one per KPI on a benefit's page (data-chart names its data).
  function kpiCharts() {
    const canvases = document.querySelectorAll("canvas#kpi-chart, canvas[data-kpi-chart]");
    canvases.forEach((canvas) => kpiChart(canvas, read(canvas.dataset.kpiChart || "kpi-chart-data")));
  }

  function kpiChart(canvas, data) {
    if (!data || !canvas || !window.Chart) return;
    const points = (rows) => rows.map((p) => ({ x: toDay(p.x), y: p.y }));
    const trajectory = points(data.trajectory);
    const measured = points(data.measurements);
    const xs = trajectory.concat(measured).map((p) => p.x).concat([toDay(data.today)]);
    const first = Math.min(...xs);
    const last = Math.max(...xs);
    const lines = [{ value: toDay(data.today), label: "Today", color: "#888" }];
    if (data.goLive) lines.push({ value: toDay(data.goLive), label: "Go-live", color: "#b35900" });
    new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          { label: "Plan (baseline, milestones, target)", data: trajectory, borderColor: "#999", borderDash: [4, 4], pointRadius: 4 },
          { label: "Target", data: [{ x: first, y: data.target }, { x: last, y: data.target }], borderColor: "#2e7d32", pointRadius: 0, borderWidth: 1 },
          { label: "Measurements", data: measured, borderColor: "#1f6feb", backgroundColor: "#1f6feb", tension: 0.1 },
        ],
      },
      options: {
        parsing: false,
        scales: {
          x: { type: "linear", min: first, max: last, ticks: { callback: (v) => fromDay(v) } },
          y: { title: { display: true, text: data.unit } },
        },
        plugins: {
          accordMarkers: { lines },
          tooltip: { callbacks: { title: (items) => fromDay(items[0].parsed.x) } },
        },
      },
      plugins: [markerPlugin],
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    realisationChart();
    kpiCharts();
  });
})();
