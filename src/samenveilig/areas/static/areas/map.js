/* Buurt map (COM-1). Progressive enhancement: the page's table and address form work without
 * this script. Configuration comes from data- attributes, because the Content Security Policy
 * forbids inline scripts and styles. */
(function () {
  "use strict";

  var container = document.getElementById("area-map");
  var status = document.getElementById("area-map-status");
  if (!container || typeof window.L === "undefined" || !window.fetch) {
    return;
  }
  var data = container.dataset;

  function say(message) {
    if (status) {
      status.textContent = message || "";
    }
  }

  // Popup content is built from text nodes: names come from an import file, never as HTML.
  function popupFor(properties) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = properties.name + " (" + properties.code + ")";
    box.appendChild(title);
    [[data.labelDistrict, properties.district], [data.labelMunicipality, properties.municipality]]
      .forEach(function (pair) {
        if (pair[1]) {
          var line = document.createElement("div");
          line.textContent = pair[0] + ": " + pair[1];
          box.appendChild(line);
        }
      });
    return box;
  }

  container.hidden = false;
  var map = window.L.map(container, { scrollWheelZoom: false }).setView([52.1, 5.3], 7);
  window.L.tileLayer(data.tileUrl, { attribution: data.tileAttribution, maxZoom: 19 }).addTo(map);

  fetch(data.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (collection) {
      var layer = window.L.geoJSON(collection, {
        style: function () {
          return { color: "#154273", weight: 2, fillOpacity: 0.1 };
        },
        onEachFeature: function (feature, featureLayer) {
          featureLayer.bindPopup(popupFor(feature.properties || {}));
        },
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds);
        say("");
      } else {
        say(data.messageEmpty);
      }
    })
    .catch(function () {
      say(data.messageFailed);
    });
})();
