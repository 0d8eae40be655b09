/* The help chat (ติดต่อเจ้าหน้าที่): messages arrive without reloading the page.

   A conversation page (#chat: the user's page, or an administrator's page of one conversation)
   asks every few seconds for the messages after the last one it shows
   (GET /help/poll?conversation=<id>&after=<id>, JSON) and appends them; the form is sent with
   fetch (the CSRF token in the X-CSRFToken header) and the page asks again at once. The inbox
   (#chat-inbox) fetches its rows again every few seconds. Text is only ever put in with
   textContent: what people type is never read as HTML. After a while without anyone at the
   keyboard the page stops asking (the polls never count as the user's activity on the server:
   see app/security.py BACKGROUND_ENDPOINTS; this spares the server) and starts again at the
   first movement. The words come from the
   attributes of #chat, in the page's language. */
(function () {
  "use strict";

  var EVERY = 4000;            // ms between polls while the page is looked at
  var EVERY_HIDDEN = 20000;    // ... while it is in a background tab
  var INBOX_EVERY = 8000;
  var IDLE_AFTER = 15 * 60 * 1000;

  var lastActivity = Date.now();
  var paused = false;
  var resumers = [];

  function active() {
    lastActivity = Date.now();
    if (paused) {
      paused = false;
      resumers.forEach(function (resume) { resume(); });
    }
  }
  ["mousemove", "keydown", "click", "scroll", "touchstart", "focus"].forEach(function (name) {
    window.addEventListener(name, active, { passive: true });
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { active(); }
  });

  function idle() {
    return Date.now() - lastActivity > IDLE_AFTER;
  }

  function delay() {
    return document.hidden ? EVERY_HIDDEN : EVERY;
  }

  // The "administrator online" line of the page, kept true as administrators come and go.
  function showOnline(online) {
    var on = document.getElementById("admin-online");
    var off = document.getElementById("admin-offline");
    if (!on || !off || typeof online !== "boolean") { return; }
    on.classList.toggle("hidden", !online);
    off.classList.toggle("hidden", online);
  }

  function isJson(response) {
    var type = response.headers.get("Content-Type") || "";
    return type.indexOf("application/json") !== -1 && !response.redirected;
  }

  // ---- a conversation ------------------------------------------------------------------------

  function Conversation(root) {
    this.root = root;
    this.words = root.dataset;
    this.list = root.querySelector("#chat-messages");
    this.form = root.querySelector("#chat-form");
    this.error = root.querySelector("#chat-error");
    this.closedNote = root.querySelector("#chat-closed");
    this.id = root.dataset.conversation || "";
    this.after = parseInt(root.dataset.after || "0", 10) || 0;
    this.shown = {};
    this.busy = false;
    this.timer = null;
    this.stopped = false;
    var self = this;
    Array.prototype.forEach.call(this.list.querySelectorAll("[data-id]"), function (li) {
      self.shown[li.dataset.id] = true;
    });
    this.scroll();
    if (this.form) {
      this.form.addEventListener("submit", function (event) {
        event.preventDefault();
        self.send();
      });
      var box = this.form.querySelector("textarea");
      box.addEventListener("keydown", function (event) {
        // Enter sends; Shift+Enter starts a new line.
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          self.send();
        }
      });
    }
    resumers.push(function () { self.schedule(0); });
    this.schedule(delay());
  }

  Conversation.prototype.scroll = function () {
    this.list.scrollTop = this.list.scrollHeight;
  };

  Conversation.prototype.say = function (text) {
    if (this.error) { this.error.textContent = text || ""; }
  };

  Conversation.prototype.stop = function (text) {
    this.stopped = true;
    clearTimeout(this.timer);
    this.say(text);
  };

  Conversation.prototype.schedule = function (ms) {
    var self = this;
    clearTimeout(this.timer);
    if (this.stopped) { return; }
    this.timer = setTimeout(function () { self.poll(); }, ms);
  };

  Conversation.prototype.append = function (m) {
    if (this.shown[m.id]) { return; }
    this.shown[m.id] = true;
    var empty = this.list.querySelector(".chat-empty");
    if (empty) { empty.parentNode.removeChild(empty); }
    var li = document.createElement("li");
    li.className = "chat-message" + (m.mine ? " chat-mine" : "") + (m.from_admin ? " chat-admin" : "");
    li.id = "message-" + m.id;
    li.dataset.id = String(m.id);
    var meta = document.createElement("div");
    meta.className = "chat-meta";
    var sender = document.createElement("strong");
    sender.className = "chat-sender";
    sender.textContent = m.sender;
    meta.appendChild(sender);
    if (m.from_admin) {
      meta.appendChild(document.createTextNode(" "));
      var label = document.createElement("span");
      label.className = "label label-primary";
      label.textContent = this.words.adminLabel;
      meta.appendChild(label);
    }
    meta.appendChild(document.createTextNode(" "));
    var time = document.createElement("span");
    time.className = "chat-time text-muted";
    time.textContent = m.at;
    meta.appendChild(time);
    var body = document.createElement("div");
    body.className = "chat-body";
    body.textContent = m.body;
    li.appendChild(meta);
    li.appendChild(body);
    // Messages come in id order; one that overtook another is put in its place.
    var next = null;
    Array.prototype.some.call(this.list.querySelectorAll("[data-id]"), function (other) {
      if (parseInt(other.dataset.id, 10) > m.id) { next = other; return true; }
      return false;
    });
    this.list.insertBefore(li, next);
    if (m.id > this.after) { this.after = m.id; }
  };

  Conversation.prototype.status = function (status) {
    var closed = status === "closed";
    if (this.closedNote) { this.closedNote.style.display = closed ? "" : "none"; }
    if (closed && this.root.dataset.side === "admins") {
      // Another administrator closed it: nothing more to answer here.
      Array.prototype.forEach.call(this.root.querySelectorAll("form"), function (form) {
        form.style.display = "none";
      });
    }
  };

  Conversation.prototype.switchTo = function (id) {
    // The user's earlier conversation was closed: their message opened a new one.
    if (String(id) === String(this.id)) { return; }
    this.id = String(id);
    this.after = 0;
    this.shown = {};
    while (this.list.firstChild) { this.list.removeChild(this.list.firstChild); }
    var hidden = this.form && this.form.querySelector("input[name=conversation]");
    if (hidden) { hidden.value = this.id; }
  };

  Conversation.prototype.poll = function () {
    var self = this;
    if (!this.id || this.busy) { this.schedule(delay()); return; }
    if (idle()) { paused = true; this.say(this.words.wordPaused); return; }
    this.busy = true;
    var url = this.root.dataset.pollUrl + "?conversation=" + encodeURIComponent(this.id) +
      "&after=" + encodeURIComponent(this.after);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401 || !isJson(response)) { throw new Error("login"); }
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        self.busy = false;
        if (!result.ok) { self.schedule(delay() * 2); return; }
        if (String(result.data.conversation) !== String(self.id)) { self.schedule(delay()); return; }
        var before = self.after;
        result.data.messages.forEach(function (m) { self.append(m); });
        self.status(result.data.status);
        showOnline(result.data.admin_online);
        if (self.after !== before) { self.scroll(); }
        if (self.error && self.error.textContent === self.words.wordPaused) { self.say(""); }
        self.schedule(delay());
      })
      .catch(function (error) {
        self.busy = false;
        if (error && error.message === "login") { self.stop(self.words.wordLogin); return; }
        self.schedule(delay() * 2);  // the network: try again, later
      });
  };

  Conversation.prototype.send = function () {
    var self = this;
    var box = this.form.querySelector("textarea");
    if (!box.value.trim()) { box.focus(); return; }
    var button = this.form.querySelector("button[type=submit]");
    button.disabled = true;
    this.say("");
    fetch(this.form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": this.root.dataset.csrf },
      body: new FormData(this.form)
    })
      .then(function (response) {
        if (response.status === 401 || !isJson(response)) { throw new Error("login"); }
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        button.disabled = false;
        if (!result.ok) { self.say(result.data.error || result.data.message || self.words.wordError); return; }
        box.value = "";
        self.switchTo(result.data.conversation);
        self.append(result.data.message);
        self.status(result.data.status);
        self.scroll();
        self.schedule(0);  // and whatever came meanwhile
      })
      .catch(function (error) {
        button.disabled = false;
        self.say(error && error.message === "login" ? self.words.wordLogin : self.words.wordError);
      });
  };

  // ---- the administrators' inbox -------------------------------------------------------------

  function Inbox(table) {
    var rows = table.querySelector("#chat-inbox-rows");
    var url = table.dataset.rowsUrl;
    var timer = null;
    var stopped = false;

    function schedule(ms) {
      clearTimeout(timer);
      if (!stopped) { timer = setTimeout(refresh, ms); }
    }

    function refresh() {
      if (idle()) { paused = true; return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.redirected || !response.ok) { stopped = true; return null; }
          return response.text();
        })
        .then(function (html) {
          // Drawn and escaped by the server (app/templates/chat/_inbox_rows.html).
          if (html !== null) { rows.innerHTML = html; }
          schedule(document.hidden ? EVERY_HIDDEN : INBOX_EVERY);
        })
        .catch(function () { schedule(INBOX_EVERY * 2); });
    }

    resumers.push(function () { schedule(0); });
    schedule(INBOX_EVERY);
  }

  var root = document.getElementById("chat");
  if (root) { new Conversation(root); }
  var inbox = document.getElementById("chat-inbox");
  if (inbox) { new Inbox(inbox); }
}());
