/*
 * Nobody is logged in on this page (base.html loads this file only then, so also right after
 * logging out): forget the canvass pages the service worker saved for use without signal
 * (INQ-5). They show addresses, door statuses and leads; on a shared phone the next person must
 * not open them. What goes:
 *
 * - the saved pages of canvass-sw.js (caches "sv-canvass-pages-*": route pages, door forms,
 *   route bundles, the offline page) — the static files ("sv-canvass-assets-*") hold nothing
 *   personal and stay;
 * - the list of saved routes in IndexedDB ("samenveilig-canvass", store "routes").
 *
 * What stays: the queue of visits not yet sent (store "queue"). Each item belongs to the
 * canvasser who made it and is sent when that canvasser logs in again; deleting it would lose
 * answers given at the door (INQ-5: nothing lost). That is also why the logout does not answer
 * with `Clear-Site-Data: "storage"`: it would wipe that queue (and unregister every service
 * worker of the site, the Web Push one of the alerts too); `"cache"` alone does not reach the
 * service worker's caches.
 */
(function () {
  "use strict";

  // A saved canvass page itself (the offline page may have been saved without a session) is
  // what must stay usable without signal: never forget from there.
  if (document.getElementById("canvass")) return;

  var PAGES_PREFIX = "sv-canvass-pages-";
  var DB_NAME = "samenveilig-canvass";

  function forgetPages() {
    if (!("caches" in window)) return Promise.resolve(0);
    return caches.keys().then(function (names) {
      var mine = names.filter(function (name) {
        return name.indexOf(PAGES_PREFIX) === 0;
      });
      return Promise.all(
        mine.map(function (name) {
          return caches.delete(name);
        })
      ).then(function () {
        return mine.length;
      });
    });
  }

  function forgetRoutes() {
    if (!("indexedDB" in window)) return Promise.resolve();
    return new Promise(function (resolve) {
      var request;
      try {
        request = indexedDB.open(DB_NAME);
      } catch (error) {
        resolve();
        return;
      }
      // No database yet: do not create an empty one (canvass.js creates it with its stores).
      request.onupgradeneeded = function () {
        request.transaction.abort();
      };
      request.onerror = function (event) {
        if (event && event.preventDefault) event.preventDefault();
        resolve();
      };
      request.onblocked = function () {
        resolve();
      };
      request.onsuccess = function () {
        var database = request.result;
        if (!database.objectStoreNames.contains("routes")) {
          database.close();
          resolve();
          return;
        }
        var transaction = database.transaction("routes", "readwrite");
        transaction.objectStore("routes").clear();
        transaction.oncomplete = transaction.onerror = transaction.onabort = function () {
          database.close();
          resolve();
        };
      };
    });
  }

  Promise.all([forgetPages(), forgetRoutes()])
    .catch(function () {
      return null; // nothing saved, or storage not available: nothing to forget
    })
    .then(function () {
      document.documentElement.setAttribute("data-canvass-forgotten", "yes");
    });
})();
