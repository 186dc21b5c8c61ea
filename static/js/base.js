// Behaviour shared by every page, kept out of inline attributes for the Content-Security-Policy.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-submit-on-change]").forEach(function (element) {
    element.addEventListener("change", function () { element.form.submit(); });
  });
  document.querySelectorAll("[data-print]").forEach(function (element) {
    element.addEventListener("click", function () { window.print(); });
  });
});
