// Every page's times in the reader's zone; on a room page, the live chat:
// WebSocket with reconnect, catch-up after a gap, and a de-duplicated,
// id-ordered message list. Everything from the network is written with
// textContent and DOM nodes, never as HTML. The page passes its data in data-*.
(function () {
  "use strict";

  // The server writes UTC ("14:03 UTC"); the reader gets their own zone, named.
  var CLOCK = { hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
  var TODAY = new Intl.DateTimeFormat([], CLOCK);
  var THIS_YEAR = new Intl.DateTimeFormat([], Object.assign({ day: "numeric", month: "short" }, CLOCK));
  var OTHER_YEAR = new Intl.DateTimeFormat([], Object.assign({ day: "numeric", month: "short", year: "numeric" }, CLOCK));
  var FULL = new Intl.DateTimeFormat([], { dateStyle: "full", timeStyle: "long" });

  function localiseTime(el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when)) return;
    var now = new Date();
    var format = when.toDateString() === now.toDateString() ? TODAY
      : when.getFullYear() === now.getFullYear() ? THIS_YEAR : OTHER_YEAR;
    el.textContent = format.format(when);
    el.title = FULL.format(when);
  }

  Array.prototype.forEach.call(document.querySelectorAll("time[datetime]"), localiseTime);

  var root = document.getElementById("chat");
  if (!root) return;

  var wsPath = root.dataset.wsPath;
  var historyPath = root.dataset.historyPath;
  var filesPrefix = root.dataset.filesPrefix;
  var me = root.dataset.me;
  var list = document.getElementById("messages");
  var empty = document.getElementById("messages-empty");
  var scroller = list.parentElement;
  var statusEl = document.getElementById("chat-status");
  var presenceEl = document.getElementById("presence");
  var presenceNews = document.getElementById("presence-news");
  var errorEl = document.getElementById("chat-error");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-body");
  var hint = document.getElementById("chat-hint");

  var BACKOFF_BASE_MS = 500;
  var BACKOFF_CAP_MS = 15000;
  var PING_MS = 25000;
  var CATCH_UP_PAGES = 50;

  var seen = new Set();       // message ids on screen
  var lastId = Number(root.dataset.lastId) || 0;
  var outbox = new Map();     // client_id -> body, until the server echoes it
  var present = null;         // who the last presence frame listed (null before the first)
  var socket = null;
  var attempt = 0;
  var pingTimer = null;
  var ended = false;

  Array.prototype.forEach.call(list.children, function (item) {
    seen.add(Number(item.dataset.id));
  });
  scrollToEnd(true);

  // Enter sends only here, so the hint is only shown (and described) here.
  hint.hidden = false;
  input.setAttribute("aria-describedby",
    ((input.getAttribute("aria-describedby") || "") + " chat-hint").trim());

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function showError(text) {
    errorEl.textContent = text;
    errorEl.classList.toggle("is-hidden", !text);
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }

  function scrollToEnd(force) {
    if (force || nearBottom()) scroller.scrollTop = scroller.scrollHeight;
  }

  // The same links as the server's linkify filter (web/templating.py): http and
  // https URLs, and /files/<id>; everything else stays text.
  var LINK = /(https?:\/\/)[^\s<>"'`]+|\/files\/([0-9]+)\b/g;
  var TRAILING = ".,;:!?)]}";

  function count(text, char) {
    return text.split(char).length - 1;
  }

  // Sentence punctuation after a URL is not part of it, nor a ")" it never opened.
  function linkEnd(url) {
    var end = url.length;
    var opened = count(url, "(");
    var closed = count(url, ")");
    while (end && TRAILING.indexOf(url[end - 1]) !== -1) {
      if (url[end - 1] === ")") {
        if (opened >= closed) break;
        closed -= 1;
      }
      end -= 1;
    }
    return end;
  }

  // The body as text nodes and anchors built with DOM calls, never parsed as HTML.
  function renderBody(target, body) {
    var last = 0;
    var match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(body)) !== null) {
      var start = match.index;
      var end = LINK.lastIndex;
      var link = document.createElement("a");
      if (match[1]) {
        end = start + linkEnd(match[0]);
        if (end - start <= match[1].length) continue;
        link.href = body.slice(start, end);
        link.rel = "noopener nofollow ugc";
      } else {
        link.href = filesPrefix + match[2];
      }
      link.textContent = body.slice(start, end);
      target.appendChild(document.createTextNode(body.slice(last, start)));
      target.appendChild(link);
      last = end;
    }
    target.appendChild(document.createTextNode(body.slice(last)));
  }

  function avatarClass(name) {
    return "avatar avatar--" + (Array.from(name).length % 6);
  }

  function buildMessage(message) {
    var item = document.createElement("li");
    item.className = "message" + (message.user === me ? " message--mine" : "");
    item.dataset.id = String(message.id);

    var avatar = document.createElement("span");
    avatar.className = avatarClass(message.user);
    avatar.setAttribute("aria-hidden", "true");
    avatar.textContent = Array.from(message.user)[0].toUpperCase();

    var main = document.createElement("div");
    main.className = "message__main";
    var meta = document.createElement("p");
    meta.className = "message__meta";
    var user = document.createElement("span");
    user.className = "message__user";
    user.textContent = message.user;
    var time = document.createElement("time");
    time.className = "message__time";
    time.setAttribute("datetime", message.created_at);
    time.title = message.created_at;
    localiseTime(time);
    meta.append(user, " ", time);
    var body = document.createElement("p");
    body.className = "message__body";
    renderBody(body, message.body);
    main.append(meta, body);

    item.append(avatar, main);
    return item;
  }

  // Insert in id order, once: live frames and catch-up pages may overlap.
  function addMessage(message) {
    if (typeof message.id !== "number" || seen.has(message.id)) return;
    seen.add(message.id);
    if (message.id > lastId) lastId = message.id;
    if (message.client_id) outbox.delete(message.client_id);
    var stick = nearBottom() || message.user === me;
    var item = buildMessage(message);
    var after = list.lastElementChild;
    while (after && Number(after.dataset.id) > message.id) after = after.previousElementSibling;
    if (after) after.after(item); else list.prepend(item);
    empty.classList.add("is-hidden");
    scrollToEnd(stick);
  }

  function names(list) {
    return list.length <= 3 ? list.join(", ") : list.length + " people";
  }

  // One short sentence for the live region ("alice joined"), never the whole list.
  function announcePresence(users) {
    var now = new Set(users);
    var before = present;
    present = now;
    if (before === null) return;
    var joined = users.filter(function (name) { return !before.has(name) && name !== me; });
    var left = Array.from(before).filter(function (name) { return !now.has(name) && name !== me; });
    var news = [];
    if (joined.length) news.push(names(joined) + " joined");
    if (left.length) news.push(names(left) + " left");
    if (news.length) presenceNews.textContent = news.join(", ") + ".";
  }

  function showPresence(users) {
    announcePresence(users);
    presenceEl.textContent = "";
    var label = document.createElement("span");
    label.textContent = users.length === 1 ? "1 here:" : users.length + " here:";
    presenceEl.appendChild(label);
    users.forEach(function (name) {
      var chip = document.createElement("span");
      chip.className = "presence__user";
      chip.textContent = name;
      presenceEl.appendChild(chip);
    });
  }

  // Fetch every message newer than what is on screen, page by page.
  function catchUp() {
    var pages = 0;
    function page(after) {
      var url = historyPath + "?after=" + encodeURIComponent(after) + "&limit=100";
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("history answered " + response.status);
          return response.json();
        })
        .then(function (data) {
          (data.items || []).forEach(addMessage);
          pages += 1;
          if (data.next_after != null && pages < CATCH_UP_PAGES) return page(data.next_after);
          return null;
        });
    }
    return page(lastId).catch(function () {
      showError("Some earlier messages could not be loaded; reload the page to see them.");
    });
  }

  function send(clientId, body) {
    socket.send(JSON.stringify({ type: "message", body: body, client_id: clientId }));
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    setStatus("connecting", attempt ? "Reconnecting…" : "Connecting…");
    socket = new WebSocket(scheme + window.location.host + wsPath);

    socket.addEventListener("open", function () {
      attempt = 0;
      setStatus("open", "Live");
      showError("");
      pingTimer = window.setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, PING_MS);
      // Resend what was not confirmed (the server stores a client_id once), then fill the gap.
      outbox.forEach(function (body, clientId) { send(clientId, body); });
      catchUp();
    });

    socket.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (err) { return; }
      if (frame.type === "message") addMessage(frame);
      else if (frame.type === "presence") showPresence(frame.users || []);
      else if (frame.type === "error") showError(frame.message || "The message was not sent.");
    });

    socket.addEventListener("close", function (event) {
      window.clearInterval(pingTimer);
      if (event.code === 4401) {
        ended = true;
        setStatus("ended", "Logged out");
        showError("You were logged out. Log in again to keep chatting.");
        return;
      }
      scheduleReconnect();
    });
  }

  // Exponential backoff with full jitter, so a restarted server is not stampeded.
  function scheduleReconnect() {
    if (ended) return;
    var ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * Math.pow(2, attempt));
    var delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2);
    attempt += 1;
    setStatus("closed", "Offline, retrying in " + Math.ceil(delay / 1000) + " s");
    window.setTimeout(connect, delay);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body) return;
    var clientId = randomId();
    outbox.set(clientId, body);
    if (socket && socket.readyState === WebSocket.OPEN) send(clientId, body);
    else showError("Offline: your message will be sent when the connection is back.");
    input.value = "";
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  connect();
})();
