/* A letter's recipients as checkboxes (app/templates/dispatch/_recipients.html): each section's
   "all" box ticks or clears the section's boxes that may be chosen, a saved list's button ticks
   its members, and the line under the boxes counts what is chosen. Without this script the boxes
   still work one by one. */
(function () {
  "use strict";

  function boxes(root, selector) {
    return Array.prototype.slice.call(root.querySelectorAll(selector));
  }

  function open(box) { return !box.disabled; }

  function refresh(form) {
    boxes(form, "[data-all]").forEach(function (all) {
      var mine = boxes(form, '[data-section="' + all.dataset.all + '"] input[name="recipients"]')
        .filter(open);
      var ticked = mine.filter(function (b) { return b.checked; }).length;
      all.checked = mine.length > 0 && ticked === mine.length;
      all.indeterminate = ticked > 0 && ticked < mine.length;
    });
    var count = form.querySelector("[data-chosen]");
    if (count) {
      var n = boxes(form, 'input[name="recipients"]').filter(function (b) {
        return b.checked;
      }).length;
      count.textContent = count.dataset.chosen.replace("{n}", String(n));
    }
  }

  boxes(document, "[data-recipients]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var all = event.target.dataset ? event.target.dataset.all : null;
      if (all) {
        boxes(form, '[data-section="' + all + '"] input[name="recipients"]').filter(open)
          .forEach(function (b) { b.checked = event.target.checked; });
      }
      refresh(form);
    });
    boxes(form, "[data-members]").forEach(function (button) {
      button.addEventListener("click", function () {
        var members = button.dataset.members.split(" ");
        boxes(form, 'input[name="recipients"]').filter(open).forEach(function (b) {
          if (members.indexOf(b.value) >= 0) { b.checked = true; }
        });
        refresh(form);
      });
    });
    refresh(form);
  });
}());
