/* The student's radar chart (Chart.js, vendored). Data: the JSON block #radar-data. */
(function () {
  "use strict";
  var canvas = document.getElementById("radar");
  var node = document.getElementById("radar-data");
  if (!canvas || !node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  if (!data || !data.labels || !data.labels.length) { return; }
  new Chart(canvas, {
    type: "radar",
    data: {
      labels: data.labels,
      datasets: [{
        label: data.label,
        data: data.values,
        backgroundColor: "rgba(212, 161, 6, 0.25)",
        borderColor: "#b42318",
        pointBackgroundColor: "#b42318",
        borderWidth: 2
      }]
    },
    options: {
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: 1,
      animation: false,
      plugins: { legend: { display: false } },
      scales: {
        r: {
          min: 0, max: data.max, beginAtZero: true,
          ticks: { stepSize: 1, precision: 0, backdropColor: "transparent" },
          pointLabels: { font: { size: 14 } }
        }
      }
    }
  });
})();
