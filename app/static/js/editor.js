/* A small formatting editor for announcements (ระบบลงประกาศข่าวสาร): a toolbar over an editable
   box that takes the place of each <textarea data-editor>. On submit the box's HTML goes back
   into the textarea, with body_format=html beside it; the server sanitises it before storing.
   Without this script the textarea stays a plain text box, and the server reads it as text.
   The words come from the catalogue, through the attributes of the script tag. */
(function () {
  "use strict";
  var words = document.currentScript.dataset;
  var ALLOWED = {P: 1, BR: 1, STRONG: 1, B: 1, EM: 1, I: 1, U: 1, S: 1, UL: 1, OL: 1, LI: 1,
                 H3: 1, H4: 1, BLOCKQUOTE: 1, A: 1, TABLE: 1, THEAD: 1, TBODY: 1, TR: 1,
                 TH: 1, TD: 1, HR: 1};
  var LINK = /^(https?:\/\/|mailto:)/i;

  /* What the box starts with: the stored body (already sanitised by the server), taken apart
     in an inert template and pruned again to the same allow-list before it goes live. */
  function prune(node) {
    Array.prototype.slice.call(node.childNodes).forEach(function (child) {
      if (child.nodeType === 3) { return; }
      if (child.nodeType !== 1) { node.removeChild(child); return; }
      prune(child);
      if (!ALLOWED[child.tagName]) {
        while (child.firstChild) { node.insertBefore(child.firstChild, child); }
        node.removeChild(child);
        return;
      }
      Array.prototype.slice.call(child.attributes).forEach(function (attr) {
        var keep = child.tagName === "A" && attr.name === "href" && LINK.test(attr.value.trim());
        if (!keep) { child.removeAttribute(attr.name); }
      });
    });
  }

  function load(box, html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    prune(template.content);
    box.appendChild(template.content);
  }

  function button(label, icon, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-default btn-sm";
    b.title = label;
    b.setAttribute("aria-label", label);
    var i = document.createElement("i");
    i.className = "fa " + icon;
    b.appendChild(i);
    /* mousedown, not click: the box keeps its selection */
    b.addEventListener("mousedown", function (e) { e.preventDefault(); });
    b.addEventListener("click", function (e) { e.preventDefault(); action(); });
    return b;
  }

  function run(box, command, value) {
    box.focus();
    document.execCommand(command, false, value === undefined ? null : value);
  }

  function toggleHeading(box) {
    box.focus();
    var current = String(document.queryCommandValue("formatBlock") || "").toLowerCase();
    document.execCommand("formatBlock", false, current === "h3" ? "<p>" : "<h3>");
  }

  function link(box) {
    var url = window.prompt(words.linkPrompt, "https://");
    if (url === null) { return; }
    url = url.trim();
    if (!LINK.test(url) || url.length < 9) { window.alert(words.linkRefused); return; }
    run(box, "createLink", url);
  }

  function clear(box) {
    run(box, "removeFormat");
    document.execCommand("unlink", false, null);
    document.execCommand("formatBlock", false, "<p>");
  }

  function dress(textarea) {
    if (textarea.dataset.dressed) { return; }
    textarea.dataset.dressed = "1";
    var box = document.createElement("div");
    box.className = "form-control editor-box";
    box.contentEditable = "true";
    box.setAttribute("role", "textbox");
    box.setAttribute("aria-multiline", "true");
    var label = textarea.labels && textarea.labels[0];
    if (label) { box.setAttribute("aria-label", label.textContent.replace(/\s+/g, " ").trim()); }
    box.style.height = "auto";
    box.style.minHeight = "240px";
    box.style.overflowY = "auto";
    load(box, textarea.value);
    if (!box.textContent.trim() && !box.querySelector("li, hr, table")) {
      box.innerHTML = "<p><br></p>";  /* the first line typed is a paragraph, like the rest */
    }

    var bar = document.createElement("div");
    bar.className = "btn-group editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.style.marginBottom = "4px";
    [[words.bold, "fa-bold", function () { run(box, "bold"); }],
     [words.italic, "fa-italic", function () { run(box, "italic"); }],
     [words.underline, "fa-underline", function () { run(box, "underline"); }],
     [words.bullets, "fa-list-ul", function () { run(box, "insertUnorderedList"); }],
     [words.numbers, "fa-list-ol", function () { run(box, "insertOrderedList"); }],
     [words.heading, "fa-header", function () { toggleHeading(box); }],
     [words.link, "fa-link", function () { link(box); }],
     [words.clear, "fa-eraser", function () { clear(box); }]
    ].forEach(function (b) { bar.appendChild(button(b[0], b[1], b[2])); });

    var barLine = document.createElement("div");  /* the toolbar on a line of its own */
    barLine.appendChild(bar);
    textarea.parentNode.insertBefore(barLine, textarea);
    textarea.parentNode.insertBefore(box, textarea);
    textarea.style.display = "none";
    var label = document.querySelector("label[for='" + textarea.id + "']");
    if (label) { label.addEventListener("click", function () { box.focus(); }); }

    var form = textarea.form;
    if (form) {
      form.addEventListener("submit", function () {
        textarea.value = box.innerHTML;
        var format = form.querySelector("input[name=body_format]");
        if (!format) {
          format = document.createElement("input");
          format.type = "hidden";
          format.name = "body_format";
          form.appendChild(format);
        }
        format.value = "html";
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* old */ }
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-editor]"), dress);
  });
})();
