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

  // Type-ahead for the indicator choice: a search box above the select lists the indicators
  // holding every typed word (names in both languages, the dimension, the items' names);
  // arrows and Enter or a tap pick one, which sets the select (the select stays, and is all
  // there is without script).
  function setupIndicatorFind(select) {
    var placeholder = select.getAttribute("data-find-placeholder");
    if (!placeholder || !select.id) { return; }
    var options = Array.prototype.filter.call(select.options, function (o) { return o.value; });
    var wrap = document.createElement("div");
    wrap.className = "indicator-find";
    var input = document.createElement("input");
    input.type = "search";
    input.id = select.id + "-find";
    input.className = "js-indicator-find";
    input.placeholder = placeholder;
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", select.id + "-matches");
    input.setAttribute("aria-label", select.getAttribute("data-find-label") || placeholder);
    var list = document.createElement("ul");
    list.id = select.id + "-matches";
    list.className = "indicator-matches js-indicator-matches";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var none = document.createElement("p");
    none.className = "match-none muted small";
    none.setAttribute("aria-live", "polite");
    none.textContent = select.getAttribute("data-find-none") || "";
    none.hidden = true;
    wrap.appendChild(input);
    wrap.appendChild(list);
    wrap.appendChild(none);
    select.parentNode.insertBefore(wrap, select);

    var matches = [];
    var active = -1;

    function groupOf(option) {
      return option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
    }
    function close() {
      list.hidden = true;
      none.hidden = true;
      list.textContent = "";
      matches = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function move(n) {
      active = n;
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.classList.toggle("active", i === n);
        li.setAttribute("aria-selected", i === n ? "true" : "false");
      });
      if (n >= 0) {
        input.setAttribute("aria-activedescendant", list.children[n].id);
        list.children[n].scrollIntoView({block: "nearest"});
      }
    }
    function pick(option) {
      select.value = option.value;
      select.dispatchEvent(new Event("change", {bubbles: true}));
      input.value = "";
      close();
    }
    function render() {
      var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      close();
      if (!words.length) { return; }
      matches = options.filter(function (o) {
        var text = [o.getAttribute("data-search") || "", o.text, groupOf(o)].join(" ").toLowerCase();
        return words.every(function (w) { return text.indexOf(w) !== -1; });
      });
      matches.forEach(function (option, n) {
        var li = document.createElement("li");
        li.id = list.id + "-" + n;
        li.className = "js-indicator-match";
        li.setAttribute("role", "option");
        li.setAttribute("data-value", option.value);
        var name = document.createElement("span");
        name.className = "match-name";
        name.textContent = option.text;
        var group = document.createElement("span");
        group.className = "muted small";
        group.textContent = groupOf(option);
        li.appendChild(name);
        li.appendChild(group);
        // a tap must not take the focus away (and close the list) before it picks
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { pick(option); });
        list.appendChild(li);
      });
      list.hidden = matches.length === 0;
      none.hidden = matches.length > 0;
      input.setAttribute("aria-expanded", String(matches.length > 0));
      move(matches.length ? 0 : -1);
      keepInView();
    }
    function keepInView() {
      // on a phone the matches would open below the keyboard: scroll them up, the box too
      var height = window.visualViewport ? window.visualViewport.height : window.innerHeight;
      var over = (list.hidden ? none : list).getBoundingClientRect().bottom - height + 8;
      var room = input.getBoundingClientRect().top - 8;
      if (over > 0 && room > 0) { window.scrollBy(0, Math.min(over, room)); }
    }
    input.addEventListener("input", render);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && matches.length) {
        event.preventDefault();
        move(Math.min(active + 1, matches.length - 1));
      } else if (event.key === "ArrowUp" && matches.length) {
        event.preventDefault();
        move(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        // Enter picks; it never posts the form half-filled
        event.preventDefault();
        if (active >= 0) { pick(matches[active]); }
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
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
    Array.prototype.forEach.call(document.querySelectorAll("select.js-indicator"),
                                 setupIndicatorFind);
    Array.prototype.forEach.call(document.querySelectorAll("form"), setupItems);
    var grid = document.getElementById("grid-form");
    if (grid) { setupGrid(grid); }
    Array.prototype.forEach.call(document.querySelectorAll(".js-checklist"), setupChecklist);
    setupConfirm();
  });
}());
