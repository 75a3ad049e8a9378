// Dark mode: follows the system setting until the user picks one with the header button (kept in localStorage).
(function () {
  var saved = null;
  try { saved = window.localStorage.getItem("snq-theme"); } catch (e) { /* private mode */ }
  var dark = saved ? saved === "dark" : window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  document.addEventListener("click", function (ev) {
    if (!ev.target.closest || !ev.target.closest("#theme-toggle")) { return; }
    var next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try { window.localStorage.setItem("snq-theme", next); } catch (e) { /* ignore */ }
  });
})();
