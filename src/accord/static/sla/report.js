// The SLA report's trend chart; its figures come from a json_script block (no inline script under the CSP).
document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("sla-trend");
  const source = document.getElementById("sla-trend-data");
  if (!canvas || !source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = ["#1f6feb", "#d1242f", "#9a6700", "#1a7f37", "#8250df", "#57606a"];
  const datasets = data.series.map((s, i) => ({
    label: `${s.priority} resolution %`,
    data: s.values,
    borderColor: palette[i % palette.length],
    backgroundColor: palette[i % palette.length],
    spanGaps: true,
    tension: 0.2,
  }));
  data.series.forEach((s, i) => {
    if (s.target === null) return;
    datasets.push({
      label: `${s.priority} target`,
      data: data.labels.map(() => s.target),
      borderColor: palette[i % palette.length],
      borderDash: [6, 4],
      pointRadius: 0,
    });
  });
  new window.Chart(canvas, {
    type: "line",
    data: { labels: data.labels, datasets },
    options: { scales: { y: { suggestedMin: 50, max: 100, title: { display: true, text: "% met" } } } },
  });
});
