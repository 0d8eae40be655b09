/* A Buddhist-Era date picker for every date field of ours (input[data-thaidate]): typing
   วว/ดด/ปปปป (or 8 digits, on a phone's number pad) still works; the button beside it opens a
   month in Thai with the year in the Buddhist Era. Keyboard: arrows move a day or a week, Page Up
   and Page Down a month, Enter picks, Escape closes. The words come from the catalogue, through
   the script tag's attributes (app/templates/appbuilder/footer.html). */
(function () {
  "use strict";
  var words = document.currentScript.dataset;
  var MONTHS = words.months.split(",");
  var DAYS = words.days.split(",");

  function parse(text) {
    var m = /^\s*(\d{1,2})\s*[\/.-]?\s*(\d{1,2})\s*[\/.-]?\s*(\d{4})\s*$/.exec(text || "");
    if (!m) { return null; }
    var d = new Date(+m[3] - 543, +m[2] - 1, +m[1]);
    return isNaN(d) ? null : d;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(d) { return pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + (d.getFullYear() + 543); }
  function same(a, b) { return a && b && a.toDateString() === b.toDateString(); }
  // Today as the office counts it (Bangkok's, from the server), whatever the computer's clock zone.
  function today() { return parse(words.today) || new Date(); }

  function dress(input) {
    if (input.dataset.dressed) { return; }
    input.dataset.dressed = "1";
    var box = document.createElement("div");
    box.className = "thaidate";
    input.parentNode.insertBefore(box, input);
    box.appendChild(input);
    var open = document.createElement("button");
    open.type = "button";
    open.className = "btn btn-default thaidate-open";
    open.setAttribute("aria-label", words.open + (input.labels && input.labels[0] ? " " + input.labels[0].textContent.trim() : ""));
    open.setAttribute("aria-expanded", "false");
    open.innerHTML = '<i class="fa fa-calendar" aria-hidden="true"></i>';
    box.appendChild(open);
    var panel = null, shown = null, focused = null;

    function close(back) {
      if (!panel) { return; }
      panel.remove(); panel = null;
      open.setAttribute("aria-expanded", "false");
      if (back) { open.focus(); }
    }
    function pick(d) { input.value = format(d); input.dispatchEvent(new Event("change", {bubbles: true})); close(true); }
    function draw() {
      if (panel) { panel.remove(); }
      panel = document.createElement("div");
      panel.className = "thaidate-panel";
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-label", words.open);
      var head = document.createElement("div");
      head.className = "thaidate-head";
      var prev = document.createElement("button"), next = document.createElement("button");
      prev.type = next.type = "button";
      prev.className = next.className = "btn btn-default btn-sm";
      prev.setAttribute("aria-label", words.prev); prev.innerHTML = "&lsaquo;";
      next.setAttribute("aria-label", words.next); next.innerHTML = "&rsaquo;";
      var title = document.createElement("strong");
      title.setAttribute("aria-live", "polite");
      title.textContent = MONTHS[shown.getMonth()] + " " + (shown.getFullYear() + 543);
      prev.onclick = function () { move(-1, "month"); };
      next.onclick = function () { move(1, "month"); };
      head.appendChild(prev); head.appendChild(title); head.appendChild(next);
      panel.appendChild(head);
      var table = document.createElement("table");
      table.setAttribute("role", "grid");
      var row = table.insertRow();
      DAYS.forEach(function (name) { var th = document.createElement("th"); th.textContent = name; th.scope = "col"; row.appendChild(th); });
      var first = new Date(shown.getFullYear(), shown.getMonth(), 1);
      var day = new Date(first); day.setDate(1 - first.getDay());
      var chosen = parse(input.value), now = today();
      for (var w = 0; w < 6; w++) {
        row = table.insertRow();
        for (var i = 0; i < 7; i++) {
          var cell = row.insertCell(), b = document.createElement("button");
          b.type = "button";
          b.textContent = day.getDate();
          b.setAttribute("aria-label", day.getDate() + " " + MONTHS[day.getMonth()] + " " + (day.getFullYear() + 543));
          b.className = "thaidate-day" + (day.getMonth() !== shown.getMonth() ? " other" : "") + (same(day, now) ? " today" : "");
          if (same(day, chosen)) { b.setAttribute("aria-pressed", "true"); }
          b.tabIndex = same(day, focused) ? 0 : -1;
          (function (d) { b.onclick = function () { pick(d); }; })(new Date(day));
          cell.appendChild(b);
          day.setDate(day.getDate() + 1);
        }
      }
      panel.appendChild(table);
      panel.addEventListener("keydown", keys);
      box.appendChild(panel);
      var mine = panel.querySelector('.thaidate-day[tabindex="0"]');
      if (mine) { mine.focus(); }
    }
    function move(n, unit) {
      focused = new Date(focused);
      if (unit === "month") { focused.setMonth(focused.getMonth() + n); } else { focused.setDate(focused.getDate() + n); }
      shown = new Date(focused.getFullYear(), focused.getMonth(), 1);
      draw();
    }
    function keys(e) {
      var steps = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7};
      if (e.key === "Escape") { e.preventDefault(); close(true); }
      else if (e.key in steps && e.target.classList.contains("thaidate-day")) { e.preventDefault(); move(steps[e.key], "day"); }
      else if (e.key === "PageUp" || e.key === "PageDown") { e.preventDefault(); move(e.key === "PageUp" ? -1 : 1, "month"); }
    }
    open.addEventListener("click", function () {
      if (panel) { close(false); return; }
      focused = parse(input.value) || today();
      shown = new Date(focused.getFullYear(), focused.getMonth(), 1);
      open.setAttribute("aria-expanded", "true");
      draw();
    });
    document.addEventListener("click", function (e) { if (panel && !box.contains(e.target)) { close(false); } });
  }

  document.querySelectorAll("input[data-thaidate]").forEach(dress);
})();
