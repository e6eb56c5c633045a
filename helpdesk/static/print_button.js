// The guide page's "Print" button: a script file, not an onclick attribute, because the
// Content-Security-Policy allows no inline script or event handlers.
"use strict";
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
