// Kesu: small page behaviours, declared in the markup so that no page needs an inline script (the
// Content-Security-Policy allows scripts from our static files only).
//
// <input type="file"> inside .kesu-file   show the chosen files' names in #<id>-name
// <select data-autosubmit>                submit its form when the choice changes
// <a data-back href="/">                  go back a page (the href is where to go without history)
// <button data-tab="x" data-tab-field="ID">  on showing that Bootstrap tab, put "x" into the field #ID
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLSelectElement && input.hasAttribute("data-autosubmit") && input.form) {
      input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit();
      return;
    }
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.closest(".kesu-file")) return;
    var label = document.getElementById(input.id + "-name");
    if (label) label.textContent = input.files.length ? Array.from(input.files, function (f) { return f.name; }).join("、") : "未选择文件";
  });

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-back]") : null;
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  document.addEventListener("shown.bs.tab", function (event) {
    var tab = event.target;
    var field = tab.dataset && tab.dataset.tabField ? document.getElementById(tab.dataset.tabField) : null;
    if (field) field.value = tab.dataset.tab;
  });
})();
