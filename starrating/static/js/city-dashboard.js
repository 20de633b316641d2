/* City dashboard charts (Chart.js, vendored), drawn as the admin dashboard's are: data from
   a JSON block in the page, boxes that fit a 375 px screen (admin.css .chart-box). */
(function () {
  "use strict";
  var node = document.getElementById("city-dashboard-data");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var colours = ["#9aa5b1", "#e4626f", "#f29b38", "#5b9bd5", "#2f9e44", "#d4a106",
                 "#1d4f91", "#7c3aed", "#0e7490", "#be185d", "#111827"];

  function stacked(id, rows, labels, axis) {
    var canvas = document.getElementById(id);
    if (!canvas || !rows.length) { return; }
    var datasets = labels.map(function (label, i) {
      return { label: label, backgroundColor: colours[i % colours.length],
               data: rows.map(function (row) { return row[1][i]; }) };
    }).reverse();
    new Chart(canvas, {
      type: "bar",
      data: { labels: rows.map(function (row) { return row[0]; }), datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { title: { display: true, text: canvas.getAttribute("aria-label") },
                   legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true,
                  title: { display: true, text: axis }, ticks: { precision: 0 } } }
      }
    });
  }

  stacked("chart-schools", data.bySchool, data.levels, data.labels.students);

  var trend = document.getElementById("chart-trend");
  if (trend && data.trendTerms.length) {
    new Chart(trend, {
      type: "line",
      data: { labels: data.trendTerms,
              datasets: data.trend.map(function (series, i) {
                var colour = colours[(i + 3) % colours.length];
                return { label: series[0], data: series[1], borderColor: colour,
                         backgroundColor: colour, spanGaps: true };
              }) },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { title: { display: true, text: trend.getAttribute("aria-label") },
                   legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { y: { beginAtZero: true, suggestedMax: 100,
                       title: { display: true, text: data.labels.share } } }
      }
    });
  }
})();
