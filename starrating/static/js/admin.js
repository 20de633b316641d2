/* Admin pages: small progressive enhancements (the pages work without them). */
(function () {
  "use strict";
  // A <select class="autosubmit"> in a GET filter form submits on change.
  document.querySelectorAll("select.autosubmit").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  });
  // Buttons with data-confirm ask first (removing things).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
