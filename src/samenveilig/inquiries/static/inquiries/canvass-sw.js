/* Service worker of the canvass pages (INQ-5), served by inquiries:canvass_sw at
 * /buurtonderzoek/sw.js with scope /buurtonderzoek/ (the Web Push worker of the alerts has
 * /signalementen/, so the two never control the same page).
 *
 * - Route pages, door forms and the route bundle (API): network first, the saved copy when
 *   there is no signal. canvass.js asks for a route's pages to be saved ("precache") once the
 *   route page was opened online, so every door form opens without signal afterwards.
 * - Static files (CSS, JS): the saved copy at once, refreshed in the background.
 * - Any other page under the scope without signal: the offline page (which lists saved routes).
 * - POSTs (door forms without JavaScript, the batch sync) are never touched: the queue of
 *   visits lives in IndexedDB (canvass.js), not here.
 */
"use strict";

var VERSION = "v1";
var PREFIX = "sv-canvass-";
var PAGES = PREFIX + "pages-" + VERSION;
var ASSETS = PREFIX + "assets-" + VERSION;
var SCOPE_PATH = new URL(self.registration.scope).pathname; // "/buurtonderzoek/"
var OFFLINE_URL = SCOPE_PATH + "offline/";
var PAGE_RE = new RegExp(
  "^" + SCOPE_PATH + "B-[0-9A-Z]{8}/route/[0-9]{1,6}/(?:deur/[0-9]{1,12}/)?$"
);
var BUNDLE_RE = /^\/api\/v1\/inquiries\/B-[0-9A-Z]{8}\/routes\/[0-9]{1,6}$/;
var STATIC_RE = /^\/static\//;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(PAGES)
      .then(function (cache) {
        return cache.add(new Request(OFFLINE_URL, { credentials: "same-origin" }));
      })
      .catch(function () {
        return null; // installed anyway; the offline page is saved on the next precache
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf(PREFIX) === 0 && name !== PAGES && name !== ASSETS;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function cacheable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}

function offlinePage() {
  return caches.match(OFFLINE_URL, { ignoreVary: true }).then(function (saved) {
    return saved || Response.error();
  });
}

/* Network first; with weak signal ("lie-fi") a saved copy wins after SLOW_MS. */
var SLOW_MS = 6000;

function networkFirst(request, isPage) {
  var network = fetch(request).then(function (response) {
    if (cacheable(response)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) {
        return cache.put(request, copy);
      });
    }
    return response;
  });
  var saved = function () {
    return caches.match(request, { ignoreVary: true });
  };
  var slow = new Promise(function (resolve) {
    setTimeout(function () {
      saved().then(function (copy) {
        if (copy) resolve(copy);
      });
    }, SLOW_MS);
  });
  return Promise.race([network, slow]).catch(function () {
    return saved().then(function (copy) {
      if (copy) return copy;
      return isPage ? offlinePage() : Response.error();
    });
  });
}

function savedFirst(request) {
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (saved) {
      var fresh = fetch(request)
        .then(function (response) {
          if (cacheable(response)) cache.put(request, response.clone());
          return response;
        })
        .catch(function () {
          return saved || Response.error();
        });
      return saved || fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PAGE_RE.test(url.pathname)) {
    event.respondWith(networkFirst(request, request.mode === "navigate"));
  } else if (BUNDLE_RE.test(url.pathname)) {
    event.respondWith(networkFirst(request, false));
  } else if (STATIC_RE.test(url.pathname)) {
    event.respondWith(savedFirst(request));
  } else if (request.mode === "navigate" && url.pathname.indexOf(SCOPE_PATH) === 0) {
    event.respondWith(
      fetch(request).catch(function () {
        return offlinePage();
      })
    );
  }
});

/* Save the given URLs (same origin only), each on its own so one failure does not stop the
 * rest. Pages and the bundle go to the pages cache, /static/ to the assets cache. */
function precache(urls) {
  var done = 0;
  var failed = 0;
  return Promise.all(
    urls.map(function (href) {
      var url = new URL(href, self.location.origin);
      if (url.origin !== self.location.origin) {
        failed += 1;
        return null;
      }
      var request = new Request(url.href, { credentials: "same-origin" });
      var name = STATIC_RE.test(url.pathname) ? ASSETS : PAGES;
      return fetch(request)
        .then(function (response) {
          if (!cacheable(response)) throw new Error("not saved");
          return caches.open(name).then(function (cache) {
            done += 1;
            return cache.put(request, response);
          });
        })
        .catch(function () {
          failed += 1;
        });
    })
  ).then(function () {
    return { done: done, failed: failed };
  });
}

/* Forget every saved page (another person logged in on this phone). */
function forgetPages() {
  return caches.delete(PAGES);
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  var work = null;
  if (data.type === "precache" && Array.isArray(data.urls)) {
    work = precache(data.urls);
  } else if (data.type === "forget") {
    work = forgetPages().then(function () {
      return { done: 0, failed: 0 };
    });
  }
  if (work) {
    event.waitUntil(
      work.then(function (result) {
        if (port) port.postMessage(result);
      })
    );
  }
});
