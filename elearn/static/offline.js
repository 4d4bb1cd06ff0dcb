// Comfort only: every page works without it. Installs the service worker (elearn/offline/templates/offline/sw.js) that
// keeps opened lessons for reading offline, and keeps what is sent with no network ("read, next"
// and quiz answers, marked data-offline on their form) to send it, once, when the network is back.
// Written for Chrome 72 (Android phones from 2019): no optional chaining, no nullish coalescing.
(function () {
  "use strict";
  var script = document.currentScript;
  var OUTBOX = "hocso-outbox";
  var workers = "serviceWorker" in navigator ? navigator.serviceWorker : null;

  if (workers && script && navigator.onLine !== false) {
    var controlled = !!workers.controller;
    window.addEventListener("load", function () {
      workers.register(script.getAttribute("data-sw"), {scope: script.getAttribute("data-scope")}).then(function () {
        return workers.ready;
      }).then(function (registration) {
        // The first page, opened before the worker ran: its files are kept, and the page if a lesson.
        if (!controlled && registration.active) {
          var files = [];
          var links = document.querySelectorAll("link[href], script[src]");
          for (var i = 0; i < links.length; i++) files.push(links[i].getAttribute("href") || links[i].getAttribute("src"));
          registration.active.postMessage({files: files, keep: document.querySelector("form[data-offline=read]") ? location.pathname : null});
        }
      }).catch(function () { /* no offline reading: the site works as before */ });
    });
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }
  function store(items) {
    try {
      if (items.length) localStorage.setItem(OUTBOX, JSON.stringify(items));
      else localStorage.removeItem(OUTBOX);
      return true;
    } catch (e) { return false; }
  }
  function pageToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }
  // A form token starts with its session's part: another one means someone signed in or out since.
  function sessionOf(token) { return String(token || "").split(".")[0]; }
  function show(selector) {
    var notice = document.querySelector(selector);
    if (notice) {
      notice.hidden = false;
      notice.focus();
    }
  }

  function fields(form) {
    var pairs = [];
    for (var i = 0; i < form.elements.length; i++) {
      var field = form.elements[i];
      if (!field.name || field.disabled || field.name === "csrf_token" || /^(submit|button|file)$/.test(field.type)) continue;
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) continue;
      pairs.push(encodeURIComponent(field.name) + "=" + encodeURIComponent(field.value));
    }
    return pairs.join("&");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (script && form.getAttribute("action") === script.getAttribute("data-sign-out")) {
      // A shared phone: nothing of this person stays on it.
      store([]);
      if (workers && workers.controller) workers.controller.postMessage("signed-out");
      return;
    }
    var kind = form.getAttribute("data-offline");
    if (!kind || navigator.onLine !== false || event.defaultPrevented) return;
    var item = {kind: kind, action: form.action, body: fields(form), token: pageToken(), tries: 0,
                next: form.getAttribute("data-next") || "", key: form.elements.idempotency_key ? form.elements.idempotency_key.value : ""};
    // The same form sent twice while offline is kept once (the quiz's key keeps it one attempt on the server too).
    var items = load().filter(function (kept) { return kept.action !== item.action || kept.kind !== kind; });
    items.push(item);
    if (!store(items)) return; // nowhere to keep it: sent as before
    event.preventDefault();
    if (kind === "read" && item.next) location.href = item.next;
    else show("[data-offline-saved]");
  });

  var sending = false;
  function sendAll() {
    if (sending || navigator.onLine === false || !pageToken()) return;
    sending = true;
    sendNext().then(function () { sending = false; }, function () {
      sending = false;
      setTimeout(sendAll, 5000); // the network said it was back too soon: again in a moment
    });
  }

  function sendNext() {
    var items = load();
    var item = items[0];
    if (!item) return Promise.resolve();
    var token = pageToken();
    if (sessionOf(token) !== sessionOf(item.token)) {
      store(items.slice(1)); // another person's, or a session that ended: never sent as someone else
      return sendNext();
    }
    return fetch(item.action, {
      method: "POST", credentials: "same-origin", body: item.body + "&csrf_token=" + encodeURIComponent(token),
      headers: {"Content-Type": "application/x-www-form-urlencoded"}
    }).then(function (response) {
      var where = new URL(response.url).pathname;
      var done = response.ok && response.redirected &&
        (item.kind === "quiz" ? /\/quiz\/attempts\/[0-9]+$/.test(where) : where === new URL(item.next, location.href).pathname);
      var here = document.querySelector("form[data-offline=quiz]");
      here = here && here.action === item.action;
      items = load().filter(function (kept) { return kept.action !== item.action || kept.kind !== item.kind; });
      if (!done && ++item.tries < 3 && !(here && item.kind === "quiz")) {
        items.unshift(item);
        store(items);
        return; // tried again on the next page
      }
      store(items);
      if (here && item.kind === "quiz") {
        if (done) location.href = response.url;
        else {
          document.querySelector("[data-offline-saved]").hidden = true;
          show("[data-offline-failed]");
        }
        return;
      }
      return sendNext();
    });
  }

  window.addEventListener("online", sendAll);
  sendAll();

  // The offline page: the lessons kept on this phone, to read while there is no network.
  var saved = document.querySelector("[data-saved-lessons]");
  if (saved) {
    window.addEventListener("online", whenBack);
    // Shown in place of a page that could not be fetched: try that page again (not /offline itself).
    if (location.pathname !== script.getAttribute("data-page")) whenBack();
  }
  if (saved && window.caches) {
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("hocso-pages-") === 0; })
        .map(function (name) { return caches.open(name).then(listLessons); }));
    });
  }
  // "online" can come before the network carries anything, and a reload then would show this page
  // again with nothing left to wake it: look first, and keep looking (5 s, then longer) until it works.
  var waiting = null, wait = 5000;
  function whenBack() {
    var probe = script && script.getAttribute("data-probe");
    if (waiting || !probe || navigator.onLine === false) return;
    fetch(probe, {cache: "no-store", credentials: "same-origin"})
      .then(function (response) { if (response.ok) location.reload(); else later(); }, later);
  }
  function later() {
    waiting = setTimeout(function () { waiting = null; whenBack(); }, wait);
    wait = Math.min(wait * 2, 60000);
  }

  function listLessons(cache) {
    return cache.keys().then(function (requests) {
      requests.forEach(function (request) {
        if (!/\/lessons\/[a-z0-9-]+$/.test(request.url)) return;
        cache.match(request).then(function (response) { return response.text(); }).then(function (html) {
          var title = new DOMParser().parseFromString(html, "text/html").querySelector("h1");
          var link = document.createElement("a");
          link.href = request.url;
          link.textContent = title ? title.textContent : request.url;
          var row = document.createElement("li");
          row.appendChild(link);
          saved.querySelector("ul").appendChild(row);
          saved.hidden = false;
        });
      });
    });
  }
}());
