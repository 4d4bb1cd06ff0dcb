// Runs in <head> before the page is drawn: the text size chosen on this phone, and "js" so the
// controls that need a script are shown (elearn/static/page.js makes them work).
(function (root) {
  root.classList.add("js");
  try {
    var size = localStorage.getItem("textSize");
    if (size === "lg" || size === "xl") root.classList.add("text-" + size);
  } catch (e) { /* storage switched off: normal size */ }
}(document.documentElement));
