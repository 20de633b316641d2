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
    updateHealth(row, data);
    var cell = row.querySelector(".job-file");
    if (data.download_url && cell && !cell.querySelector("a")) {
      var link = document.createElement("a");
      link.className = "button small download";
      link.href = data.download_url;
      link.textContent = downloadText;
      cell.appendChild(link);
    }
  }

  // Waiting (no worker took the job in time) or stalled (no progress from its worker): the
  // row says so, the retry form shows when the job may be retried, and the page-wide notice
  // shows while any row waits.
  function updateHealth(row, data) {
    row.setAttribute("data-health", data.health || "");
    row.setAttribute("data-worker", data.worker || "");
    var badge = row.querySelector(".badge.health");
    if (badge) {
      badge.textContent = data.health_label || "";
      badge.className = "badge health health-" + (data.health || "");
      badge.hidden = !data.health;
    }
    var retry = row.querySelector(".retry-form");
    if (retry) { retry.hidden = !data.retryable; }
    updateNotice();
  }

  function updateNotice() {
    var notice = document.getElementById("worker-notice");
    if (!notice) { return; }
    var state = "";
    document.querySelectorAll("tr.export-job[data-health=waiting]").forEach(function (row) {
      var worker = row.getAttribute("data-worker") || "no_worker";
      if (state !== "no_worker") { state = worker; }
    });
    notice.setAttribute("data-notice", state);
    notice.hidden = !state;
    var none = notice.querySelector(".notice-no_worker");
    var busy = notice.querySelector(".notice-busy");
    if (none) { none.hidden = state === "busy"; }
    if (busy) { busy.hidden = state !== "busy"; }
  }

  function poll(row) {
    fetch(row.getAttribute("data-status-url"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(function (data) {
      update(row, data);
      // a stalled job rarely moves again: ask less often
      var wait = data.health === "stalled" ? INTERVAL * 10 : INTERVAL;
      if (active(row)) { window.setTimeout(function () { poll(row); }, wait); }
    }).catch(function () {
      window.setTimeout(function () { poll(row); }, INTERVAL * 4);
    });
  }

  document.querySelectorAll("tr.export-job").forEach(function (row) {
    if (active(row)) { poll(row); }
  });
}());
