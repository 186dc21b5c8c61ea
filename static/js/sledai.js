/*
 * SELENA-SLEDAI entry: live total and activity class as descriptors are ticked, total-only
 * mode, lab-suggested descriptors and the SELENA flare index refreshed from the server.
 * No inline script (strict CSP): weights, bands and labels come from data-* attributes, every
 * user-facing text from the server-rendered page or the JSON of the suggestions view.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-sledai-form]");
  if (!form) {
    return;
  }
  var bands = JSON.parse(form.dataset.bands).sort(function (a, b) { return a[0] - b[0]; });
  var bandLabels = JSON.parse(form.dataset.bandLabels);
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=descriptors]"));
  var block = form.querySelector("[data-descriptors-block]");
  var totalOut = form.querySelector("[data-sledai-total]");
  var classOut = form.querySelector("[data-sledai-class]");
  var mismatch = form.querySelector("[data-sledai-mismatch]");
  var recorded = form.querySelector("input[name=recorded_total]");
  var flareBox = form.querySelector("[data-flare-suggestion]");
  var timer = null;

  function totalOnly() {
    var mode = form.querySelector("input[name=mode]:checked");
    return mode !== null && mode.value === "total";
  }

  function activity(score) {
    var found = null;
    bands.forEach(function (band) {
      if (score >= band[0]) {
        found = band[1];
      }
    });
    return found === null ? "" : (bandLabels[found] || found);
  }

  function recordedValue() {
    var text = recorded ? recorded.value.trim() : "";
    if (text === "" || !/^\d+$/.test(text)) {
      return null;
    }
    return parseInt(text, 10);
  }

  function ticked() {
    return boxes.filter(function (box) { return box.checked; });
  }

  function update() {
    var only = totalOnly();
    var sum = ticked().reduce(function (acc, box) {
      return acc + parseInt(box.dataset.weight, 10);
    }, 0);
    var entered = recordedValue();
    var score = only ? entered : sum;
    totalOut.textContent = score === null ? "—" : String(score);
    classOut.textContent = score === null ? "" : activity(score);
    mismatch.hidden = only || entered === null || entered === sum;
    block.disabled = only;
    block.classList.toggle("opacity-50", only);
    boxes.forEach(function (box) {
      box.closest("[data-descriptor]").classList.toggle("list-group-item-primary", box.checked);
    });
  }

  function params() {
    var query = new URLSearchParams();
    ["date", "mode", "pga", "recorded_total"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]" + (name === "mode" ? ":checked" : ""));
      if (input && input.value !== "") {
        query.append(name, input.value);
      }
    });
    var hospitalised = form.querySelector("input[name=hospitalised]");
    if (hospitalised && hospitalised.checked) {
      query.append("hospitalised", "on");
    }
    ticked().forEach(function (box) { query.append("descriptors", box.value); });
    if (form.dataset.visit) {
      query.append("visit", form.dataset.visit);
    }
    return query;
  }

  function showSuggestions(data) {
    form.querySelectorAll("[data-descriptor]").forEach(function (row) {
      var text = data.labs[row.dataset.descriptor];
      var line = row.querySelector("[data-suggestion]");
      row.classList.toggle("border-start", Boolean(text));
      row.classList.toggle("border-4", Boolean(text));
      row.classList.toggle("border-warning", Boolean(text));
      line.hidden = !text;
      line.textContent = text || "";
    });
    if (!flareBox) {
      return;
    }
    flareBox.hidden = !data.flare;
    if (data.flare) {
      flareBox.querySelector("[data-flare-label]").textContent = data.flare.label;
      var list = flareBox.querySelector("[data-flare-criteria]");
      list.replaceChildren();
      data.flare.criteria.forEach(function (criterion) {
        var item = document.createElement("li");
        item.textContent = criterion;
        list.appendChild(item);
      });
    }
  }

  function refresh() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      fetch(form.dataset.suggestUrl + "?" + params().toString(), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data) {
            showSuggestions(data);
          }
        })
        .catch(function () { /* suggestions are a help: the form works without them */ });
    }, 300);
  }

  // True when a field no longer holds what the server rendered: it was typed in, ticked (or
  // restored by the browser) before this script ran, and its "change" event was lost.
  function edited() {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.options) {
        return Array.prototype.some.call(field.options, function (option) {
          return option.selected !== option.defaultSelected;
        });
      }
      return "defaultValue" in field && field.value !== field.defaultValue;
    });
  }

  form.addEventListener("change", function () {
    update();
    refresh();
  });
  form.addEventListener("input", function (event) {
    if (event.target === recorded) {
      update();
    }
  });
  // Catch up with what was entered before the script loaded: the total from the boxes ticked
  // now, the suggestions if anything differs from the page the server rendered.
  update();
  if (edited()) {
    refresh();
  }
  // Listeners are attached: browser tests wait for this before they type or tick.
  form.dataset.ready = "true";
}());
