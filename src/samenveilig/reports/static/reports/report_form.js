/* Report form (REP-3, REP-5). Progressive enhancement: without this script every section is
 * shown and the coordinates can be typed. Configuration comes from data- attributes, because
 * the Content Security Policy forbids inline scripts and styles. */
(function () {
  "use strict";

  // Show the person and vehicle sections only for categories that ask for them, and always
  // when something was filled in already (nothing typed is ever hidden).
  var select = document.getElementById("id_category");
  function sectionHasInput(section) {
    var fields = section.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].value && fields[i].type !== "hidden") {
        return true;
      }
    }
    return false;
  }
  function updateSections() {
    if (!select) {
      return;
    }
    var option = select.options[select.selectedIndex];
    var chosen = option && option.value;
    var asks = {
      person: !chosen || option.getAttribute("data-asks-person") === "1",
      vehicle: !chosen || option.getAttribute("data-asks-vehicle") === "1",
    };
    document.querySelectorAll(".report-section[data-section]").forEach(function (section) {
      var kind = section.getAttribute("data-section");
      section.hidden = !(asks[kind] || sectionHasInput(section));
    });
  }
  if (select) {
    select.addEventListener("change", updateSections);
    updateSections();
  }

  // Map pin: clicking the map fills in the latitude and longitude fields.
  var container = document.getElementById("report-map");
  if (!container || typeof window.L === "undefined") {
    return;
  }
  var data = container.dataset;
  var latInput = document.getElementById(data.latInput);
  var lonInput = document.getElementById(data.lonInput);
  if (!latInput || !lonInput) {
    return;
  }
  container.hidden = false;
  var start = [52.1, 5.3];
  var zoom = 7;
  if (latInput.value && lonInput.value) {
    start = [parseFloat(latInput.value), parseFloat(lonInput.value)];
    zoom = 17;
  }
  var map = window.L.map(container, { scrollWheelZoom: false }).setView(start, zoom);
  window.L.tileLayer(data.tileUrl, { attribution: data.tileAttribution, maxZoom: 19 }).addTo(map);
  var marker = null;
  function place(latlng) {
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = window.L.marker(latlng).addTo(map);
    }
    latInput.value = latlng.lat.toFixed(6);
    lonInput.value = latlng.lng.toFixed(6);
  }
  if (zoom === 17) {
    place(window.L.latLng(start[0], start[1]));
  }
  map.on("click", function (event) {
    place(event.latlng);
  });
  // A details element that opens after load leaves Leaflet with a zero-size map.
  var details = container.closest("details");
  if (details) {
    details.addEventListener("toggle", function () {
      map.invalidateSize();
    });
  }
})();
