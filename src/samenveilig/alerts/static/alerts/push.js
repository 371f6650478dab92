/* Web Push registration (ALR-4): registers the service worker, subscribes with the site's
 * VAPID public key and sends the subscription to the server. Without JavaScript or Push API
 * support the controls stay hidden and the page says so. */
(function () {
  "use strict";
  var box = document.getElementById("push-controls");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) {
    return;
  }
  var data = box.dataset;
  var status = document.getElementById("push-status");
  var needsJs = document.getElementById("push-needs-js");
  box.hidden = false;
  if (needsJs) {
    needsJs.hidden = true;
  }

  function say(text) {
    status.textContent = text;
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("server answered " + response.status);
      }
      return response;
    });
  }

  function registration() {
    return navigator.serviceWorker.register(data.swUrl, { scope: data.scope });
  }

  document.getElementById("push-on").addEventListener("click", function () {
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          say(data.msgDenied);
          return null;
        }
        return registration()
          .then(function (reg) {
            return navigator.serviceWorker.ready.then(function () {
              return reg.pushManager.subscribe({
                userVisibleOnly: true,
                applicationServerKey: keyBytes(data.publicKey),
              });
            });
          })
          .then(function (subscription) {
            return post(data.subscribeUrl, subscription.toJSON());
          })
          .then(function () {
            say(data.msgOn);
          });
      })
      .catch(function () {
        say(data.msgFailed);
      });
  });

  document.getElementById("push-off").addEventListener("click", function () {
    navigator.serviceWorker
      .getRegistration(data.scope)
      .then(function (reg) {
        return reg ? reg.pushManager.getSubscription() : null;
      })
      .then(function (subscription) {
        if (!subscription) {
          say(data.msgOff);
          return null;
        }
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          return post(data.unsubscribeUrl, { endpoint: endpoint });
        });
      })
      .then(function () {
        say(data.msgOff);
      })
      .catch(function () {
        say(data.msgFailed);
      });
  });
})();
