// A background job's page (an import, an export): poll its state (JSON) every second, move the progress bar, and load
// the page again, with its report, once the job has ended. A served file, not an inline script
// (Content-Security-Policy); without JavaScript the page's "Refresh" link does the same.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("job-progress");
  if (!box) { return; }
  var bar = document.getElementById("job-bar");
  var state = document.getElementById("job-state");
  function show(percent) {
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", percent);
  }
  show(Number(bar.dataset.percent) || 0);
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        if (job.finished) { window.location.reload(); return; }
        show(job.percent);
        if (job.phase) { state.dataset.phase = job.phase; state.textContent = job.phase; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
});
