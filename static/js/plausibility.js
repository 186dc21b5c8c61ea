// A value refused as implausible may come with a converted value to use (C3 or C4 typed in
// mg/dL): the button puts it into the field; the user saves again (core.plausibility).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-plausible-value]");
  if (!button) {
    return;
  }
  var input = document.getElementById(button.getAttribute("data-plausible-target"));
  if (!input) {
    return;
  }
  input.value = button.getAttribute("data-plausible-value");
  input.classList.remove("is-invalid");
  input.dispatchEvent(new Event("input", { bubbles: true }));
  input.focus();
  button.disabled = true;
});
