/* The browser's own file input speaks the browser's language ("Choose Files", "No file chosen").
   Each one is given a button and a line of our own, in the page's language; the words come from
   the catalogue, through the attributes of the script tag (app/templates/appbuilder/footer.html). */
(function () {
  "use strict";
  var words = document.currentScript.dataset;

  function chosen(input) {
    var n = input.files ? input.files.length : 0;
    if (n === 0) { return words.none; }
    if (n === 1) { return input.files[0].name; }
    return words.many.replace("{n}", String(n));
  }

  function dress(input) {
    if (input.dataset.dressed) { return; }
    input.dataset.dressed = "1";
    var box = document.createElement("div");
    box.className = "file-input";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-default btn-sm file-input-button";
    button.textContent = input.multiple ? words.chooseMany : words.choose;
    var names = document.createElement("span");
    names.className = "file-input-names text-muted";
    names.style.marginLeft = "8px";
    names.textContent = chosen(input);
    input.parentNode.insertBefore(box, input);
    box.appendChild(input);
    box.appendChild(button);
    box.appendChild(names);
    input.style.display = "none";
    button.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () { names.textContent = chosen(input); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[type=file]"), dress);
  });
})();
