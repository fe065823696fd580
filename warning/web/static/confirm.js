// Ask before a step that cannot be undone (撤销, 办结, 不予下达). A form that carries
// data-confirm submits only when the user confirms its question. A static file, not an
// inline script, so the Content-Security-Policy (script-src 'self') holds.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
