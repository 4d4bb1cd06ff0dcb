// Học số service worker (elearn/offline/worker.py fills in the __NAMES__, served as /sw.js): keeps the app's files
// and every lesson (and quiz) page this phone opened, so a lesson read once opens with no network; any other
// page that cannot be reached shows the offline page. Written for Chrome 72 (Android, 2019).
"use strict";
var VERSION = __VERSION__;
var SHELL = "hocso-shell-" + VERSION; // the app's files and the offline page: the same for everyone
var PAGES = "hocso-pages-" + VERSION; // lessons (with the visitor's form token) and their pictures
var SHELL_URLS = __SHELL__;
var OFFLINE = __OFFLINE__;
var SIGN = __SIGN__;
var LESSON = /^\/courses\/[a-z0-9-]+\/lessons\/[a-z0-9-]+$/;
var QUIZ = /^\/courses\/[a-z0-9-]+\/quiz$/; // kept too, so a course read offline can be answered offline
var MEDIA = /^\/courses\/[a-z0-9-]+\/media\//;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(SHELL_URLS.concat([OFFLINE]));
  }).then(function () { return self.skipWaiting(); }));
});

// A new release: the caches of the one before go (its lessons pointed at its own files).
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("hocso-") === 0 && name !== SHELL && name !== PAGES;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// Kept lessons belong to who was signed in: gone when anyone signs in or out (shared phones).
function forgetPages() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("hocso-pages-") === 0;
    }).map(function (name) { return caches.delete(name); }));
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data === "signed-out") event.waitUntil(forgetPages());
  else event.waitUntil(Promise.all([keepFiles(data.files), keep(data.keep)]));
});

// The files of a page opened before this worker ran (the first visit), from the browser's cache.
function keepFiles(files) {
  if (!Array.isArray(files)) return Promise.resolve();
  return caches.open(SHELL).then(function (cache) {
    return Promise.all(files.filter(function (file) {
      return typeof file === "string" && file.indexOf("/static/") === 0;
    }).map(function (file) {
      return cache.match(file).then(function (hit) { return hit || cache.add(file); }).catch(function () {});
    }));
  });
}

// A lesson opened before this worker ran: fetched again to be kept.
function keep(path) {
  if (typeof path !== "string" || !LESSON.test(path)) return Promise.resolve();
  return fetch(path, {credentials: "same-origin"}).then(function (response) {
    if (!response.ok || response.redirected) return;
    return caches.open(PAGES).then(function (cache) { return cache.put(path, response); });
  }, function () { /* no network: kept on its next opening */ });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    // Forms go to the server as they always did.
    if (request.mode === "navigate" && SIGN.indexOf(url.pathname) >= 0) event.waitUntil(forgetPages());
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) event.respondWith(fromCache(event, SHELL, true));
  else if (MEDIA.test(url.pathname)) event.respondWith(fromCache(event, PAGES, false));
  else if (request.mode === "navigate") event.respondWith(page(event, url));
});

// Files whose address changes with their content: from the cache, else from the network and kept.
function fromCache(event, name, anyVersion) {
  return caches.open(name).then(function (cache) {
    return cache.match(event.request).then(function (hit) {
      if (hit) return hit;
      return fetch(event.request).then(function (response) {
        var shared = /public|immutable/.test(response.headers.get("Cache-Control") || "") || anyVersion;
        if (response.ok && shared) event.waitUntil(cache.put(event.request, response.clone()));
        return response;
      }, function () {
        return cache.match(event.request, {ignoreSearch: anyVersion}).then(function (old) {
          return old || Response.error();
        });
      });
    });
  });
}

// Pages from the network (always fresh when online); a lesson or quiz is kept each time it opens.
function page(event, url) {
  var kept = LESSON.test(url.pathname) || QUIZ.test(url.pathname);
  return fetch(event.request).then(function (response) {
    if (kept && !url.search && response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      event.waitUntil(caches.open(PAGES).then(function (cache) { return cache.put(url.pathname, copy); }));
    }
    return response;
  }, function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(url.pathname, {ignoreVary: true});
    }).then(function (hit) {
      if (hit && QUIZ.test(url.pathname)) return newAttempt(hit);
      return hit || caches.match(OFFLINE, {ignoreVary: true});
    }).then(function (hit) {
      return hit || Response.error();
    });
  });
}

// A kept quiz opened offline is a new attempt: a key of its own (the server counts one attempt per
// key), as the server gives each quiz page it sends.
function newAttempt(response) {
  return response.text().then(function (html) {
    var bytes = self.crypto.getRandomValues(new Uint8Array(24));
    var key = btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_");
    return new Response(html.replace(/(name="idempotency_key" type="hidden" value=")[^"]*/, "$1" + key),
                        {headers: {"Content-Type": "text/html; charset=utf-8"}});
  });
}
