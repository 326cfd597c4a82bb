// Draws the alignment trend chart from the json_script data; the table beside it carries the same figures.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("alignment-trend-data");
    var canvas = document.getElementById("alignment-trend");
    if (!source || !canvas || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var palette = ["#0b5d7a", "#b42318", "#067647", "#b54708", "#6941c6", "#344054", "#c11574", "#026aa2", "#4e5ba6", "#93370d", "#3f621a"];
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.dates,
        datasets: data.series.map(function (s, i) {
          return { label: s.label, data: s.values, borderColor: palette[i % palette.length], spanGaps: true,
                   borderWidth: i === 0 ? 3 : 1.5, pointRadius: 0, tension: 0.2 };
        })
      },
      options: { animation: false, scales: { y: { min: 0, max: 100 } }, plugins: { legend: { position: "bottom" } } }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
