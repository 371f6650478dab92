/* Maps of the alert pages. Progressive enhancement: without this script the place is typed as
 * an address or coordinates, and the alert page says where in words. Configuration comes from
 * data- attributes, because the Content Security Policy forbids inline scripts. */
(function () {
  "use strict";
  if (typeof window.L === "undefined") {
    return;
  }
  var L = window.L;

  function tiles(map, data) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution, maxZoom: 19 }).addTo(map);
  }

  // A pin on a form (new alert, tip): clicking fills in latitude and longitude; on the new
  // alert form a circle shows the radius.
  var picker = document.getElementById("alert-map");
  if (picker) {
    var data = picker.dataset;
    var latInput = document.getElementById(data.latInput);
    var lonInput = document.getElementById(data.lonInput);
    var radiusInput = data.radiusInput ? document.getElementById(data.radiusInput) : null;
    if (latInput && lonInput) {
      picker.hidden = false;
      var start = [52.1, 5.3];
      var zoom = 7;
      if (latInput.value && lonInput.value) {
        start = [parseFloat(latInput.value), parseFloat(lonInput.value)];
        zoom = 15;
      } else if (data.centreLat && data.centreLon) {
        start = [parseFloat(data.centreLat), parseFloat(data.centreLon)];
        zoom = 14;
      }
      var map = L.map(picker, { scrollWheelZoom: false }).setView(start, zoom);
      tiles(map, data);
      var marker = null;
      var circle = null;
      var radius = function () {
        var value = radiusInput ? parseInt(radiusInput.value, 10) : NaN;
        return isNaN(value) ? 1000 : value;
      };
      var place = function (latlng) {
        if (marker) {
          marker.setLatLng(latlng);
        } else {
          marker = L.marker(latlng).addTo(map);
        }
        if (radiusInput) {
          if (circle) {
            circle.setLatLng(latlng);
            circle.setRadius(radius());
          } else {
            circle = L.circle(latlng, { radius: radius() }).addTo(map);
          }
        }
        latInput.value = latlng.lat.toFixed(6);
        lonInput.value = latlng.lng.toFixed(6);
      };
      if (latInput.value && lonInput.value) {
        place(L.latLng(start[0], start[1]));
      }
      map.on("click", function (event) {
        place(event.latlng);
      });
      if (radiusInput) {
        radiusInput.addEventListener("input", function () {
          if (circle) {
            circle.setRadius(radius());
          }
        });
      }
      var details = picker.closest("details");
      if (details) {
        details.addEventListener("toggle", function () {
          map.invalidateSize();
        });
      }
    }
  }

  // The alert's area, read-only.
  document.querySelectorAll(".alert-map-view").forEach(function (container) {
    var d = container.dataset;
    var centre = [parseFloat(d.lat), parseFloat(d.lon)];
    if (isNaN(centre[0]) || isNaN(centre[1])) {
      return;
    }
    container.hidden = false;
    var view = L.map(container, { scrollWheelZoom: false }).setView(centre, 14);
    tiles(view, d);
    var r = parseInt(d.radius, 10);
    if (r > 0) {
      var shape = L.circle(centre, { radius: r }).addTo(view);
      view.fitBounds(shape.getBounds());
    } else {
      L.marker(centre).addTo(view);
    }
  });
})();
