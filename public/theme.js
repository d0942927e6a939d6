// Applies the saved light/dark choice before first paint and wires the theme button.
// Without a saved choice the operating system's preference applies (see style/main.css).
(function () {
  var root = document.documentElement;
  try {
    var saved = localStorage.getItem("riposte-theme");
    if (saved === "light" || saved === "dark") root.dataset.theme = saved;
  } catch (e) {}
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-toggle]");
    if (!button) return;
    var dark = root.dataset.theme
      ? root.dataset.theme === "dark"
      : window.matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    try { localStorage.setItem("riposte-theme", root.dataset.theme); } catch (e) {}
  });
})();
