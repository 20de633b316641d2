/* Reports page: follow running exports by polling their JSON status; show the download. */
(function () {
  "use strict";
  var labels = document.getElementById("reports-labels");
  var downloadText = labels ? labels.getAttribute("data-download") : "Download";
  var INTERVAL = 1500;

  function active(row) {
    var s = row.getAttribute("data-status");
    return s === "queued" || s === "running";
  }

  function update(row, data) {
    row.setAttribute("data-status", data.status);
    var badge = row.querySelector(".job-status .badge");
    if (badge) {
      badge.textContent = data.label;
      badge.className = "badge status-" + data.status;
    }
    var bar = row.querySelector("progress");
    if (bar) {
      bar.max = Math.max(data.total, 1);
      bar.value = data.progress;
    }
    var count = row.querySelector(".job-count");
    if (count) { count.textContent = data.progress + " / " + data.total; }
    if (data.status === "failed" && data.error) {
      var err = row.querySelector(".job-error");
      if (!err) {
        err = document.createElement("span");
        err.className = "job-error";
        row.querySelector(".job-status").appendChild(document.createTextNode(" "));
        row.querySelector(".job-status").appendChild(err);
      }
      err.textContent = data.error;
    }
    var cell = row.querySelector(".job-file");
    if (data.download_url && cell && !cell.querySelector("a")) {
      var link = document.createElement("a");
      link.className = "button small download";
      link.href = data.download_url;
      link.textContent = downloadText;
      cell.appendChild(link);
    }
  }

  function poll(row) {
    fetch(row.getAttribute("data-status-url"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(function (data) {
      update(row, data);
      if (active(row)) { window.setTimeout(function () { poll(row); }, INTERVAL); }
    }).catch(function () {
      window.setTimeout(function () { poll(row); }, INTERVAL * 4);
    });
  }

  document.querySelectorAll("tr.export-job").forEach(function (row) {
    if (active(row)) { poll(row); }
  });
}());
