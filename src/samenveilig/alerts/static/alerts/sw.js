/* Service worker of the alert pages (ALR-4): shows a Web Push notification and opens the
 * alert's page when it is clicked. The payload is JSON: {title, body, url, tag}. Served by the
 * view alerts:sw under /signalementen/ so its scope covers the alert pages. */
"use strict";

self.addEventListener("push", function (event) {
  var payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch (error) {
    payload = { title: event.data ? event.data.text() : "" };
  }
  var title = payload.title || "Samen Veilig";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: payload.body || "",
      tag: payload.tag || undefined,
      data: { url: payload.url || self.registration.scope },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || self.registration.scope;
  // Only pages of this site are opened: a link to another origin keeps its path only.
  var target = new URL(url, self.registration.scope);
  if (target.origin !== self.location.origin) {
    target = new URL(target.pathname + target.search, self.location.origin);
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
      for (var i = 0; i < list.length; i++) {
        if (list[i].url === target.href && "focus" in list[i]) {
          return list[i].focus();
        }
      }
      return self.clients.openWindow(target.href);
    })
  );
});
