(function () {
  "use strict";
  function fallback(text) {
    var t = document.createElement("textarea");
    t.value = text;
    t.setAttribute("readonly", "");
    t.style.position = "fixed";
    t.style.opacity = "0";
    document.body.appendChild(t);
    t.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(t);
    return ok;
  }
  function done(button, ok) {
    button.textContent = ok ? "Copied" : "Press Ctrl+C";
    button.setAttribute("data-copied", ok ? "yes" : "no");
    setTimeout(function () { button.textContent = "Copy"; }, 2000);
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button[data-copy]") : null;
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    var text = source ? source.textContent : "";
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(button, true); },
                                               function () { done(button, fallback(text)); });
    } else {
      done(button, fallback(text));
    }
  });
})();
