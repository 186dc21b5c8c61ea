// Live dose, vial plan and rounding on the infusion form (templates/pharmacy/infusion_form.html).
// The server renders the panel (numbers and dates in the user's language) and recomputes
// everything again when the form is saved: this file only asks and displays.
// Data comes through data-* attributes, no inline script, so a strict CSP holds.
(function () {
  "use strict";

  var form = document.getElementById("infusion-form");
  if (!form || !window.fetch) { return; }
  var panel = document.getElementById("dose-plan");
  var weight = form.elements.namedItem("weight_kg");
  var day = form.elements.namedItem("date");
  var prepared = form.elements.namedItem("prepared_dose_mg");
  var pens = form.elements.namedItem("pens");  // SC: the lots proposed follow the pens
  var confirmBox = document.getElementById("confirm-weight-box");
  var confirmInput = form.elements.namedItem("confirm_weight");
  var timer = null;
  var controller = null;

  function query() {
    var params = new URLSearchParams();
    params.set("patient", form.dataset.patient);
    params.set("weight", weight ? weight.value : "");
    if (day && day.value) { params.set("date", day.value); }
    if (pens && pens.value) { params.set("pens", pens.value); }
    if (prepared && prepared.value) { params.set("prepared", prepared.value); }
    if (form.dataset.infusion) { params.set("infusion", form.dataset.infusion); }
    return form.dataset.dosePlanUrl + "?" + params.toString();
  }

  function refresh() {
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    panel.setAttribute("aria-busy", "true");
    fetch(query(), {
      headers: { "Accept": "application/json" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        panel.innerHTML = data.html;
        panel.setAttribute("aria-busy", "false");
        if (confirmBox) {
          var keep = confirmInput && confirmInput.checked;
          confirmBox.classList.toggle("d-none", !(data.needs_weight_confirmation || keep));
        }
      })
      .catch(function (error) {
        if (error.name !== "AbortError") { panel.setAttribute("aria-busy", "false"); }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  // A field whose value differs from the one the server rendered was typed in (or restored by
  // the browser) before this script ran: the panel does not match it yet.
  function edited(field) {
    return Boolean(field) && field.value !== field.defaultValue;
  }

  if (weight) { weight.addEventListener("input", later); }
  if (pens) { pens.addEventListener("input", later); }
  if (prepared) { prepared.addEventListener("input", later); }  // the lots follow its vials
  if (day) {
    day.addEventListener("input", later);
    day.addEventListener("change", later);
  }

  // "Prepare 640 mg": copy the rounded dose into the prepared dose (the server checks it).
  panel.addEventListener("click", function (event) {
    var button = event.target.closest("[data-use-dose]");
    if (!button || !prepared) { return; }
    event.preventDefault();
    prepared.value = button.dataset.useDose;
    prepared.focus();
    later();
  });

  // A usable lot clicked: one vial of it added to the lots field ("LOT x 1" lines add up).
  panel.addEventListener("click", function (event) {
    var button = event.target.closest("[data-choose-lot]");
    var lots = form.elements.namedItem("lots");
    if (!button || !lots) { return; }
    event.preventDefault();
    var text = lots.value.replace(/\s+$/, "");
    lots.value = (text ? text + "\n" : "") + button.dataset.chooseLot + " x 1\n";
    lots.focus();
  });

  // On a slow connection the pharmacist types the weight before this file arrives: catch up.
  if (edited(weight) || edited(day)) { refresh(); }
  // Listeners are attached: browser tests wait for this before typing.
  form.dataset.ready = "true";
}());
