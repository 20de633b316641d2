/* Dashboard charts (Chart.js, vendored). Data comes from a JSON block in the page. */
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var colours = ["#9aa5b1", "#e4626f", "#f29b38", "#5b9bd5", "#2f9e44", "#d4a106",
                 "#1d4f91", "#7c3aed", "#0e7490", "#be185d", "#111827"];

  function stacked(id, rows) {
    var canvas = document.getElementById(id);
    if (!canvas || !rows.length) { return; }
    var datasets = data.levels.map(function (label, level) {
      return { label: label, backgroundColor: colours[level % colours.length],
               data: rows.map(function (row) { return row[1][level]; }) };
    }).reverse();
    new Chart(canvas, {
      type: "bar",
      data: { labels: rows.map(function (row) { return row[0]; }), datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { title: { display: true, text: canvas.getAttribute("aria-label") },
                   legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true,
                  title: { display: true, text: data.labels.students },
                  ticks: { precision: 0 } } }
      }
    });
  }

  stacked("chart-class", data.byClass);
  stacked("chart-major", data.byMajor);
  stacked("chart-grade", data.byGrade);

  var trend = document.getElementById("chart-trend");
  if (trend && data.trend.length) {
    new Chart(trend, {
      type: "line",
      data: { labels: data.trend.map(function (p) { return p[0]; }),
              datasets: [{ label: data.labels.average, borderColor: "#b42318",
                           backgroundColor: "#b42318",
                           data: data.trend.map(function (p) { return p[1]; }) }] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { title: { display: true, text: trend.getAttribute("aria-label") },
                   legend: { display: false } },
        scales: { y: { beginAtZero: true, suggestedMax: data.levels.length - 1 } }
      }
    });
  }
})();
