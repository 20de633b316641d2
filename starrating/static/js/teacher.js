/* Teacher pages: catalogue items fill the points and note; keyboard use of the class grid.
   Everything here is a convenience: every form also works without JavaScript. */
(function () {
  "use strict";

  function setupItems(form) {
    var indicator = form.querySelector("select.js-indicator");
    var item = form.querySelector("select.js-item");
    var points = form.querySelector("input.js-points");
    var note = form.querySelector("textarea.js-note");
    if (!indicator || !item) { return; }
    var autoNote = "";

    function filterItems() {
      var chosen = indicator.value;
      Array.prototype.forEach.call(item.querySelectorAll("optgroup"), function (group) {
        var first = group.querySelector("option");
        var own = first && first.getAttribute("data-indicator");
        var show = !chosen || own === chosen;
        group.hidden = !show;
        group.disabled = !show;
      });
      var selected = item.options[item.selectedIndex];
      if (selected && selected.getAttribute("data-indicator") && chosen &&
          selected.getAttribute("data-indicator") !== chosen) {
        item.value = "";
      }
    }

    item.addEventListener("change", function () {
      var option = item.options[item.selectedIndex];
      if (!option || !option.getAttribute("data-indicator")) { return; }
      if (indicator.value !== option.getAttribute("data-indicator")) {
        indicator.value = option.getAttribute("data-indicator");
        filterItems();
      }
      if (points) { points.value = option.getAttribute("data-points"); }
      if (note && (note.value === "" || note.value === autoNote)) {
        note.value = option.getAttribute("data-name");
        autoNote = note.value;
      }
    });
    indicator.addEventListener("change", filterItems);
    filterItems();
  }

  function setupGrid(form) {
    var cells = Array.prototype.slice.call(form.querySelectorAll("input.grid-cell"));
    function submit() {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
    function move(from, step) {
      var next = cells[cells.indexOf(from) + step];
      if (next) { next.focus(); next.select(); return true; }
      return false;
    }
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        submit();
        return;
      }
      var cell = event.target;
      if (!cell.classList || !cell.classList.contains("grid-cell")) { return; }
      if (event.key === "Enter") {
        event.preventDefault();
        if (!move(cell, 1)) { submit(); }
      } else if (event.key === " ") {
        // a space is never part of points: it ticks or unticks the row's student
        var box = cell.closest("tr").querySelector("input[name=tick]");
        if (box) { event.preventDefault(); box.checked = !box.checked; }
      } else if (event.key === "ArrowDown") {
        if (move(cell, 1)) { event.preventDefault(); }
      } else if (event.key === "ArrowUp") {
        if (move(cell, -1)) { event.preventDefault(); }
      } else if (event.key === "Tab" && !event.altKey && !event.ctrlKey) {
        if (move(cell, event.shiftKey ? -1 : 1)) { event.preventDefault(); }
      }
    });
    var all = form.querySelector("input.js-tick-all");
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(form.querySelectorAll("input[name=tick]"), function (box) {
          box.checked = all.checked;
        });
      });
    }
    var firstError = form.querySelector("input.grid-cell[aria-invalid=true]");
    if (firstError) { firstError.focus(); }
  }

  // The entry form's student checklist: search by name or number, select-all / invert
  // acting on the students shown, "except absentees" and clear on all, and how many are
  // chosen.
  function setupChecklist(box) {
    var tools = box.querySelector(".js-checklist-tools");
    var search = box.querySelector(".js-checklist-search");
    var items = Array.prototype.slice.call(box.querySelectorAll(".js-checklist-item"));
    var count = box.querySelector(".js-checklist-count");
    var hiddenNote = box.querySelector(".js-checklist-hidden-note");
    var empty = box.querySelector(".js-checklist-empty");
    if (!tools || !search) { return; }
    tools.hidden = false;

    function boxOf(item) { return item.querySelector("input[type=checkbox]"); }
    function shown() { return items.filter(function (item) { return !item.hidden; }); }
    function update() {
      var chosen = items.filter(function (item) { return boxOf(item).checked; });
      count.textContent = String(chosen.length);
      hiddenNote.hidden = !chosen.some(function (item) { return item.hidden; });
      items.forEach(function (item) { item.classList.toggle("chosen", boxOf(item).checked); });
    }
    function filter() {
      var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      items.forEach(function (item) {
        var text = item.textContent.toLowerCase();
        item.hidden = !words.every(function (w) { return text.indexOf(w) !== -1; });
      });
      Array.prototype.forEach.call(box.querySelectorAll(".checklist-group"), function (g) {
        g.hidden = !g.querySelector(".js-checklist-item:not([hidden])");
      });
      empty.hidden = shown().length > 0;
      update();
    }
    function apply(how) {
      shown().forEach(function (item) { var b = boxOf(item); b.checked = how(b.checked); });
      update();
    }
    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      // Enter in the search box must not post the form half-filled
      if (event.key === "Enter") { event.preventDefault(); }
    });
    box.querySelector(".js-check-all").addEventListener("click", function () {
      apply(function () { return true; });
    });
    box.querySelector(".js-check-invert").addEventListener("click", function () {
      apply(function (was) { return !was; });
    });
    var present = box.querySelector(".js-check-present");
    if (present) {
      present.addEventListener("click", function () {
        // everyone who is here today: the whole class, so the search is cleared first
        search.value = "";
        filter();
        items.forEach(function (item) { boxOf(item).checked = !item.hasAttribute("data-absent"); });
        update();
      });
    }
    box.querySelector(".js-check-none").addEventListener("click", function () {
      // clearing means no one, also those the search hides
      items.forEach(function (item) { boxOf(item).checked = false; });
      update();
    });
    box.addEventListener("change", update);
    filter();
  }

  function setupConfirm() {
    Array.prototype.forEach.call(document.querySelectorAll(".js-confirm"), function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form"), setupItems);
    var grid = document.getElementById("grid-form");
    if (grid) { setupGrid(grid); }
    Array.prototype.forEach.call(document.querySelectorAll(".js-checklist"), setupChecklist);
    setupConfirm();
  });
}());
