/*
 * The canvass on a phone, also without signal (INQ-5). Loaded by the route page, the door form
 * and the offline page (inquiries/canvass_*.html); its settings and sentences come from the
 * page's data-config (JSON, no inline script: the CSP forbids them).
 *
 * - Door form: the submit (after form.js found the answers complete) is not sent to the server
 *   but put into a queue on the phone (IndexedDB "samenveilig-canvass", store "queue"):
 *   {key, user, stop, questionnaire_id, answers, visited_at, …} with a fresh idempotency key,
 *   then the route page opens. The answers are read from the fields by the names the server's
 *   renderer gives them (q/conversation/persons[2]/person_age), so they equal what a POST gives.
 * - The queue is sent to the batch endpoint (inquiries.api) on page load, when the phone comes
 *   back online and with "Send now", in batches of BATCH. An item leaves the queue only when the
 *   server answers stored or already_stored; a refused item stays, with the server's messages,
 *   until the canvasser corrects it (the door form opens filled in, the messages at the fields)
 *   or removes it. The idempotency key makes a resend harmless: nothing is stored twice.
 * - Route page: registers the service worker (canvass-sw.js) and asks it to save the route
 *   page, every door form, the route bundle and the static files, so they open without signal.
 * - Without IndexedDB (or JavaScript) the door form is posted to the server as usual. So is a
 *   visit with a newly chosen photo (image question), which the queue cannot hold; offline the
 *   canvasser is asked to wait for signal or remove the photo.
 */
(function () {
  "use strict";

  var root = document.getElementById("canvass");
  if (!root) return;
  var cfg = JSON.parse(root.dataset.config || "{}");
  var T = cfg.text || {};
  var mode = root.dataset.canvass; // "route", "door" or "offline"
  var DB_NAME = "samenveilig-canvass";
  var DB_VERSION = 1;
  var BATCH = 50;
  var PREFIX = "q/";
  var FLASH = "sv-canvass-saved";
  var hasDb = "indexedDB" in window;

  document.querySelectorAll("[data-canvass-nojs]").forEach(function (element) {
    element.hidden = true;
  });

  // --- IndexedDB ------------------------------------------------------------------------------

  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var database = request.result;
          if (!database.objectStoreNames.contains("queue")) {
            database.createObjectStore("queue", { keyPath: "key" }).createIndex("user", "user");
          }
          if (!database.objectStoreNames.contains("routes")) {
            database.createObjectStore("routes", { keyPath: "url" });
          }
          if (!database.objectStoreNames.contains("meta")) {
            database.createObjectStore("meta");
          }
        };
        request.onsuccess = function () {
          resolve(request.result);
        };
        request.onerror = function () {
          reject(request.error);
        };
      });
    }
    return dbPromise;
  }

  /** Run ``work(store)`` in one transaction; resolves with the result of the request it returns. */
  function inStore(name, access, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(name, access);
        var request = work(transaction.objectStore(name));
        transaction.oncomplete = function () {
          resolve(request ? request.result : undefined);
        };
        transaction.onerror = function () {
          reject(transaction.error);
        };
        transaction.onabort = function () {
          reject(transaction.error);
        };
      });
    });
  }

  function myItems() {
    if (!hasDb || cfg.user === null || cfg.user === undefined) return Promise.resolve([]);
    return inStore("queue", "readonly", function (store) {
      return store.index("user").getAll(cfg.user);
    }).then(function (items) {
      return (items || []).sort(function (a, b) {
        return a.created - b.created;
      });
    });
  }

  function putItem(item) {
    return inStore("queue", "readwrite", function (store) {
      return store.put(item);
    });
  }

  function deleteItem(key) {
    return inStore("queue", "readwrite", function (store) {
      return store.delete(key);
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return "web-" + crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return (
      "web-" +
      Array.prototype.map
        .call(bytes, function (b) {
          return ("0" + b.toString(16)).slice(-2);
        })
        .join("")
    );
  }

  // --- sentences ------------------------------------------------------------------------------

  function plural(forms, n) {
    var text = (forms && (n === 1 ? forms.one : forms.other)) || "";
    return text.replace("{n}", String(n));
  }

  var flash = ""; // "Saved on this phone. <address>" after a door form, kept above the state

  function say(text) {
    var state = root.querySelector("[data-queue-state]");
    if (state) state.textContent = [flash, text].filter(Boolean).join(" ");
  }

  // --- answers from the door form ---------------------------------------------------------------

  function parsePath(path) {
    var steps = [];
    var parts = path.split("/");
    for (var i = 0; i < parts.length; i += 1) {
      var match = /^([^[\]@]+)(?:\[([0-9]{1,3})\])?$/.exec(parts[i]);
      if (!match) return null;
      steps.push({ name: match[1], index: match[2] ? Number(match[2]) : 0 });
    }
    return steps;
  }

  /** The nested answers, as questionnaires.rendering.answers_from_post reads a POST. */
  function answersFromForm(form) {
    var answers = {};
    var multiple = new Set();
    form.querySelectorAll(".q-question[data-type=select_multiple] input").forEach(function (input) {
      multiple.add(input.name);
    });
    new FormData(form).forEach(function (value, name) {
      if (name.indexOf(PREFIX) !== 0 || name.indexOf("@") !== -1) return;
      var path = name.slice(PREFIX.length);
      if (path.charAt(0) === "_") return; // the update and repeat buttons
      var steps = parsePath(path);
      if (!steps) return;
      var here = answers;
      for (var i = 0; i < steps.length - 1; i += 1) {
        var step = steps[i];
        if (step.index) {
          if (!Array.isArray(here[step.name])) here[step.name] = [];
          var list = here[step.name];
          while (list.length < step.index) list.push({});
          here = list[step.index - 1];
        } else {
          var inner = here[step.name];
          if (!inner || typeof inner !== "object" || Array.isArray(inner)) here[step.name] = {};
          here = here[step.name];
        }
      }
      var last = steps[steps.length - 1].name;
      var text = String(value);
      if (multiple.has(name)) {
        if (!Array.isArray(here[last])) here[last] = [];
        if (text.trim()) here[last].push(text.trim());
      } else {
        here[last] = text;
      }
    });
    return answers;
  }

  /** [path, value] pairs of nested answers, entries of a repeat numbered from 1. */
  function flatten(answers, prefix, out) {
    Object.keys(answers || {}).forEach(function (name) {
      var value = answers[name];
      var path = prefix + name;
      if (Array.isArray(value) && value.length && value[0] && typeof value[0] === "object") {
        value.forEach(function (entry, i) {
          flatten(entry, path + "[" + (i + 1) + "]/", out);
        });
      } else if (value && typeof value === "object" && !Array.isArray(value)) {
        flatten(value, path + "/", out);
      } else {
        out.push([path, value]);
      }
    });
    return out;
  }

  function byName(form, name) {
    return form.querySelectorAll('[name="' + name.replace(/["\\]/g, "\\$&") + '"]');
  }

  /** Put answers back into the fields; repeated so entries form.js adds get filled too. */
  function fillForm(form, answers) {
    var pairs = flatten(answers, "", []);
    var questionnaire = form.querySelector("[data-q-form]");
    for (var round = 0; round < 4; round += 1) {
      var missing = 0;
      pairs.forEach(function (pair) {
        var inputs = byName(form, PREFIX + pair[0]);
        if (!inputs.length) {
          missing += 1;
          return;
        }
        var values = Array.isArray(pair[1])
          ? pair[1].map(String)
          : [pair[1] === null || pair[1] === undefined ? "" : String(pair[1])];
        inputs.forEach(function (input) {
          if (input.type === "radio" || input.type === "checkbox") {
            input.checked = values.indexOf(input.value) !== -1;
          } else {
            input.value = values[0];
          }
        });
      });
      if (questionnaire) questionnaire.dispatchEvent(new Event("input", { bubbles: true }));
      if (!missing) break;
    }
  }

  function errorElement(path) {
    var id = "q:" + path.replace(/\[/g, ":").replace(/\]/g, "").replace(/\//g, ":") + ":error";
    return document.getElementById(id);
  }

  /** The server's messages at their fields; the rest in the banner. */
  function showErrors(errors, banner) {
    var loose = [];
    (errors || []).forEach(function (error) {
      var element = errorElement(error.field || "");
      if (!element) {
        loose.push(error.message);
        return;
      }
      element.textContent = error.message;
      var node = element.closest(".q-node");
      if (node) node.classList.add("form-field--invalid");
    });
    return loose;
  }

  // --- sending the queue ------------------------------------------------------------------------

  var syncing = false;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function AuthError() {}

  function send(batch) {
    return fetch(cfg.syncUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify({
        visits: batch.map(function (item) {
          return {
            idempotency_key: item.key,
            stop_id: item.stop,
            questionnaire_id: item.questionnaire_id,
            answers: item.answers,
            visited_at: item.visited_at,
          };
        }),
      }),
    })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) throw new AuthError();
        if (!response.ok) throw new Error("server " + response.status);
        return response.json();
      })
      .then(function (body) {
        var work = [];
        var stored = 0;
        (body.results || []).forEach(function (result) {
          var item = batch[result.index];
          if (!item || item.key !== result.idempotency_key) return;
          if (result.status === "stored" || result.status === "already_stored") {
            stored += 1;
            work.push(deleteItem(item.key));
          } else if (result.status === "refused" || result.status === "forbidden") {
            item.status = "refused";
            item.detail = result.detail || "";
            item.errors = result.errors || [];
            work.push(putItem(item));
          } // "failed": stays waiting and goes again next time
        });
        return Promise.all(work).then(function () {
          return stored;
        });
      });
  }

  function sync() {
    if (syncing || !hasDb || !cfg.syncUrl) return Promise.resolve();
    return myItems().then(function (items) {
      var waiting = items.filter(function (item) {
        return item.status === "waiting";
      });
      if (!waiting.length) return render(items);
      if (navigator.onLine === false) {
        say(T.offline);
        return render(items);
      }
      syncing = true;
      root.dataset.syncing = "1";
      say(T.sending);
      var sent = 0;
      var chain = Promise.resolve();
      for (var start = 0; start < waiting.length; start += BATCH) {
        (function (batch) {
          chain = chain.then(function () {
            return send(batch).then(function (stored) {
              sent += stored;
            });
          });
        })(waiting.slice(start, start + BATCH));
      }
      return chain
        .then(function () {
          say(plural(T.sent, sent));
        })
        .catch(function (error) {
          if (error instanceof AuthError) say(T.login);
          else if (navigator.onLine === false || error instanceof TypeError) say(T.offline);
          else say(T.failed);
        })
        .then(function () {
          syncing = false;
          delete root.dataset.syncing;
          root.dataset.syncs = String(Number(root.dataset.syncs || 0) + 1); // rounds sent
          return sent > 0 && mode === "route" ? refreshDoors() : null;
        })
        .then(refresh);
    });
  }

  // --- showing the queue --------------------------------------------------------------------------

  function refreshDoors() {
    // The fresh route page (the service worker keeps this copy too): statuses and progress.
    return fetch(cfg.routeUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.redirected) return null;
        return response.text();
      })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["[data-testid=progress]", ".canvass-doors"].forEach(function (selector) {
          var now = root.querySelector(selector);
          var next = fresh.querySelector(selector);
          if (now && next) now.innerHTML = next.innerHTML;
        });
      })
      .catch(function () {
        return null;
      });
  }

  function refusedEntry(item) {
    var li = document.createElement("li");
    li.dataset.key = item.key;
    var strong = document.createElement("strong");
    strong.textContent = item.address || "";
    li.appendChild(strong);
    if (item.detail) li.appendChild(document.createTextNode(" — " + item.detail));
    if (item.errors && item.errors.length) {
      var ul = document.createElement("ul");
      item.errors.forEach(function (error) {
        var entry = document.createElement("li");
        entry.textContent = error.message;
        ul.appendChild(entry);
      });
      li.appendChild(ul);
    }
    var actions = document.createElement("p");
    actions.className = "button-row";
    if (item.door_url) {
      var link = document.createElement("a");
      link.href = item.door_url;
      link.textContent = T.fix || "";
      actions.appendChild(link);
    }
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "utrecht-button utrecht-button--subtle";
    remove.textContent = T.remove || "";
    remove.addEventListener("click", function () {
      if (window.confirm(T.removeConfirm || "")) deleteItem(item.key).then(refresh);
    });
    actions.appendChild(remove);
    li.appendChild(actions);
    return li;
  }

  function render(items) {
    var box = root.querySelector("[data-canvass-queue]");
    if (!box) return;
    var waiting = items.filter(function (item) {
      return item.status === "waiting";
    });
    var refused = items.filter(function (item) {
      return item.status === "refused";
    });
    box.hidden = mode === "door" && !items.length;
    box.dataset.waiting = String(waiting.length);
    box.dataset.refused = String(refused.length);
    box.querySelector("[data-queue-text]").textContent = waiting.length
      ? plural(T.waiting, waiting.length)
      : T.allSent || "";
    var refusedBox = box.querySelector("[data-queue-refused]");
    var list = box.querySelector("[data-queue-refused-list]");
    list.textContent = "";
    refused.forEach(function (item) {
      list.appendChild(refusedEntry(item));
    });
    box.querySelector("[data-queue-refused-title]").textContent = T.refusedTitle || "";
    refusedBox.hidden = !refused.length;
    box.querySelector("[data-sync-now]").disabled = syncing;
    // Door badges on the route page.
    var state = {};
    items.forEach(function (item) {
      state[item.stop] = item.status === "refused" ? "refused" : state[item.stop] || item.status;
    });
    root.querySelectorAll(".canvass-door[data-stop]").forEach(function (door) {
      var badge = door.querySelector("[data-door-queued]");
      if (!badge) return;
      var status = state[door.dataset.stop];
      badge.hidden = !status;
      badge.textContent = status === "refused" ? T.badgeRefused : status ? T.badgeWaiting : "";
      door.dataset.queued = status || "";
    });
  }

  function refresh() {
    return myItems().then(render);
  }

  // --- offline copies (service worker) ---------------------------------------------------------

  function worker() {
    if (!("serviceWorker" in navigator) || !cfg.swUrl) return Promise.resolve(null);
    return navigator.serviceWorker
      .register(cfg.swUrl, { scope: cfg.scope })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .catch(function () {
        return null;
      });
  }

  function ask(registration, message) {
    if (!registration || !registration.active) return Promise.resolve(null);
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        resolve(event.data);
      };
      registration.active.postMessage(message, [channel.port2]);
      setTimeout(function () {
        resolve(null);
      }, 60000);
    });
  }

  /** Another person used this phone before: forget their saved pages (their queue stays theirs). */
  function checkOwner(registration) {
    if (!hasDb || cfg.user === null || cfg.user === undefined) return Promise.resolve();
    return inStore("meta", "readonly", function (store) {
      return store.get("owner");
    }).then(function (owner) {
      if (owner === cfg.user) return null;
      var forget = owner === undefined ? Promise.resolve() : ask(registration, { type: "forget" });
      return forget.then(function () {
        return inStore("routes", "readwrite", function (store) {
          return store.clear();
        });
      }).then(function () {
        return inStore("meta", "readwrite", function (store) {
          return store.put(cfg.user, "owner");
        });
      });
    });
  }

  function saveRouteForOffline() {
    return worker().then(function (registration) {
      return checkOwner(registration)
        .then(function () {
          if (navigator.onLine === false) return null;
          var urls = (cfg.precache || []).concat(cfg.bundleUrl ? [cfg.bundleUrl] : [], cfg.assets || []);
          return ask(registration, { type: "precache", urls: urls });
        })
        .then(function (result) {
          if (!result || result.failed) return;
          var note = root.querySelector("[data-offline-ready]");
          if (note) {
            note.textContent = T.offlineReady || "";
            note.hidden = false;
          }
          document.documentElement.dataset.canvassOffline = "ready";
          return inStore("routes", "readwrite", function (store) {
            return store.put({
              url: cfg.routeUrl,
              label: cfg.routeLabel,
              reference: cfg.reference,
              user: cfg.user,
              saved: Date.now(),
            });
          });
        });
    });
  }

  function listSavedRoutes() {
    var list = root.querySelector("[data-saved-routes]");
    if (!list || !hasDb) return Promise.resolve();
    return inStore("routes", "readonly", function (store) {
      return store.getAll();
    }).then(function (routes) {
      list.textContent = "";
      var mine = (routes || []).filter(function (route) {
        return route.user === cfg.user;
      });
      if (!mine.length) {
        var empty = document.createElement("li");
        empty.textContent = T.noSavedRoutes || "";
        list.appendChild(empty);
      }
      mine.forEach(function (route) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = route.url;
        link.textContent = route.label + " (" + route.reference + ")";
        li.appendChild(link);
        list.appendChild(li);
      });
    });
  }

  // --- the door form ------------------------------------------------------------------------------

  function photoChosen(form) {
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return !input.disabled && input.files && input.files.length > 0;
    });
  }

  function startDoor() {
    var form = root.querySelector("form[data-canvass-door]");
    if (!form || !hasDb) return;
    var key = newKey();
    var saving = false;
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return; // form.js found answers to correct
      var submitter = event.submitter;
      if (
        submitter &&
        (submitter.hasAttribute("formnovalidate") || /_(update|repeat)$/.test(submitter.name || ""))
      ) {
        return;
      }
      if (photoChosen(form)) {
        // The queue holds answers, not files: with signal a visit with a new photo goes to the
        // server at once (the normal POST); without, the canvasser is told and nothing is lost.
        if (navigator.onLine !== false) return;
        event.preventDefault();
        var banner = root.querySelector("[data-canvass-fix]");
        if (banner) {
          banner.querySelector("p").textContent = T.photoOffline || "";
          banner.hidden = false;
          banner.scrollIntoView();
        }
        return;
      }
      event.preventDefault();
      if (saving) return; // a double tap: one item
      saving = true;
      var item = {
        key: key,
        user: cfg.user,
        stop: cfg.stop,
        questionnaire_id: cfg.questionnaire,
        answers: answersFromForm(form),
        visited_at: new Date().toISOString(),
        address: cfg.address,
        route_url: cfg.routeUrl,
        door_url: window.location.pathname,
        status: "waiting",
        detail: "",
        errors: [],
        created: Date.now(),
      };
      myItems()
        .then(function (items) {
          // A corrected visit replaces the refused one of this door.
          return Promise.all(
            items
              .filter(function (old) {
                return old.stop === cfg.stop && old.status === "refused";
              })
              .map(function (old) {
                return deleteItem(old.key);
              })
          );
        })
        .then(function () {
          return putItem(item);
        })
        .then(function () {
          try {
            sessionStorage.setItem(FLASH, cfg.address || "");
          } catch (error) {
            /* private mode: no message, the badge still shows */
          }
          window.location.assign(cfg.routeUrl + "#door-" + cfg.stop);
        })
        .catch(function () {
          saving = false;
          form.submit(); // no queue on this phone: the server stores it now
        });
    });
    // A visit the server refused: open it again with the answers and the messages.
    myItems().then(function (items) {
      var refused = items
        .filter(function (item) {
          return item.stop === cfg.stop && item.status === "refused";
        })
        .pop();
      if (!refused) return;
      fillForm(form, refused.answers);
      var loose = showErrors(refused.errors);
      var banner = root.querySelector("[data-canvass-fix]");
      if (banner) {
        banner.querySelector("p").textContent = [T.fixBanner, refused.detail]
          .concat(loose)
          .filter(Boolean)
          .join(" ");
        banner.hidden = false;
      }
    });
  }

  // --- start ------------------------------------------------------------------------------------

  var sendNow = root.querySelector("[data-sync-now]");
  if (sendNow) sendNow.addEventListener("click", sync);
  window.addEventListener("online", sync);
  window.addEventListener("offline", function () {
    say(T.offline);
  });

  if (mode === "door") startDoor();
  if (mode === "route") {
    var saved = null;
    try {
      saved = sessionStorage.getItem(FLASH);
      sessionStorage.removeItem(FLASH);
    } catch (error) {
      saved = null;
    }
    if (saved !== null) {
      flash = [T.saved, saved].filter(Boolean).join(" ");
      say("");
    }
    saveRouteForOffline();
  }
  if (mode === "offline") listSavedRoutes();
  refresh().then(function () {
    if (navigator.onLine !== false) return sync();
    say(T.offline);
  });
})();
