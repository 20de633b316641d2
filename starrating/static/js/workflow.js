/* The publishing page: choose classes by state (the page works without this file: tick the
   boxes, or use the "every class in a state" links). */
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  var tools = document.getElementById("select-tools");
  if (!form || !tools) { return; }
  var boxes = form.querySelectorAll("input[type=checkbox][name=class_id]");
  var count = document.getElementById("chosen-count");
  function update() {
    var n = 0;
    boxes.forEach(function (box) { if (box.checked) { n += 1; } });
    if (count) { count.textContent = String(n); }
  }
  tools.hidden = false;
  tools.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-select]");
    if (!button) { return; }
    event.preventDefault();
    var want = button.getAttribute("data-select");
    boxes.forEach(function (box) {
      box.checked = want === "all" || (want !== "none" && box.getAttribute("data-state") === want);
    });
    update();
  });
  form.addEventListener("change", update);
  update();
})();
